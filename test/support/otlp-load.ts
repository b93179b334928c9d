import { encodeProtobuf, type ExportLogsServiceRequest } from '../../core/model/index.ts';

/** A logs request whose records carry unique sequence numbers, so tests can count exactly. */
export function sequencedLogs(service: string, first: number, count: number, host = 'load-host'): ExportLogsServiceRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'host.name', value: { stringValue: host } },
          ],
        },
        scopeLogs: [
          {
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: String(now + BigInt(i)),
              severityText: (first + i) % 10 === 0 ? 'ERROR' : 'INFO',
              body: { stringValue: `record ${first + i}` },
              attributes: [{ key: 'seq', value: { intValue: first + i } }],
            })),
          },
        ],
      },
    ],
  };
}

/**
 * Sends `total` records in requests of `perRequest`, retrying 503s and connection errors the
 * way an OTLP SDK does, until every request got a 200. Returns how many 503s were seen.
 */
export async function sendLogs(
  otlp: () => string,
  service: string,
  total: number,
  perRequest = 500,
  concurrency = 4,
  firstSeq = 0,
): Promise<{ retries: number }> {
  let next = 0;
  let retries = 0;
  const worker = async () => {
    while (next < total) {
      const first = next;
      const count = Math.min(perRequest, total - first);
      next += count;
      // Requests come from 8 hosts, so they spread over partitions as a cluster's would.
      const host = `host-${Math.floor(first / perRequest) % 8}`;
      const body = Buffer.from(encodeProtobuf('logs', sequencedLogs(service, firstSeq + first, count, host)));
      for (;;) {
        try {
          const r = await fetch(`${otlp()}/v1/logs`, { method: 'POST', body: body as unknown as BodyInit, headers: { 'Content-Type': 'application/x-protobuf' } });
          await r.arrayBuffer();
          if (r.status === 200) break;
          if (r.status !== 503) throw new Error(`OTLP request got ${r.status}`);
        } catch (err) {
          if ((err as Error).message.startsWith('OTLP request got')) throw err;
        }
        retries += 1;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { retries };
}
