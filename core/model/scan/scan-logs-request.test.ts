import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceKey } from '../../../collector/otlp/resource-key.ts';
import { acceptRequest } from '../accept/accept-request.ts';
import { limitsAt } from '../accept/record-checks.ts';
import { decodeJson, decodeProtobuf, encodeProtobuf } from '../otlp-codec.ts';
import type { ExportLogsServiceRequest } from '../otlp-types.ts';
import { scanLogsRequest } from './scan-logs-request.ts';

const NOW_MS = Date.UTC(2026, 10, 30);
const limits = limitsAt(NOW_MS, 30);
const nanos = (ms: number) => `${ms}000000`;

/**
 * What the exact path makes of the bytes: the record count and key when acceptRequest takes
 * every record as sent, 'changed' when it rejects or fixes one, 'malformed' when decoding fails.
 */
function exact(bytes: Uint8Array): { records: number; key: string } | 'changed' | 'malformed' {
  let decoded: ExportLogsServiceRequest;
  try {
    decoded = decodeProtobuf('logs', bytes);
  } catch {
    return 'malformed';
  }
  const accepted = acceptRequest('logs', decoded, { nowMs: NOW_MS, ttlDays: 30, mapRows: false });
  if (!accepted.unchanged || accepted.rejected.count > 0) return 'changed';
  return { records: accepted.records, key: resourceKey('logs', decoded) };
}

/** The property that makes forwarding safe: whenever the scan is sure, the exact path agrees. */
function expectAgreement(bytes: Uint8Array): boolean {
  const scan = scanLogsRequest(bytes, limits);
  if (scan) expect(exact(bytes)).toEqual(scan);
  return scan !== undefined;
}

const record = (overrides: Record<string, unknown> = {}) => ({
  timeUnixNano: nanos(NOW_MS - 1000),
  observedTimeUnixNano: nanos(NOW_MS),
  severityNumber: 9,
  severityText: 'INFO',
  body: { stringValue: 'GET /api/orders 200 in 12 ms' },
  attributes: [
    { key: 'http.status_code', value: { intValue: 200 } },
    { key: 'duration_ms', value: { doubleValue: 12.5 } },
    { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } } },
    { key: 'ctx', value: { kvlistValue: { values: [{ key: 'k', value: { bytesValue: Buffer.from('v') } }] } } },
  ],
  traceId: Buffer.alloc(16, 1),
  spanId: Buffer.alloc(8, 2),
  flags: 1,
  ...overrides,
});
const request = (logRecords: object[], resource: object[] = [{ key: 'host.name', value: { stringValue: 'node-1' } }, { key: 'service.name', value: { stringValue: 'api' } }]) =>
  encodeProtobuf('logs', {
    resourceLogs: [
      { resource: { attributes: resource }, scopeLogs: [{ scope: { name: 's', version: '1', attributes: [{ key: 'lib', value: { stringValue: 'pino' } }] }, logRecords }] },
      { resource: { attributes: [{ key: 'host.name', value: { stringValue: 'other' } }] }, scopeLogs: [{ logRecords: [record()] }] },
    ],
  } as ExportLogsServiceRequest);

const deep = (levels: number): object => (levels === 0 ? { stringValue: 'leaf' } : { arrayValue: { values: [deep(levels - 1)] } });

describe('scanLogsRequest', () => {
  it('is sure of ordinary requests and finds the same records and key as the decoder', () => {
    const golden = encodeProtobuf('logs', decodeJson('logs', readFileSync(join(import.meta.dirname, '../testdata/logs.json'), 'utf8').replaceAll('1763856', String(NOW_MS).slice(0, 7))));
    for (const bytes of [request([record(), record({ timeUnixNano: 0 })]), request([record()], [{ key: 'service.name', value: { stringValue: 'only-service' } }]), golden]) {
      expect(expectAgreement(bytes)).toBe(true);
    }
    expect(scanLogsRequest(request([record(), record()]), limits)).toEqual({ records: 3, key: 'node-1/api' });
    expect(scanLogsRequest(new Uint8Array(0), limits)).toEqual({ records: 0, key: '/' });
  });

  it.each([
    ['a trace id of 15 bytes', request([record({ traceId: Buffer.alloc(15, 1) })])],
    ['a span id of 9 bytes', request([record({ spanId: Buffer.alloc(9, 1) })])],
    ['severity 25', request([record({ severityNumber: 25 })])],
    ['severity -1', request([record({ severityNumber: -1 })])],
    ['no time at all (fixed up to the receipt time)', request([record({ timeUnixNano: 0, observedTimeUnixNano: 0 })])],
    ['a time past 2106', request([record({ timeUnixNano: '9300000000000000000' })])],
    ['an observed time past 2106', request([record({ observedTimeUnixNano: '9300000000000000000' })])],
    ['a time older than the retention', request([record({ timeUnixNano: nanos(NOW_MS - 31 * 86_400_000) })])],
    ['a body nested 33 levels', request([record({ body: deep(33) })])],
    ['an attribute nested 33 levels', request([record({ attributes: [{ key: 'd', value: deep(33) }] })])],
    ['a resource attribute nested 33 levels', request([record()], [{ key: 'd', value: deep(33) }])],
    ['truncated bytes', request([record()]).subarray(0, 50)],
  ])('leaves %s to the exact path', (_name, bytes) => {
    expect(scanLogsRequest(bytes, limits)).toBeUndefined();
    expect(exact(bytes)).not.toEqual(expect.objectContaining({ records: expect.any(Number) }));
  });

  it('leaves a key attribute that is not a plain string to the decoder, which renders it', () => {
    const bytes = request([record()], [{ key: 'host.name', value: { intValue: 7 } }]);
    expect(scanLogsRequest(bytes, limits)).toBeUndefined();
    expect(exact(bytes)).toEqual({ records: 2, key: '7/' });
  });

  it('is sure of a body nested exactly 32 levels, as acceptRequest accepts it', () => {
    expect(expectAgreement(request([record({ body: deep(32) })]))).toBe(true);
  });

  it('never is sure where the exact path would reject, fix or fail: 50,000 mutated requests', () => {
    const seeds = [
      request([record(), record({ timeUnixNano: 0 }), record({ body: deep(31) })]),
      request([record({ severityNumber: 24 }), record({ traceId: Buffer.alloc(0), spanId: Buffer.alloc(0) })], [{ key: 'host.name', value: { stringValue: 'h' } }]),
    ];
    let state = 0x9e3779b9;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    let sure = 0;
    for (let i = 0; i < 50_000; i++) {
      const bytes = Buffer.from(seeds[i % seeds.length]!);
      // 1–3 edits: flip a byte, overwrite with a boundary value, or cut the end.
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(bytes.length);
        const kind = random(3);
        if (kind === 0) bytes[at] = bytes[at]! ^ (1 << random(8));
        else if (kind === 1) bytes[at] = [0, 1, 0x7f, 0x80, 0xff, 16, 8, 25][random(8)]!;
        else bytes.fill(0, at, Math.min(bytes.length, at + 1 + random(4)));
      }
      const cut = random(10) === 0 ? bytes.subarray(0, random(bytes.length)) : bytes;
      if (expectAgreement(cut)) sure += 1;
    }
    // The mutations leave many requests valid: the scan must still take most of those.
    expect(sure).toBeGreaterThan(5_000);
  });
});
