import type { Exemplar, ExportMetricsServiceRequest, Metric, Scope } from '../otlp-types.ts';
import { attributesToMap, idToHex, nanosToDateTime64, toNumber } from './values.ts';

/** Rows per exporter table, keyed by table name (otel_metrics_gauge, …). */
export type MetricTable =
  | 'otel_metrics_gauge'
  | 'otel_metrics_sum'
  | 'otel_metrics_histogram'
  | 'otel_metrics_exponential_histogram'
  | 'otel_metrics_summary';

export type MetricRows = Record<MetricTable, Record<string, unknown>[]>;

function exemplarColumns(exemplars: Exemplar[] | null | undefined): Record<string, unknown[]> {
  const list = exemplars ?? [];
  return {
    'Exemplars.FilteredAttributes': list.map((e) => attributesToMap(e.filteredAttributes)),
    'Exemplars.TimeUnix': list.map((e) => nanosToDateTime64(e.timeUnixNano)),
    'Exemplars.Value': list.map((e) => e.asDouble ?? toNumber(e.asInt)),
    'Exemplars.SpanId': list.map((e) => idToHex(e.spanId)),
    'Exemplars.TraceId': list.map((e) => idToHex(e.traceId)),
  };
}

export function metricRows(request: ExportMetricsServiceRequest): MetricRows {
  const out: MetricRows = {
    otel_metrics_gauge: [],
    otel_metrics_sum: [],
    otel_metrics_histogram: [],
    otel_metrics_exponential_histogram: [],
    otel_metrics_summary: [],
  };
  for (const rm of request.resourceMetrics ?? []) {
    const resourceAttributes = attributesToMap(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const common = commonColumns(resourceAttributes, rm.schemaUrl, sm.scope, sm.schemaUrl);
      for (const metric of sm.metrics ?? []) addMetric(out, common, metric);
    }
  }
  return out;
}

function commonColumns(
  resourceAttributes: Record<string, string>,
  resourceSchemaUrl: string | null | undefined,
  scope: Scope | null | undefined,
  scopeSchemaUrl: string | null | undefined,
) {
  return {
    ResourceAttributes: resourceAttributes,
    ResourceSchemaUrl: resourceSchemaUrl ?? '',
    ScopeName: scope?.name ?? '',
    ScopeVersion: scope?.version ?? '',
    ScopeAttributes: attributesToMap(scope?.attributes),
    ScopeDroppedAttrCount: scope?.droppedAttributesCount ?? 0,
    ScopeSchemaUrl: scopeSchemaUrl ?? '',
    ServiceName: resourceAttributes['service.name'] ?? '',
  };
}

function addMetric(out: MetricRows, common: ReturnType<typeof commonColumns>, metric: Metric): void {
  const head = { ...common, MetricName: metric.name ?? '', MetricDescription: metric.description ?? '', MetricUnit: metric.unit ?? '' };
  const point = (p: { attributes?: any; startTimeUnixNano?: any; timeUnixNano?: any; flags?: number | null }) => ({
    ...head,
    Attributes: attributesToMap(p.attributes),
    StartTimeUnix: nanosToDateTime64(p.startTimeUnixNano),
    TimeUnix: nanosToDateTime64(p.timeUnixNano),
    Flags: p.flags ?? 0,
  });
  if (metric.gauge) {
    for (const p of metric.gauge.dataPoints ?? []) {
      out.otel_metrics_gauge.push({ ...point(p), Value: p.asDouble ?? toNumber(p.asInt), ...exemplarColumns(p.exemplars) });
    }
  } else if (metric.sum) {
    for (const p of metric.sum.dataPoints ?? []) {
      out.otel_metrics_sum.push({
        ...point(p),
        Value: p.asDouble ?? toNumber(p.asInt),
        ...exemplarColumns(p.exemplars),
        AggregationTemporality: metric.sum.aggregationTemporality ?? 0,
        IsMonotonic: metric.sum.isMonotonic ?? false,
      });
    }
  } else if (metric.histogram) {
    for (const p of metric.histogram.dataPoints ?? []) {
      out.otel_metrics_histogram.push({
        ...point(p),
        Count: String(p.count ?? 0),
        Sum: p.sum ?? 0,
        BucketCounts: (p.bucketCounts ?? []).map((c) => String(c)),
        ExplicitBounds: p.explicitBounds ?? [],
        ...exemplarColumns(p.exemplars),
        Min: p.min ?? 0,
        Max: p.max ?? 0,
        AggregationTemporality: metric.histogram.aggregationTemporality ?? 0,
      });
    }
  } else if (metric.exponentialHistogram) {
    for (const p of metric.exponentialHistogram.dataPoints ?? []) {
      out.otel_metrics_exponential_histogram.push({
        ...point(p),
        Count: String(p.count ?? 0),
        Sum: p.sum ?? 0,
        Scale: p.scale ?? 0,
        ZeroCount: String(p.zeroCount ?? 0),
        PositiveOffset: p.positive?.offset ?? 0,
        PositiveBucketCounts: (p.positive?.bucketCounts ?? []).map((c) => String(c)),
        NegativeOffset: p.negative?.offset ?? 0,
        NegativeBucketCounts: (p.negative?.bucketCounts ?? []).map((c) => String(c)),
        ...exemplarColumns(p.exemplars),
        Min: p.min ?? 0,
        Max: p.max ?? 0,
        AggregationTemporality: metric.exponentialHistogram.aggregationTemporality ?? 0,
      });
    }
  } else if (metric.summary) {
    for (const p of metric.summary.dataPoints ?? []) {
      const quantiles = p.quantileValues ?? [];
      out.otel_metrics_summary.push({
        ...point(p),
        Count: String(p.count ?? 0),
        Sum: p.sum ?? 0,
        'ValueAtQuantiles.Quantile': quantiles.map((q) => q.quantile ?? 0),
        'ValueAtQuantiles.Value': quantiles.map((q) => q.value ?? 0),
      });
    }
  }
}
