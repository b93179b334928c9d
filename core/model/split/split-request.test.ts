import { describe, expect, it } from 'vitest';
import { acceptRequest } from '../accept/accept-request.ts';
import { decodeProtobuf, encodeProtobuf } from '../otlp-codec.ts';
import { RecordTooLargeError, splitRequest } from './split-request.ts';

const log = (i: number, size = 200) => ({ timeUnixNano: '1763856000000000000', body: { stringValue: `${i}:` + 'x'.repeat(size) } });
const request = {
  resourceLogs: [0, 1, 2].map((r) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] },
    scopeLogs: [0, 1].map((s) => ({ scope: { name: `scope-${s}` }, logRecords: Array.from({ length: 20 }, (_, i) => log(r * 1000 + s * 100 + i)) })),
  })),
};

describe('splitRequest', () => {
  it('splits a request over the limit into parts under it, every record in exactly one part, resource and scope kept', () => {
    const total = encodeProtobuf('logs', request).length;
    const parts = splitRequest('logs', request, 5_000);
    expect(total).toBeGreaterThan(5_000);
    expect(parts.length).toBeGreaterThan(1);
    const bodies: string[] = [];
    for (const part of parts) {
      expect(part.bytes.length).toBeLessThanOrEqual(5_000);
      const decoded = decodeProtobuf('logs', part.bytes);
      for (const rl of decoded.resourceLogs ?? []) {
        const service = rl.resource?.attributes?.[0]?.value?.stringValue;
        for (const sl of rl.scopeLogs ?? []) {
          for (const record of sl.logRecords ?? []) {
            const id = Number(record.body!.stringValue!.split(':')[0]);
            // Each record travels with its own resource and scope.
            expect(service).toBe(`svc-${Math.floor(id / 1000)}`);
            expect(sl.scope?.name).toBe(`scope-${Math.floor((id % 1000) / 100)}`);
            bodies.push(record.body!.stringValue!);
          }
        }
      }
    }
    expect(bodies.sort()).toEqual(request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body.stringValue))).sort());
  });

  it('leaves a request under the limit whole', () => {
    expect(splitRequest('logs', request, 1_000_000)).toHaveLength(1);
  });

  it('splits one metric by its data points, and refuses one record larger than a message', () => {
    const metrics = {
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: Array.from({ length: 50 }, (_, i) => ({ timeUnixNano: '1763856000000000000', asDouble: i })) } }] }] }],
    };
    const parts = splitRequest('metrics', metrics, 400);
    expect(parts.reduce((n, p) => n + acceptRequest('metrics', p.request).records, 0)).toBe(50);
    expect(() => splitRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [log(1, 10_000)] }] }] }, 5_000)).toThrow(RecordTooLargeError);
  });
});
