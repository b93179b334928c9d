import type { KeyValue, Metric, NumberDataPoint } from '../../../core/model/index.ts';

/** What a scraper reports: OTLP metrics built from one /proc reading. */
export interface ScrapeContext {
  procRoot: string;
  /** Scrape time, unix nanoseconds as a string. */
  timeNanos: string;
  /** Start of cumulative sums (boot time), unix nanoseconds as a string. */
  startNanos: string;
}

export const attrs = (values: Record<string, string>): KeyValue[] =>
  Object.entries(values).map(([key, value]) => ({ key, value: { stringValue: value } }));

export const point = (value: number, attributes: Record<string, string>, ctx: ScrapeContext, cumulative = false): NumberDataPoint => ({
  asDouble: value,
  attributes: attrs(attributes),
  timeUnixNano: ctx.timeNanos,
  ...(cumulative ? { startTimeUnixNano: ctx.startNanos } : {}),
});

export const gauge = (name: string, unit: string, dataPoints: NumberDataPoint[]): Metric => ({ name, unit, gauge: { dataPoints } });

/** OTLP sums: cumulative temporality (2); monotonic for counters, not for usage levels. */
export const sum = (name: string, unit: string, dataPoints: NumberDataPoint[], isMonotonic: boolean): Metric => ({
  name,
  unit,
  sum: { dataPoints, aggregationTemporality: 2, isMonotonic },
});
