import { requestToRows, type KeyValue, type Metric } from '../../core/model/index.ts';
import type { Store } from '../../core/store/index.ts';
import { expandValues } from './expand-values.ts';
import type { RuleTest } from './test-file-schema.ts';

export type RuleTestInputs = Partial<Pick<RuleTest, 'input_series' | 'input_logs' | 'input_histograms'>> & { interval: number };

/** These labels identify a source, so they become resource attributes; the rest are point attributes. */
const RESOURCE_KEYS = new Set(['host.name', 'service.name']);
const kv = (labels: Record<string, string>): KeyValue[] => Object.entries(labels).map(([key, v]) => ({ key, value: { stringValue: v } }));
const split = (labels: Record<string, string>) => ({
  resource: Object.fromEntries(Object.entries(labels).filter(([k]) => RESOURCE_KEYS.has(k))),
  point: Object.fromEntries(Object.entries(labels).filter(([k]) => !RESOURCE_KEYS.has(k))),
});
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/**
 * Writes a rule test's inputs as OTLP, through the same OTLP → row mapping the pipeline uses, so
 * rules are tested against the rows they will meet. Step i of a series is at base + i × interval.
 */
export async function loadInputs(inputs: RuleTestInputs, store: Store, base: number): Promise<void> {
  const { interval } = inputs;
  const metrics = async (labels: Record<string, string>, metric: Metric) => {
    for (const t of requestToRows('metrics', { resourceMetrics: [{ resource: { attributes: kv(labels) }, scopeMetrics: [{ metrics: [metric] }] }] })) {
      await store.insertRows(t.table, t.rows);
    }
  };
  for (const s of inputs.input_series ?? []) {
    const { resource, point } = split(s.labels);
    const dataPoints = expandValues(s.values).flatMap((v, i) =>
      v === undefined ? [] : [{ asDouble: v, attributes: kv(point), timeUnixNano: nanos(base + i * interval), startTimeUnixNano: nanos(base) }],
    );
    // OTLP's AggregationTemporality: 1 delta, 2 cumulative.
    const sum = { dataPoints, aggregationTemporality: s.temporality === 'delta' ? 1 : 2, isMonotonic: true };
    await metrics(resource, s.type === 'sum' ? { name: s.metric, sum } : { name: s.metric, gauge: { dataPoints } });
  }
  for (const h of inputs.input_histograms ?? []) {
    const { resource, point } = split(h.labels);
    const dataPoints = h.buckets.map((counts, i) => ({
      attributes: kv(point),
      startTimeUnixNano: nanos(base + (i - 1) * interval),
      timeUnixNano: nanos(base + i * interval),
      count: String(counts.reduce((a, b) => a + b, 0)),
      sum: 0,
      bucketCounts: counts.map(String),
      explicitBounds: h.explicit_bounds,
    }));
    await metrics(resource, { name: h.metric, histogram: { dataPoints, aggregationTemporality: 1 } });
  }
  for (const l of inputs.input_logs ?? []) {
    const { resource, point } = split(l.labels);
    const logRecords = expandValues(l.values).flatMap((n, i) =>
      // All at the step's time: n records "at step i", inside any window that ends there.
      Array.from({ length: n ?? 0 }, () => ({
        timeUnixNano: nanos(base + i * interval),
        severityText: l.severity,
        body: { stringValue: l.body },
        attributes: kv(point),
      })),
    );
    for (const t of requestToRows('logs', { resourceLogs: [{ resource: { attributes: kv(resource) }, scopeLogs: [{ logRecords }] }] })) {
      await store.insertRows(t.table, t.rows);
    }
  }
}
