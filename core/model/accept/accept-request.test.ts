import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeJson, decodeProtobuf, encodeProtobuf } from '../otlp-codec.ts';
import { acceptRequest } from './accept-request.ts';

const TESTDATA = join(import.meta.dirname, '../testdata');
// The golden payloads were recorded in November 2025.
const NOW_MS = Date.parse('2025-11-23T00:00:00Z');
const json = (name: string) => JSON.parse(readFileSync(join(TESTDATA, `${name}.json`), 'utf8'));

function logsWith(records: object[]) {
  const request = json('logs');
  request.resourceLogs[0].scopeLogs[0].logRecords = records;
  return decodeJson('logs', JSON.stringify(request));
}

describe('acceptRequest', () => {
  it.each(['logs', 'metrics', 'traces'] as const)('accepts every record of the golden %s request unchanged', (signal) => {
    const request = decodeJson(signal, readFileSync(join(TESTDATA, `${signal}.json`), 'utf8'));
    const accepted = acceptRequest(signal, request, { nowMs: NOW_MS, ttlDays: 30 });
    expect(accepted.rejected.count).toBe(0);
    expect(accepted.unchanged).toBe(true);
    expect(accepted.request).toBe(request);
    expect(accepted.rows.reduce((n, t) => n + t.rows.length, 0)).toBe(accepted.records);
  });

  // Each case: one bad record between two good ones; the good ones are kept, the bad one counted by reason.
  const good = { timeUnixNano: '1763856000123456789', body: { stringValue: 'ok' } };
  const cases: Array<[string, object, string]> = [
    ['past 2262', { timeUnixNano: '9300000000000000000' }, 'timestamp_out_of_range'],
    ['past 2106 (the TTL wraps)', { timeUnixNano: '4294967296000000001' }, 'timestamp_out_of_range'],
    ['older than the TTL', { timeUnixNano: '1600000000000000000' }, 'expired'],
    ['1970', { timeUnixNano: '1' }, 'expired'],
    ['a 3-byte trace id', { timeUnixNano: good.timeUnixNano, traceId: 'abcdef' }, 'invalid_trace_id'],
    ['a 16-byte span id', { timeUnixNano: good.timeUnixNano, spanId: '5b8efff798038103d269b633813fc60c' }, 'invalid_span_id'],
    ['severity 99', { timeUnixNano: good.timeUnixNano, severityNumber: 99 }, 'invalid_severity'],
  ];
  it.each(cases)('rejects a log record %s alone', (_name, bad, reason) => {
    const accepted = acceptRequest('logs', logsWith([good, bad, good]), { nowMs: NOW_MS, ttlDays: 30 });
    expect(accepted.records).toBe(3);
    expect(accepted.rejected.count).toBe(1);
    expect(accepted.rejected.reasons).toEqual({ [reason]: 1 });
    expect(accepted.rejected.message).toContain('logRecords[1]');
    expect(accepted.rows[0]!.rows).toHaveLength(2);
    // The filtered request still encodes (it is what goes on the Kafka wire).
    const again = decodeProtobuf('logs', encodeProtobuf('logs', accepted.request));
    expect(acceptRequest('logs', again, { nowMs: NOW_MS, ttlDays: 30 }).records).toBe(2);
  });

  it('stores a log record without any time at its receipt time', () => {
    const accepted = acceptRequest('logs', logsWith([{ body: { stringValue: 'no time' } }]), { nowMs: NOW_MS, ttlDays: 30 });
    expect(accepted.rejected.count).toBe(0);
    expect((accepted.rows[0]!.rows[0] as { Timestamp: string }).Timestamp).toBe(`${NOW_MS}000000`);
  });

  it('rejects values nested deeper than a column can render', () => {
    let value: object = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    const accepted = acceptRequest('logs', logsWith([good, { ...good, body: value }]), { nowMs: NOW_MS });
    expect(accepted.rejected.reasons).toEqual({ invalid_value: 1 });
  });

  it('rejects spans without ids or start time, and data points past 2106', () => {
    const traces = json('traces');
    const spans = traces.resourceSpans[0].scopeSpans[0].spans;
    spans.push({ ...spans[0], traceId: '' }, { ...spans[0], startTimeUnixNano: '0' });
    const t = acceptRequest('traces', decodeJson('traces', JSON.stringify(traces)), { nowMs: NOW_MS, ttlDays: 30 });
    expect(t.rejected.reasons).toEqual({ invalid_trace_id: 1, missing_timestamp: 1 });
    expect(t.rows[0]!.rows).toHaveLength(t.records - 2);

    const metrics = json('metrics');
    const points = metrics.resourceMetrics[0].scopeMetrics[0].metrics[0];
    const kind = Object.keys(points).find((k) => ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].includes(k))!;
    points[kind].dataPoints.push({ ...points[kind].dataPoints[0], timeUnixNano: '18446744073709551615' });
    const m = acceptRequest('metrics', decodeJson('metrics', JSON.stringify(metrics)), { nowMs: NOW_MS, ttlDays: 30 });
    expect(m.rejected.reasons).toEqual({ timestamp_out_of_range: 1 });
    expect(m.rows.reduce((n, r) => n + r.rows.length, 0)).toBe(m.records - 1);
  });
});

describe('acceptRequest: resources and scopes', () => {
  // Found by the HTTP fuzzer: a resource with a deeply nested attribute and no records passed
  // validation (nothing to reject) and overflowed the stack in the mapping (a 503 forever).
  it.each(['logs', 'metrics', 'traces'] as const)('drops a %s resource whose attributes nest too deep, even without records', (signal) => {
    let value: object = { stringValue: 'leaf' };
    for (let i = 0; i < 5_000; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    const list = { logs: 'resourceLogs', metrics: 'resourceMetrics', traces: 'resourceSpans' }[signal];
    const scopes = { logs: 'scopeLogs', metrics: 'scopeMetrics', traces: 'scopeSpans' }[signal];
    const request = { [list]: [{ resource: { attributes: [{ key: 'deep', value }] }, [scopes]: [{ scope: { name: 's' } }] }] };
    const accepted = acceptRequest(signal, request as never, { nowMs: NOW_MS });
    expect(accepted.rows.reduce((n, t) => n + t.rows.length, 0)).toBe(0);
    expect(accepted.unchanged).toBe(false);
  });
});
