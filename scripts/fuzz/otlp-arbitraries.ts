import fc from 'fast-check';
import type { Signal } from '../../core/model/index.ts';

// OTLP requests as protobufjs `fromObject` takes them, with values at the edges the transcoder
// must treat exactly as the reference: keys that a JS object reorders or drops, duplicate keys,
// lone surrogates (protobufjs writes them as invalid UTF-8), numbers that JSON renders oddly,
// ids of every length, times around the accepted range and the retention.

const NOW_NS = 1_764_460_800_000_000_000n; // 2025-11-30, within the fuzz's ten-year retention
const times = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: NOW_NS - 10n ** 13n, max: NOW_NS + 10n ** 12n }).map(String) },
  fc.constantFrom('0', '1', String(NOW_NS), String(NOW_NS + 1n), '4294967295000000000', '4294967295000000001', '18446744073709551615', '9223372036854775808', '1000000000000000000'),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.bigInt({ min: NOW_NS - 10n ** 17n, max: NOW_NS + 10n ** 15n }).map(String),
);
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', 'service.name', '__proto__', '0', '42', '007', '4294967295', 'null', 'é', '\ud800', 'a\u0000b', '"\\'),
);
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('k', 'service.name', 'host.name', 'a', 'b') }, { weight: 2, arbitrary: text });
const int64 = fc.oneof(fc.integer().map(String), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constantFrom('9007199254740993', '-1', '0'));
const double = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1e21, 1e-7, 0.1, NaN, Infinity, -Infinity, 2 ** 53 + 2));
const bytes = (lengths: number[]) => fc.oneof(fc.constantFrom(...lengths).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.uint8Array({ maxLength: 20 }));

const { anyValue } = fc.letrec<{ anyValue: object; keyValue: object }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: int64 }),
    fc.record({ doubleValue: double }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 6 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie('keyValue'), { maxLength: 3 }) }) }),
    fc.constant({}),
    // Several members of the oneof at once: protobufjs keeps them all, the reference prefers one.
    fc.record({ stringValue: text, intValue: int64, doubleValue: double, boolValue: fc.boolean(), bytesValue: fc.uint8Array({ maxLength: 3 }) }, { requiredKeys: [] }),
  ),
  keyValue: fc.record({ key, value: tie('anyValue') }, { requiredKeys: [] }),
}));
const keyValue = fc.record({ key, value: anyValue }, { requiredKeys: [] });
const attributes = fc.array(keyValue, { maxLength: 6 });
const resource = fc.record({ attributes, droppedAttributesCount: fc.nat() }, { requiredKeys: [] });
const scope = fc.record({ name: text, version: text, attributes, droppedAttributesCount: fc.nat() }, { requiredKeys: [] });

const logRecord = fc.record(
  {
    timeUnixNano: times,
    observedTimeUnixNano: times,
    severityNumber: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.integer({ min: -5, max: 300 })),
    severityText: text,
    body: anyValue,
    attributes,
    flags: fc.nat(),
    traceId: bytes([16]),
    spanId: bytes([8]),
    eventName: text,
  },
  { requiredKeys: [] },
);

