import type { KeyValue, Metric, NumberDataPoint } from '../../../core/model/index.ts';

/** When a reading was taken, and since when its cumulative sums have been counting. */
export interface Timestamps {
  /** Unix nanoseconds. */
  timeNanos: string;
  /** Boot time (or receiver start when boot time is unknown), unix nanoseconds. */
  startNanos: string;
}

export interface ScrapeContext extends Timestamps {
  procRoot: string;
}

export type Attributes = Record<string, string>;

export interface Sample {
  value: number;
  attributes?: Attributes;
}

export interface MetricInfo {
  name: string;
  unit: string;
  description: string;
  /** Byte and object counts go out as int64 (`asInt`), as the Collector's hostmetrics receiver sends them. */
  integer?: boolean;
}

// OTLP AggregationTemporality: /proc counters are totals since boot.
const CUMULATIVE = 2;

export const unixNanos = (ms: number): string => `${BigInt(Math.round(ms)) * 1_000_000n}`;

export const attributes = (values: Attributes): KeyValue[] =>
  Object.entries(values).map(([key, value]) => ({ key, value: { stringValue: value } }));

function dataPoint(info: MetricInfo, sample: Sample, timeNanos: string, startNanos?: string): NumberDataPoint {
  // BigInt() would throw a cryptic RangeError on NaN; name the metric instead.
  if (!Number.isFinite(sample.value)) throw new Error(`${info.name}: unreadable value ${sample.value}`);
  return {
    attributes: attributes(sample.attributes ?? {}),
    ...(startNanos === undefined ? {} : { startTimeUnixNano: startNanos }),
    timeUnixNano: timeNanos,
    ...(info.integer ? { asInt: BigInt(Math.round(sample.value)).toString() } : { asDouble: sample.value }),
  };
}

export function gauge(at: Timestamps, info: MetricInfo, samples: Sample[]): Metric {
  return {
    name: info.name,
    unit: info.unit,
    description: info.description,
    gauge: { dataPoints: samples.map((s) => dataPoint(info, s, at.timeNanos)) },
  };
}

/** A cumulative sum: monotonic for counters (cpu time, bytes moved), not for levels (memory in use). */
export function sum(at: Timestamps, info: MetricInfo & { monotonic: boolean }, samples: Sample[]): Metric {
  return {
    name: info.name,
    unit: info.unit,
    description: info.description,
    sum: {
      dataPoints: samples.map((s) => dataPoint(info, s, at.timeNanos, at.startNanos)),
      aggregationTemporality: CUMULATIVE,
      isMonotonic: info.monotonic,
    },
  };
}
