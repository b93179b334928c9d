import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { compareTranscode } from '../../../scripts/fuzz/transcode-differential.ts';
import { sdkSeeds } from '../../../scripts/fuzz/sdk-seeds.ts';
import { decodeJson, encodeProtobuf, MalformedOtlpError, type Signal } from '../index.ts';
import { TABLE_COLUMNS } from './table-columns.ts';
import { transcodeRequest } from './transcode-request.ts';

const NOW_MS = Date.parse('2026-11-30T00:00:00Z');
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
const TYPES = new Map(Object.entries(TABLE_COLUMNS).map(([table, columns]) => [table, new Map(columns.map(([n, t]) => [n, t] as [string, string]))]));
const options = { ttlDays: 3650, nowMs: NOW_MS };

/** Both paths on the bytes; returns which path the transcoder took. */
function same(signal: Signal, bytes: Uint8Array, opts: { ttlDays?: number; nowMs: number } = options): string | undefined {
  const result = compareTranscode(signal, Buffer.from(bytes), TYPES, opts);
  expect(result.mismatch).toBeUndefined();
  return result.transcoder.path;
}

const encode = (signal: Signal, request: object) => Buffer.from(encodeProtobuf(signal, request as never));
const logsWith = (records: object[], resourceAttributes: object[] = [{ key: 'service.name', value: { stringValue: 'svc' } }]) => ({
  resourceLogs: [{ resource: { attributes: resourceAttributes }, scopeLogs: [{ scope: { name: 's', version: '1' }, logRecords: records }] }],
});
const at = String(NOW_NS - 1000n);

