import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../core/config/index.ts';
import { requestToRows, type ExportMetricsServiceRequest } from '../../core/model/index.ts';
import { silentLogger, type Logger } from '../../core/telemetry/index.ts';
import { PrometheusReceiver } from './prometheus-receiver.ts';

const NODE_EXPORTER = readFileSync(join(import.meta.dirname, 'testdata/node-exporter.prom'), 'utf8');
const MILLION_SERIES = Array.from({ length: 1_000_000 }, (_, i) => `s{i="${i}"} 1`).join('\n');
type Row = Record<string, any>;

/** A /metrics target whose answer the test changes: a recorded page, garbage, silence, an endless page. */
class FakeTarget {
  answer: (res: ServerResponse) => void = (res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(NODE_EXPORTER);
  private server: Server | undefined;
  port = 0;
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => this.answer(res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}

const targets: FakeTarget[] = [];
const receivers: PrometheusReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.shutdown();
  for (const t of targets.splice(0)) await t.stop();
});

async function setup(job: Record<string, unknown> = {}, logger: Logger = silentLogger) {
  const target = await new FakeTarget().start();
  targets.push(target);
  const parsed = configSchema.parse({
    collector: { prometheus: { scrape_configs: [{ job_name: 'node', scrape_interval: '1h', scrape_timeout: '1s', static_configs: [{ targets: [`127.0.0.1:${target.port}`], labels: { env: 'test' } }], ...job }] } },
  });
  const sent: ExportMetricsServiceRequest[] = [];
  const receiver = new PrometheusReceiver({ scrapeConfigs: parsed.collector.prometheus.scrape_configs, logger, schedule: false, emit: async (r) => void sent.push(r) });
  receivers.push(receiver);
  await receiver.start();
  /** Scrapes once and returns the rows the processor would insert, by table. */
  const scrape = async () => {
    sent.length = 0;
    await receiver.scrapeNow();
    const tables: Record<string, Row[]> = {};
    for (const request of sent) for (const { table, rows } of requestToRows('metrics', request)) (tables[table] ??= []).push(...(rows as Row[]));
    return tables;
  };
  return { target, receiver, scrape, instance: `127.0.0.1:${target.port}` };
}

const up = (tables: Record<string, Row[]>) => tables.otel_metrics_gauge!.filter((r) => r.MetricName === 'up').map((r) => r.Value);

