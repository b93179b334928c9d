import type { HistogramDataPoint, KeyValue, Metric, NumberDataPoint, SummaryDataPoint } from '../../core/model/index.ts';
import type { Family, Sample } from './parse-exposition.ts';
import type { SeriesState } from './series-state.ts';

// OTLP constants: AggregationTemporality CUMULATIVE; DataPointFlags NO_RECORDED_VALUE (staleness).
const CUMULATIVE = 2;

export interface MapContext {
  /** Scrape time, ms since the epoch (a sample's own timestamp wins). */
  nowMs: number;
  /** Labels the target adds to every sample (static_configs labels), besides job and instance. */
  targetLabels: Array<[string, string]>;
  /** Prometheus honor_labels: a scraped label wins over a target label of the same name, instead of becoming exported_<name>. */
  honorLabels: boolean;
  series: SeriesState;
}

const nanos = (ms: number): string => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/**
 * Maps parsed families to OTLP metrics as the OpenTelemetry Collector's prometheus receiver
 * does: counter → cumulative monotonic sum, gauge/untyped/unknown/info/stateset → gauge,
 * histogram → histogram (cumulative buckets made per-bucket), summary → summary. Start times come
 * from `_created` when exposed, else from the series' first sighting, moved on a counter reset.
 */
export function mapFamilies(families: Family[], ctx: MapContext): Metric[] {
  const metrics: Metric[] = [];
  for (const family of families) {
    const base = { description: family.help, unit: family.unit };
    switch (family.type) {
      case 'counter': {
        const points = new Map<string, NumberDataPoint[]>();
        const created = createdTimes(family.samples.filter((s) => s.name.endsWith('_created') && s.name !== family.name));
        for (const s of family.samples) {
          if (s.name.endsWith('_created') && s.name !== family.name) continue;
          const attributes = attributesOf(s.labels, ctx);
          const time = s.timestampMs ?? ctx.nowMs;
          const start = ctx.series.cumulative(s.name, attributes, s.value, time, created.get(labelKey(s.labels)));
          if (!points.has(s.name)) points.set(s.name, []);
          points.get(s.name)!.push({ attributes, startTimeUnixNano: nanos(start), timeUnixNano: nanos(time), asDouble: s.value });
        }
        for (const [name, dataPoints] of points) metrics.push({ name, ...base, sum: { dataPoints, aggregationTemporality: CUMULATIVE, isMonotonic: true } });
        break;
      }
      case 'histogram':
        metrics.push({ name: family.name, ...base, histogram: { dataPoints: histogramPoints(family, ctx), aggregationTemporality: CUMULATIVE } });
        break;
      case 'summary':
        metrics.push({ name: family.name, ...base, summary: { dataPoints: summaryPoints(family, ctx) } });
        break;
      default: {
        // Gauges, and what has no type (each sample name its own metric, as the Collector does).
        const points = new Map<string, NumberDataPoint[]>();
        for (const s of family.samples) {
          const attributes = attributesOf(s.labels, ctx);
          ctx.series.seen(s.name, 'gauge', attributes);
          if (!points.has(s.name)) points.set(s.name, []);
          points.get(s.name)!.push({ attributes, timeUnixNano: nanos(s.timestampMs ?? ctx.nowMs), asDouble: s.value });
        }
        for (const [name, dataPoints] of points) metrics.push({ name, ...base, gauge: { dataPoints } });
      }
    }
  }
  return metrics;
}

interface Group {
  labels: Array<[string, string]>;
  samples: Sample[];
}

/** Samples of one histogram or summary series (same labels but `le`/`quantile`). */
function groupBy(family: Family, special: string): Group[] {
  const groups = new Map<string, Group>();
  for (const s of family.samples) {
    const labels = s.labels.filter(([k]) => k !== special);
    const key = labelKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, samples: [] }));
    g.samples.push(s);
  }
  return [...groups.values()];
}

