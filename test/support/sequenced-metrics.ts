import type { ExportMetricsServiceRequest } from '../../core/model/index.ts';

/**
 * A metrics request feeding two tables (otel_metrics_gauge and otel_metrics_sum) and their
 * rollup: point `seq` carries the value `seq` in both, so tests can count rows exactly and check
 * the rollup's sum.
 */
export function sequencedMetrics(service: string, first: number, count: number, host = 'metrics-host'): ExportMetricsServiceRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  const points = Array.from({ length: count }, (_, i) => ({
    timeUnixNano: String(now + BigInt(i)),
    asDouble: first + i,
    attributes: [{ key: 'seq', value: { intValue: first + i } }],
  }));
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'host.name', value: { stringValue: host } },
          ],
        },
        scopeMetrics: [
          {
            metrics: [
              { name: 'seq_gauge', gauge: { dataPoints: points } },
              { name: 'seq_sum', sum: { dataPoints: points, aggregationTemporality: 2, isMonotonic: true } },
            ],
          },
        ],
      },
    ],
  } as unknown as ExportMetricsServiceRequest;
}