describe('transcodeRequest against the reference path', () => {
  it.each(['logs', 'traces', 'metrics'] as const)('golden %s: byte-identical rows, on the transcoder path', (signal) => {
    const json = readFileSync(join(import.meta.dirname, `../testdata/${signal}.json`), 'utf8');
    const bytes = encodeProtobuf(signal, decodeJson(signal, json));
    expect(same(signal, bytes)).toBe('transcoder');
    const result = transcodeRequest(signal, bytes, options);
    expect(result.tables.reduce((n, t) => n + t.offsets.length - 1, 0)).toBeGreaterThan(0);
  });

  it('real SDK payloads (OpenTelemetry JS serializers): byte-identical, on the transcoder path', async () => {
    const seeds = (await sdkSeeds()).filter((s) => s.encoding === 'protobuf');
    expect(seeds.length).toBeGreaterThanOrEqual(5);
    for (const seed of seeds) expect(same(seed.signal, seed.bytes, { nowMs: NOW_MS })).toBe('transcoder');
  });

  it('renders attribute values as the reference does: JSON of arrays and maps, bytes, doubles, int64', () => {
    const values = [
      { stringValue: 'plain' }, { boolValue: true }, { intValue: '-9223372036854775808' }, { intValue: '9007199254740993' },
      { doubleValue: 1e21 }, { doubleValue: -0 }, { doubleValue: 0.1 }, { doubleValue: NaN }, { bytesValue: Buffer.from([0, 255, 7]) },
      { arrayValue: { values: [{ intValue: '12345678901234567890' }, { doubleValue: Infinity }, { stringValue: 'x"\\' }, {}, { bytesValue: Buffer.from('hi') }] } },
      { kvlistValue: { values: [{ key: 'b', value: { boolValue: false } }, { key: '1', value: { stringValue: 'one' } }, { key: 'b', value: { intValue: 2 } }, { key: '__proto__', value: {} }, { value: { stringValue: 'no key' } }, { key: 'n' }] } },
      {},
    ];
    const attributes = values.map((value, i) => ({ key: `k${i}`, value }));
    expect(same('logs', encode('logs', logsWith([{ timeUnixNano: at, body: values[10], attributes }])))).toBe('transcoder');
  });

  it('keeps a JS object\'s key rules: last duplicate wins in the first place, integer keys first, __proto__ dropped, missing key "null"', () => {
    const kv = (key: string | undefined, v: string) => (key === undefined ? { value: { stringValue: v } } : { key, value: { stringValue: v } });
    const lists = [
      [kv('z', '1'), kv('a', '2'), kv('z', '3')],
      [kv('b', '1'), kv('10', 'ten'), kv('a', '2'), kv('2', 'two'), kv('0', 'zero'), kv('01', 'not an index')],
      [kv('a', '1'), kv('__proto__', 'p')],
      [kv('a', '1'), kv(undefined, 'nokey')],
      [kv('service.name', 'first'), kv('x', '1'), kv('service.name', 'late')],
    ];
    for (const attributes of lists) {
      expect(same('logs', encode('logs', logsWith([{ timeUnixNano: at, attributes }], attributes)))).toBe('transcoder');
    }
  });

  it('replaces invalid UTF-8 as protobufjs does (lone surrogates are written as such by protobufjs)', () => {
    const bad = 'a\ud800b\udfffc';
    const request = logsWith([{ timeUnixNano: at, severityText: bad, body: { stringValue: bad }, attributes: [{ key: bad, value: { stringValue: bad } }], eventName: bad }], [{ key: 'service.name', value: { stringValue: bad } }]);
    expect(same('logs', encode('logs', request))).toBe('transcoder');
  });

  it('falls back on the observed time, then on the receipt time', () => {
    const request = logsWith([{ observedTimeUnixNano: at }, { timeUnixNano: '0', observedTimeUnixNano: '0' }, {}]);
    expect(same('logs', encode('logs', request))).toBe('transcoder');
    const result = transcodeRequest('logs', encode('logs', request), options);
    expect(result.tables[0]!.data.readBigInt64LE(result.tables[0]!.offsets[1]!)).toBe(NOW_NS);
  });

  it('rejects exactly what acceptRequest rejects, with the same reasons, counts and message', () => {
    const request = logsWith([
      { timeUnixNano: at, traceId: Buffer.alloc(15, 1) },
      { timeUnixNano: at, spanId: Buffer.alloc(9, 1) },
      { timeUnixNano: at, severityNumber: 25 },
      { timeUnixNano: '1' },
      { timeUnixNano: '18446744073709551615' },
      { observedTimeUnixNano: '4294967295000000001' },
      { timeUnixNano: at, body: { stringValue: 'kept' } },
    ]);
    expect(same('logs', encode('logs', request), { ttlDays: 30, nowMs: NOW_MS })).toBe('transcoder');
    const result = transcodeRequest('logs', encode('logs', request), { ttlDays: 30, nowMs: NOW_MS });
    expect(result.rejected.count).toBe(6);
    expect(result.tables[0]!.offsets.length - 1).toBe(1);
    const spans = {
      resourceSpans: [{ scopeSpans: [{ spans: [
        { traceId: Buffer.alloc(16), spanId: Buffer.alloc(8, 1), startTimeUnixNano: at },
        { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1) },
        { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), startTimeUnixNano: at, endTimeUnixNano: String(NOW_NS - 5000n), events: [{ timeUnixNano: '18446744073709551615' }] },
        { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), startTimeUnixNano: at, endTimeUnixNano: String(NOW_NS), links: [{ traceId: Buffer.alloc(16, 2), spanId: Buffer.alloc(8, 2) }] },
      ] }] }],
    };
    expect(same('traces', encode('traces', spans))).toBe('transcoder');
    const metrics = {
      resourceMetrics: [{ scopeMetrics: [{ metrics: [
        { name: 'h', histogram: { dataPoints: [{ timeUnixNano: at, bucketCounts: [1, 2], explicitBounds: [1, 2] }, { timeUnixNano: at, bucketCounts: [1, 2, 3], explicitBounds: [1, 2] }] } },
        { name: 'g', gauge: { dataPoints: [{ asInt: '-5' }, { timeUnixNano: at, asInt: '-5', exemplars: [{ spanId: Buffer.alloc(3) }] }, { timeUnixNano: at, asInt: '9007199254740993' }] } },
      ] }] }],
    };
    expect(same('metrics', encode('metrics', metrics))).toBe('transcoder');
  });

  it('hands values nested deeper than 32 levels to the reference (which rejects them), 32 levels stay on the transcoder', () => {
    const deep = (n: number): object => (n === 0 ? { stringValue: 'leaf' } : { arrayValue: { values: [deep(n - 1)] } });
    expect(same('logs', encode('logs', logsWith([{ timeUnixNano: at, body: deep(32) }])))).toBe('transcoder');
    expect(same('logs', encode('logs', logsWith([{ timeUnixNano: at, body: deep(33) }])))).toBe('reference');
    expect(transcodeRequest('logs', encode('logs', logsWith([{ timeUnixNano: at, body: deep(33) }])), options).rejected.reasons).toEqual({ invalid_value: 1 });
  });

  it('reads fields in any order, skips unknown fields and reads unpacked repeated numbers', () => {
    // A LogRecord written by hand: body before time, an unknown varint, fixed32 and string field, time twice (last wins).
    const record = protobuf.Writer.create();
    record.uint32((5 << 3) | 2).fork().uint32((1 << 3) | 2).string('body').ldelim();
    record.uint32((99 << 3) | 0).uint64(12345);
    record.uint32((1 << 3) | 1).fixed64(1);
    record.uint32((98 << 3) | 5).fixed32(7);
    record.uint32((97 << 3) | 2).string('unknown');
    record.uint32((1 << 3) | 1).fixed64(protobuf.util.LongBits.from(at).toLong(true));
    record.uint32((2 << 3) | 0).int32(9);
    const scope = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(record.finish()).uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('late scope').ldelim();
    const resource = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(scope.finish()).uint32((3 << 3) | 2).string('schema');
    const request = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(resource.finish()).finish();
    expect(same('logs', request)).toBe('transcoder');
    expect(transcodeRequest('logs', request, options).tables[0]!.offsets.length).toBe(2);

    // A histogram point with bucket counts and bounds unpacked (one element per field).
    const point = protobuf.Writer.create().uint32((3 << 3) | 1).fixed64(protobuf.util.LongBits.from(at).toLong(true));
    for (const c of [1, 2, 3]) point.uint32((6 << 3) | 1).fixed64(c);
    for (const b of [0.5, 1.5]) point.uint32((7 << 3) | 1).double(b);
    const histogram = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(point.finish()).uint32((2 << 3) | 0).int32(2);
    const metric = protobuf.Writer.create().uint32((1 << 3) | 2).string('h').uint32((9 << 3) | 2).bytes(histogram.finish());
    const sm = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(metric.finish());
    const rm = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(sm.finish());
    const metrics = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(rm.finish()).finish();
    expect(same('metrics', metrics)).toBe('transcoder');
  });

  it('throws MalformedOtlpError where the reference does (truncation, bad wire types), and accepts what it accepts', () => {
    const bytes = encode('logs', logsWith([{ timeUnixNano: at, body: { stringValue: 'x'.repeat(50) } }]));
    let malformed = 0;
    for (let cut = 1; cut < bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      same('logs', part);
      try {
        transcodeRequest('logs', part, options);
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedOtlpError);
        malformed += 1;
      }
    }
    expect(malformed).toBeGreaterThan(0);
    expect(() => transcodeRequest('logs', Buffer.from([0x0f]), options)).toThrow(MalformedOtlpError);
  });

  it('row offsets cut the block into the rows the reference encodes one by one', () => {
    const bytes = encode('logs', logsWith(Array.from({ length: 20 }, (_, i) => ({ timeUnixNano: at, body: { stringValue: 'r'.repeat(i * 13) } }))));
    const { tables } = transcodeRequest('logs', bytes, options);
    const { offsets, data } = tables[0]!;
    expect(offsets.length).toBe(21);
    expect(offsets[0]).toBe(0);
    expect(offsets[20]).toBe(data.length);
    for (let i = 1; i < 21; i++) expect(offsets[i]!).toBeGreaterThan(offsets[i - 1]!);
  });
});