function histogramPoints(family: Family, ctx: MapContext): HistogramDataPoint[] {
  const points: HistogramDataPoint[] = [];
  for (const g of groupBy(family, 'le')) {
    const buckets: Array<[number, number]> = [];
    let sum: number | undefined;
    let count: number | undefined;
    let created: number | undefined;
    let time = ctx.nowMs;
    for (const s of g.samples) {
      const suffix = s.name.slice(family.name.length);
      if (s.timestampMs !== undefined) time = s.timestampMs;
      if (suffix === '_bucket') {
        const le = s.labels.find(([k]) => k === 'le')?.[1];
        const bound = le === undefined ? NaN : le === '+Inf' ? Infinity : Number(le);
        if (!Number.isNaN(bound)) buckets.push([bound, s.value]);
      } else if (suffix === '_sum') sum = s.value;
      else if (suffix === '_count') count = s.value;
      else if (suffix === '_created') created = s.value * 1000;
    }
    buckets.sort((a, b) => a[0] - b[0]);
    const total = count ?? buckets.find(([b]) => b === Infinity)?.[1] ?? buckets.at(-1)?.[1] ?? 0;
    const bounds = buckets.filter(([b]) => b !== Infinity).map(([b]) => b);
    // Prometheus buckets are cumulative; OTLP's are per bucket, with the overflow bucket last.
    const counts: number[] = [];
    let previous = 0;
    for (const [, c] of buckets.filter(([b]) => b !== Infinity)) {
      counts.push(Math.max(0, c - previous));
      previous = c;
    }
    counts.push(Math.max(0, total - previous));
    const attributes = attributesOf(g.labels, ctx);
    const start = ctx.series.cumulative(family.name, attributes, total, time, created, 'histogram');
    points.push({
      attributes,
      startTimeUnixNano: nanos(start),
      timeUnixNano: nanos(time),
      count: String(Math.round(total)),
      ...(sum === undefined ? {} : { sum }),
      bucketCounts: counts.map((c) => String(Math.round(c))),
      explicitBounds: bounds,
    });
  }
  return points;
}

function summaryPoints(family: Family, ctx: MapContext): SummaryDataPoint[] {
  const points: SummaryDataPoint[] = [];
  for (const g of groupBy(family, 'quantile')) {
    const quantileValues: Array<{ quantile: number; value: number }> = [];
    let sum = 0;
    let count = 0;
    let created: number | undefined;
    let time = ctx.nowMs;
    for (const s of g.samples) {
      const suffix = s.name.slice(family.name.length);
      if (s.timestampMs !== undefined) time = s.timestampMs;
      if (suffix === '') {
        const q = Number(s.labels.find(([k]) => k === 'quantile')?.[1]);
        if (!Number.isNaN(q)) quantileValues.push({ quantile: q, value: s.value });
      } else if (suffix === '_sum') sum = s.value;
      else if (suffix === '_count') count = s.value;
      else if (suffix === '_created') created = s.value * 1000;
    }
    const attributes = attributesOf(g.labels, ctx);
    const start = ctx.series.cumulative(family.name, attributes, count, time, created, 'summary');
    points.push({ attributes, startTimeUnixNano: nanos(start), timeUnixNano: nanos(time), count: String(Math.round(count)), sum, quantileValues });
  }
  return points;
}

function createdTimes(samples: Sample[]): Map<string, number> {
  return new Map(samples.map((s) => [labelKey(s.labels), s.value * 1000]));
}

const labelKey = (labels: Array<[string, string]>): string => labels.map(([k, v]) => `${k}=${v}`).sort().join('\u0000');

/** Sample labels plus the target's, with Prometheus's rule for a clash (exported_<name> unless honor_labels). */
function attributesOf(labels: Array<[string, string]>, ctx: MapContext): KeyValue[] {
  const out = new Map<string, string>(ctx.targetLabels);
  for (const [k, v] of labels) {
    if (out.has(k) || k === 'job' || k === 'instance') {
      if (ctx.honorLabels) out.set(k, v);
      else out.set(`exported_${k}`, v);
    } else {
      out.set(k, v);
    }
  }
  return [...out].map(([key, value]) => ({ key, value: { stringValue: value } }));
}
