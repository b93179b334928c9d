import { createNoopMeter } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { SelfMetrics } from './self-metrics.ts';

// A real tracer whose sampler keeps everything, as startSelfTelemetry sets it up: the trace
// ratio is applied by span() before a span is started.
function tracedMetrics(ratio: number) {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({ sampler: new tracing.AlwaysOnSampler(), spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  const self = new SelfMetrics();
  self.bind(createNoopMeter(), provider.getTracer('test'), ratio);
  const run = async (calls: number) => {
    for (let i = 0; i < calls; i++) expect(await self.span('vigil.ingest', { 'vigil.signal': 'logs' }, async () => i)).toBe(i);
    return exporter.getFinishedSpans().length;
  };
  return { self, exporter, provider, run };
}

describe('SelfMetrics.span', () => {
  let provider: tracing.BasicTracerProvider | undefined;
  afterEach(async () => provider?.shutdown());

  it('starts a span for trace_ratio of the calls, at random', async () => {
    const t = tracedMetrics(0.25);
    provider = t.provider;
    // 4000 calls at 0.25: 1000 expected, standard deviation ~27.
    const spans = await t.run(4000);
    expect(spans).toBeGreaterThan(850);
    expect(spans).toBeLessThan(1150);
    expect(new Set(t.exporter.getFinishedSpans().map((s) => s.spanContext().traceId)).size).toBe(spans);
  });

  it('spans every call at 1, none at 0 or once unbound, and records failures', async () => {
    const all = tracedMetrics(1);
    provider = all.provider;
    expect(await all.run(50)).toBe(50);
    await expect(all.self.span('vigil.ingest', {}, async () => Promise.reject(new TypeError('no')))).rejects.toThrow('no');
    expect(all.exporter.getFinishedSpans().at(-1)!.status).toMatchObject({ code: 2, message: 'TypeError' });
    all.self.unbind();
    expect(await all.run(50)).toBe(51);
    const none = tracedMetrics(0);
    expect(await none.run(200)).toBe(0);
    await none.provider.shutdown();
  });
});
