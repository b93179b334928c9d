import { describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/sdk-node';
import { silentLogger } from './logger.ts';
import { SelfMetricExporter } from './self-export.ts';

// A real MeterProvider collecting into the self exporter: what reaches the sink is an OTLP
// request, one export is in flight at a time, and what cannot go is dropped and counted.
async function collect(exporter: SelfMetricExporter) {
  const reader = new metrics.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new metrics.MeterProvider({ readers: [reader] });
  provider.getMeter('test').createCounter('vigil.test').add(3, { receiver: 'otlp_http' });
  return { reader, provider };
}

describe('SelfMetricExporter', () => {
  it('hands the sink OTLP protobuf and reports success', async () => {
    const seen: Array<[string, number]> = [];
    const exporter = new SelfMetricExporter(async (signal, bytes) => void seen.push([signal, bytes.length]), silentLogger);
    const { reader, provider } = await collect(exporter);
    await reader.forceFlush();
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe('metrics');
    expect(seen[0]![1]).toBeGreaterThan(20);
    expect(exporter.stats).toEqual({ exported: 1, dropped: 0 });
    await provider.shutdown();
  });

  it('drops an export while the previous one is still in flight, and counts it', async () => {
    let release!: () => void;
    const exporter = new SelfMetricExporter(() => new Promise<void>((r) => (release = r)), silentLogger);
    const { reader, provider } = await collect(exporter);
    const results: number[] = [];
    const rm = (await reader.collect()).resourceMetrics;
    exporter.export(rm, (r) => results.push(r.code));
    exporter.export(rm, (r) => results.push(r.code));
    expect(results).toEqual([1]); // FAILED: dropped, the first still waits on the sink
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(results).toEqual([1, 0]);
    expect(exporter.stats).toEqual({ exported: 1, dropped: 1 });
    await provider.shutdown().catch(() => {});
  });

  it('counts a sink failure as a drop instead of throwing', async () => {
    const exporter = new SelfMetricExporter(async () => {
      throw new Error('pipeline saturated');
    }, silentLogger);
    const { reader, provider } = await collect(exporter);
    await reader.forceFlush().catch(() => {});
    expect(exporter.stats.dropped).toBe(1);
    await provider.shutdown().catch(() => {});
  });
});
