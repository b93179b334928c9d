import { randomBytes } from 'node:crypto';
import type { ExportLogsServiceRequest } from '../../core/model/index.ts';

export type BodyKind = 'realistic' | 'random';

const WORDS = ['GET', 'POST', '/api/orders', '/api/users', 'completed', 'failed', 'in', 'ms', 'status', 'upstream', 'cache', 'miss'];

/**
 * One ExportLogsServiceRequest of `count` log records of ~400 B: a handful of attributes and
 * either a realistic access-log-like body (repetitive, compresses well) or random base64 of 300
 * bytes (400 characters, incompressible: what compression and dictionary tricks cannot help).
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
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: String(now + BigInt(i)),
              severityNumber: i % 10 === 0 ? 17 : 9,
              severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
              body: {
                stringValue:
                  bodies === 'random'
                    ? randomBytes(300).toString('base64')
                    : `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} request ${seq}-${i} ${WORDS[(i * 3) % 12]} in ${i % 997} ms; user=${(i * 31) % 10007} trace=${(seq * 1000 + i).toString(16).padStart(16, '0')} region=eu-west-1 az=b`,
              },
              attributes: [
                { key: 'http.method', value: { stringValue: i % 2 ? 'GET' : 'POST' } },
                { key: 'http.status_code', value: { intValue: i % 10 === 0 ? 500 : 200 } },
                { key: 'http.route', value: { stringValue: `/api/v1/orders/${i % 50}` } },
                { key: 'duration_ms', value: { doubleValue: (i % 997) + 0.25 } },
              ],
              traceId: Buffer.alloc(16, i % 256),
              spanId: Buffer.alloc(8, i % 256),
            })),
          },
        ],
      },
    ],
  };
}