describe('Prometheus receiver', () => {
  it('maps a node_exporter page as the Collector does: counters to cumulative monotonic sums, gauges, summaries, job/instance to the resource', async () => {
    const { scrape, instance } = await setup();
    const tables = await scrape();
    const cpu = tables.otel_metrics_sum!.filter((r) => r.MetricName === 'node_cpu_seconds_total');
    expect(cpu.length).toBeGreaterThan(0);
    expect(cpu[0]).toMatchObject({ ServiceName: 'node', AggregationTemporality: 2, IsMonotonic: true, Flags: 0 });
    expect(cpu[0]!.ResourceAttributes).toMatchObject({ 'service.name': 'node', 'service.instance.id': instance, 'server.address': '127.0.0.1', 'url.scheme': 'http' });
    expect(Object.keys(cpu[0]!.Attributes).sort()).toEqual(['cpu', 'env', 'mode']);
    expect(tables.otel_metrics_gauge!.some((r) => r.MetricName === 'node_memory_MemTotal_bytes' && r.Value > 0)).toBe(true);
    const [gc] = tables.otel_metrics_summary!.filter((r) => r.MetricName === 'go_gc_duration_seconds');
    expect(gc!['ValueAtQuantiles.Quantile']).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // Every sample of the page is a row (histogram/summary series are one row each), plus up and two scrape gauges.
    const samples = tables.otel_metrics_gauge!.length + tables.otel_metrics_sum!.length;
    expect(samples).toBeGreaterThan(400);
    expect(up(tables)).toEqual([1]);
  });

  it('turns cumulative Prometheus buckets into OTLP per-bucket counts', async () => {
    const { target, scrape } = await setup();
    target.answer = (res) =>
      res.end('# TYPE lat histogram\nlat_bucket{le="0.1"} 2\nlat_bucket{le="1"} 5\nlat_bucket{le="+Inf"} 6\nlat_sum 3.5\nlat_count 6\n');
    const [row] = (await scrape()).otel_metrics_histogram!;
    expect(row).toMatchObject({ MetricName: 'lat', Count: '6', Sum: 3.5, BucketCounts: ['2', '3', '1'], ExplicitBounds: [0.1, 1], AggregationTemporality: 2 });
  });

  it('keeps a counter\'s start time across scrapes and moves it when the counter resets', async () => {
    const { target, scrape } = await setup();
    const page = (v: number) => (res: ServerResponse) => res.end(`# TYPE jobs_total counter\njobs_total ${v}\n`);
    const start = async (v: number) => {
      target.answer = page(v);
      const rows = (await scrape()).otel_metrics_sum!;
      return [rows[0]!.StartTimeUnix, rows[0]!.TimeUnix];
    };
    const [first, firstTime] = await start(10);
    expect(first).toBe(firstTime);
    await new Promise((r) => setTimeout(r, 20));
    const [second, secondTime] = await start(15);
    expect(second).toBe(first);
    await new Promise((r) => setTimeout(r, 20));
    const [afterReset] = await start(3); // the process restarted
    expect(afterReset).toBe(secondTime);
  });

  it('marks a series that disappears as stale once (NO_RECORDED_VALUE)', async () => {
    const { target, scrape } = await setup();
    target.answer = (res) => res.end('a 1\nb 2\n');
    await scrape();
    target.answer = (res) => res.end('a 1\n');
    const rows = (await scrape()).otel_metrics_gauge!.filter((r) => r.MetricName === 'a' || r.MetricName === 'b');
    expect(rows.map((r) => [r.MetricName, r.Flags])).toEqual([['a', 0], ['b', 1]]);
    const again = (await scrape()).otel_metrics_gauge!.filter((r) => r.MetricName === 'b');
    expect(again).toEqual([]);
  });

  it('a target that goes down and comes back: up 0 with stale markers, logged once, then up 1', async () => {
    const warnings: unknown[] = [];
    const infos: unknown[] = [];
    const logger = { ...silentLogger, warn: (o: unknown) => void warnings.push(o), info: (o: unknown) => void infos.push(o), child: () => logger } as unknown as Logger;
    const { target, receiver, scrape } = await setup({}, logger);
    expect(up(await scrape())).toEqual([1]);
    const port = target.port;
    await target.stop();
    const down = await scrape();
    expect(up(down)).toEqual([0]);
    expect(down.otel_metrics_sum!.filter((r) => r.MetricName === 'node_cpu_seconds_total').every((r) => r.Flags === 1)).toBe(true);
    expect(up(await scrape())).toEqual([0]);
    expect(up(await scrape())).toEqual([0]);
    expect(receiver.stats.failed.connection).toBe(3);
    expect(warnings).toHaveLength(1);
    await target.start(port);
    expect(up(await scrape())).toEqual([1]);
    expect(infos.filter((o) => (o as { outcome?: string }).outcome === 'up')).toHaveLength(1);
  });

  it.each([
    ['garbage', 'invalid', (res: ServerResponse) => res.end('\u0000\u0001 this is not a metrics page {{{\n')],
    ['an HTTP 500', 'http_status', (res: ServerResponse) => res.writeHead(500).end('boom')],
    // 100 MB without Content-Length, written as fast as it is read: reading stops at body_size_limit.
    ['a 100 MB page', 'too_large', (res: ServerResponse) => {
      const chunk = Buffer.from('x_total 1\n'.repeat(10_000));
      let sent = 0;
      const write = () => {
        while (sent < 100 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    }],
    ['a million series', 'too_many_series', (res: ServerResponse) => res.end(MILLION_SERIES)],
    ['no answer at all', 'timeout', () => undefined],
  ] as const)('a target answering %s is a failed scrape (up 0, counted as %s), and the receiver keeps going', async (_, reason, answer) => {
    // The million-series page (~17 MB) fits the body limit here, so the series limit is what stops it.
    const { target, receiver, scrape } = await setup({ scrape_timeout: '4s', body_size_limit: reason === 'too_large' ? 8 * 1024 * 1024 : 32 * 1024 * 1024, sample_limit: 100_000 });
    target.answer = answer;
    const t0 = Date.now();
    const rss0 = process.memoryUsage().rss;
    expect(up(await scrape())).toEqual([0]);
    expect(receiver.stats.failed[reason]).toBe(1);
    expect(Date.now() - t0).toBeLessThan(10_000); // bounded by scrape_timeout (4 s) and the limits
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 1024 * 1024);
    target.answer = (res) => res.end('ok 1\n');
    expect(up(await scrape())).toEqual([1]);
  }, 30_000);

  it('sends basic auth and bearer credentials, and shuts down twice or without start', async () => {
    const { target, scrape } = await setup({ basic_auth: { username: 'prom', password: 's3cret' } });
    let seen = '';
    target.answer = (res) => res.end('ok 1\n');
    const server = (target as unknown as { server: Server }).server;
    server.prependListener('request', (req) => (seen = String(req.headers.authorization)));
    await scrape();
    expect(seen).toBe(`Basic ${Buffer.from('prom:s3cret').toString('base64')}`);
    const idle = new PrometheusReceiver({ scrapeConfigs: [], logger: silentLogger, emit: async () => undefined });
    await idle.shutdown();
    await idle.start();
    await idle.shutdown();
    await idle.shutdown();
  });
});
