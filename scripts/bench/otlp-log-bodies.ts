import { randomBytes } from 'node:crypto';
import { encodeProtobuf, type ExportLogsServiceRequest } from '../../core/model/index.ts';

/**
 * Pre-encoded OTLP/protobuf logs requests for load: `perRequest` records of ~400 B each, from
 * 16 hosts and 8 services (so the Kafka keys spread over partitions as a cluster's would).
 * `compressible` bodies read like access logs (gzip shrinks them ~5×); `random` bodies carry
 * incompressible text, the worst case for the broker and for gzip.
 */
export function otlpLogBodies(kind: 'compressible' | 'random', count: number, perRequest: number): Buffer[] {
  return Array.from({ length: count }, (_, seq) => Buffer.from(encodeProtobuf('logs', logsRequest(kind, seq, perRequest))));
}

const WORDS = ['GET', 'POST', '/api/orders', '/api/users', 'completed', 'failed', 'in', 'ms', 'status', 'upstream', 'cache', 'miss'];

function logsRequest(kind: 'compressible' | 'random', seq: number, count: number): ExportLogsServiceRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = (i: number) =>
    kind === 'random'
      ? randomBytes(180).toString('base64')
      : `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} request ${seq}-${i} ${WORDS[(i * 3) % 12]} in ${i % 997} ms; user=${(i * 31) % 10007} trace=${(seq * 1000 + i).toString(16).padStart(16, '0')} region=eu-west-1 az=b upstream=10.0.${i % 255}.${seq % 255}:8080 bytes=${(i * 7919) % 65536} cache=miss referer=https://shop.example.com/cart?step=checkout ua="Mozilla/5.0 (X11; Linux x86_64)"`;
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
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: String(now + BigInt(i)),
              observedTimeUnixNano: String(now + BigInt(i)),
              severityNumber: i % 10 === 0 ? 17 : 9,
              severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
              body: { stringValue: body(i) },
              attributes: [
                { key: 'http.method', value: { stringValue: i % 2 ? 'GET' : 'POST' } },
                { key: 'http.status_code', value: { intValue: i % 10 === 0 ? 500 : 200 } },
                { key: 'http.route', value: { stringValue: `/api/v1/orders/${i % 50}` } },
                { key: 'duration_ms', value: { doubleValue: (i % 997) + 0.25 } },
              ],
              traceId: randomBytes(16),
              spanId: randomBytes(8),
            })),
          },
        ],
      },
    ],
  };
}
