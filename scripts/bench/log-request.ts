import { randomBytes } from 'node:crypto';
import { encodeProtobuf, type ExportLogsServiceRequest } from '../../core/model/index.ts';

/** realistic: log lines that compress as real ones do; random: the same size, nothing for gzip to find. */
export type BodyKind = 'realistic' | 'random';

const WORDS = ['GET', 'POST', '/api/orders', '/api/users', 'completed', 'failed', 'in', 'ms', 'status', 'upstream', 'cache', 'miss'];

/** A service's log line: words from a small vocabulary and a few numbers, so it compresses as real logs do. */
function textBody(seq: number, i: number): string {
  return `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} request ${seq}-${i} ${WORDS[(i * 3) % 12]} in ${i % 997} ms; user=${(i * 31) % 10007} trace=${(seq * 1000 + i).toString(16).padStart(16, '0')} region=eu-west-1 az=b path=/api/v1/orders/${i % 50}/items?page=${i % 7} bytes=${(i * 131) % 65536} ua="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36" upstream=10.0.${i % 4}.${i % 250}:8080`;
}

/** Base64 of random bytes, as long as the text body: the same record size, nothing for gzip to find. */
function randomBody(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4)).toString('base64').slice(0, length);
}

/**
 * One OTLP logs request as an SDK's batch processor sends it: one resource (service, host, pod),
 * one scope, `count` records of about 400 B encoded (body, severity, five attributes, trace and
 * span ids). `seq` varies the resource over 8 services and 16 hosts, so requests spread over
 * partitions when the exporter keys by resource. Every benchmark sends these, so their figures
 * are about the same records.
 */
export function logRequest(seq: number, count: number, bodies: BodyKind): ExportLogsServiceRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: `svc-${seq % 8}` } },
            { key: 'host.name', value: { stringValue: `node-${seq % 16}` } },
            { key: 'k8s.pod.name', value: { stringValue: `pod-${seq % 64}-7f9c6d5b8-x2x9k` } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'bench', version: '1.0.0' },
            logRecords: Array.from({ length: count }, (_, i) => {
              const text = textBody(seq, i);
              return {
                timeUnixNano: String(now + BigInt(i)),
                observedTimeUnixNano: String(now + BigInt(i)),
                severityNumber: i % 10 === 0 ? 17 : 9,
                severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
                body: { stringValue: bodies === 'random' ? randomBody(text.length) : text },
                attributes: [
                  { key: 'http.method', value: { stringValue: i % 2 ? 'GET' : 'POST' } },
                  { key: 'http.status_code', value: { intValue: i % 10 === 0 ? 500 : 200 } },
                  { key: 'http.route', value: { stringValue: `/api/v1/orders/${i % 50}` } },
                  { key: 'duration_ms', value: { doubleValue: (i % 997) + 0.25 } },
                  { key: 'thread.name', value: { stringValue: `worker-${i % 16}` } },
                ],
                traceId: randomBytes(16),
                spanId: randomBytes(8),
              };
            }),
          },
        ],
      },
    ],
  };
}

/** `count` requests of `perRequest` records each, encoded as OTLP/protobuf. */
export function encodedLogRequests(count: number, perRequest: number, bodies: BodyKind, firstSeq = 0): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(encodeProtobuf('logs', logRequest(firstSeq + i, perRequest, bodies))));
}