const span = fc.record(
  {
    traceId: bytes([16, 16, 16]),
    spanId: bytes([8, 8, 8]),
    parentSpanId: bytes([8, 0]),
    traceState: text,
    name: text,
    kind: fc.integer({ min: -1, max: 7 }),
    startTimeUnixNano: times,
    endTimeUnixNano: times,
    attributes,
    events: fc.array(fc.record({ timeUnixNano: times, name: text, attributes }, { requiredKeys: [] }), { maxLength: 3 }),
    links: fc.array(fc.record({ traceId: bytes([16]), spanId: bytes([8]), traceState: text, attributes }, { requiredKeys: [] }), { maxLength: 2 }),
    status: fc.record({ message: text, code: fc.integer({ min: 0, max: 4 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const exemplar = fc.record(
  { filteredAttributes: attributes, timeUnixNano: times, asDouble: double, asInt: int64, spanId: bytes([8]), traceId: bytes([16]) },
  { requiredKeys: [] },
);
const pointBase = { attributes, startTimeUnixNano: times, timeUnixNano: times, flags: fc.nat(), exemplars: fc.array(exemplar, { maxLength: 2 }) };
const count = fc.oneof(fc.nat().map(String), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String));
const numberPoint = fc.record({ ...pointBase, asDouble: double, asInt: int64 }, { requiredKeys: [] });
const histogramPoint = fc
  .integer({ min: 0, max: 4 })
  .chain((n) =>
    fc.record(
      {
        ...pointBase,
        count,
        sum: double,
        bucketCounts: fc.array(count, { minLength: n + 1, maxLength: n + 1 }),
        explicitBounds: fc.oneof(fc.array(double, { minLength: n, maxLength: n }), fc.array(double, { maxLength: 3 })),
        min: double,
        max: double,
      },
      { requiredKeys: [] },
    ),
  );
const buckets = fc.record({ offset: fc.integer({ min: -50, max: 50 }), bucketCounts: fc.array(count, { maxLength: 4 }) }, { requiredKeys: [] });
const expPoint = fc.record(
  { ...pointBase, count, sum: double, scale: fc.integer({ min: -10, max: 20 }), zeroCount: count, positive: buckets, negative: buckets, min: double, max: double, zeroThreshold: double },
  { requiredKeys: [] },
);
const summaryPoint = fc.record(
  { attributes, startTimeUnixNano: times, timeUnixNano: times, flags: fc.nat(), count, sum: double, quantileValues: fc.array(fc.record({ quantile: double, value: double }, { requiredKeys: [] }), { maxLength: 3 }) },
  { requiredKeys: [] },
);
const temporality = fc.integer({ min: 0, max: 3 });
const metricData = fc.oneof(
  fc.record({ gauge: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 3 }) }) }),
  fc.record({ sum: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 3 }), aggregationTemporality: temporality, isMonotonic: fc.boolean() }, { requiredKeys: ['dataPoints'] }) }),
  fc.record({ histogram: fc.record({ dataPoints: fc.array(histogramPoint, { maxLength: 3 }), aggregationTemporality: temporality }, { requiredKeys: ['dataPoints'] }) }),
  fc.record({ exponentialHistogram: fc.record({ dataPoints: fc.array(expPoint, { maxLength: 3 }), aggregationTemporality: temporality }, { requiredKeys: ['dataPoints'] }) }),
  fc.record({ summary: fc.record({ dataPoints: fc.array(summaryPoint, { maxLength: 3 }) }) }),
  fc.constant({}),
);
const metric = fc
  .tuple(fc.record({ name: text, description: text, unit: text, metadata: attributes }, { requiredKeys: [] }), metricData)
  .map(([head, data]) => ({ ...head, ...data }));

const schemaUrl = fc.option(text, { nil: undefined });
const holder = <T>(scopeKey: string, items: string, item: fc.Arbitrary<T>) =>
  fc.record(
    {
      resource,
      schemaUrl,
      [scopeKey]: fc.array(fc.record({ scope, schemaUrl, [items]: fc.array(item, { maxLength: 4 }) }, { requiredKeys: [items] }), { maxLength: 3 }),
    },
    { requiredKeys: [scopeKey] },
  );

/** A request of each signal as a plain object for protobufjs fromObject. */
export const otlpRequest: Record<Signal, fc.Arbitrary<object>> = {
  logs: fc.record({ resourceLogs: fc.array(holder('scopeLogs', 'logRecords', logRecord), { maxLength: 3 }) }),
  traces: fc.record({ resourceSpans: fc.array(holder('scopeSpans', 'spans', span), { maxLength: 3 }) }),
  metrics: fc.record({ resourceMetrics: fc.array(holder('scopeMetrics', 'metrics', metric), { maxLength: 3 }) }),
};
