import type { KeyValue, Metric } from '../../core/model/index.ts';

type Kind = 'gauge' | 'sum' | 'histogram' | 'summary';

interface Series {
  name: string;
  kind: Kind;
  attributes: KeyValue[];
  /** Cumulative series only: since when it counts, and its last value (to see resets). */
  startMs?: number;
  last?: number;
  lastMs?: number;
}

// OTLP DataPointFlags.NO_RECORDED_VALUE: the OpenTelemetry form of a Prometheus staleness marker.
const NO_RECORDED_VALUE = 1;
const CUMULATIVE = 2;

/**
 * What one target exposed at its last scrapes: start times of cumulative series (kept across
 * scrapes, moved when a counter resets) and which series were present, so a series that
 * disappears, or every series of a target that goes down, gets a staleness marker once.
 */
export class SeriesState {
  private previous = new Map<string, Series>();
  private current = new Map<string, Series>();

  /**
   * Start time for a cumulative point. From `_created` when exposed; else the first time the series
   * was seen; after a reset (a value below the last one), the previous scrape's time, the last
   * moment the old count was known to run.
   */
  cumulative(name: string, attributes: KeyValue[], value: number, timeMs: number, createdMs?: number, kind: Kind = 'sum'): number {
    const key = seriesKey(name, attributes);
    const known = this.current.get(key) ?? this.previous.get(key);
    let startMs = createdMs ?? known?.startMs ?? timeMs;
    if (createdMs === undefined && known?.last !== undefined && value < known.last) startMs = known.lastMs ?? timeMs;
    this.current.set(key, { name, kind, attributes, startMs, last: value, lastMs: timeMs });
    return startMs;
  }

  seen(name: string, kind: Kind, attributes: KeyValue[]): void {
    this.current.set(seriesKey(name, attributes), { name, kind, attributes });
  }

  get size(): number {
    return this.current.size;
  }

  /** Ends a successful scrape: markers for the series that were there last time and are gone now. */
  endScrape(nowMs: number): Metric[] {
    const gone = [...this.previous].filter(([key]) => !this.current.has(key)).map(([, s]) => s);
    this.previous = this.current;
    this.current = new Map();
    return staleMarkers(gone, nowMs);
  }

  /** A failed scrape: every series of the target is stale (as in Prometheus); start times are forgotten. */
  fail(nowMs: number): Metric[] {
    const gone = [...this.previous.values()];
    this.previous = new Map();
    this.current = new Map();
    return staleMarkers(gone, nowMs);
  }
}

const seriesKey = (name: string, attributes: KeyValue[]): string =>
  `${name}\u0001${attributes.map((a) => `${a.key}=${a.value?.stringValue ?? ''}`).sort().join('\u0000')}`;

function staleMarkers(series: Series[], nowMs: number): Metric[] {
  const time = `${BigInt(Math.round(nowMs)) * 1_000_000n}`;
  const byMetric = new Map<string, { kind: Kind; points: Series[] }>();
  for (const s of series) {
    const entry = byMetric.get(s.name) ?? { kind: s.kind, points: [] };
    entry.points.push(s);
    byMetric.set(s.name, entry);
  }
  const metrics: Metric[] = [];
  for (const [name, { kind, points }] of byMetric) {
    const base = points.map((s) => ({ attributes: s.attributes, timeUnixNano: time, flags: NO_RECORDED_VALUE }));
    if (kind === 'gauge') metrics.push({ name, gauge: { dataPoints: base.map((p) => ({ ...p, asDouble: 0 })) } });
    else if (kind === 'sum') metrics.push({ name, sum: { dataPoints: base.map((p) => ({ ...p, asDouble: 0 })), aggregationTemporality: CUMULATIVE, isMonotonic: true } });
    else if (kind === 'histogram') metrics.push({ name, histogram: { dataPoints: base.map((p) => ({ ...p, count: '0', bucketCounts: [], explicitBounds: [] })), aggregationTemporality: CUMULATIVE } });
    else metrics.push({ name, summary: { dataPoints: base.map((p) => ({ ...p, count: '0', sum: 0, quantileValues: [] })) } });
  }
  return metrics;
}
