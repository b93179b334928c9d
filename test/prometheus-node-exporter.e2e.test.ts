import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// A real Prometheus node_exporter (built from the Go module proxy by
// scripts/prometheus/install-node-exporter.sh, which .ci/run calls) scraped by a real `vigil start`.
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(process.env.VIGIL_CACHE_DIR ?? join(homedir(), '.cache/vigil'), 'bin/node_exporter');
const goPresent = spawnSync('go', ['version']).status === 0;
if (!existsSync(BIN) && goPresent) spawnSync(join(ROOT, 'scripts/prometheus/install-node-exporter.sh'), { stdio: 'inherit', timeout: 900_000 });
const available = existsSync(BIN);
if (!available) console.warn(`skipping the node_exporter e2e test: ${goPresent ? `building ${BIN} failed` : 'Go is not installed, so node_exporter cannot be built'}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe.skipIf(!available)('Prometheus receiver against a real node_exporter', () => {
  const dir = tempDir('prom-e2e');
  let vigil: VigilProcess;
  let exporter: ChildProcess | undefined;
  let port = 0;
  let instance = '';
  const startExporter = async () => {
    exporter = spawn(BIN, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
    await eventually(async () => (await fetch(`http://${instance}/metrics`)).ok, 15_000, 100);
  };
  const stopExporter = async () => {
    const child = exporter;
    exporter = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  const upValues = async () =>
    (await vigil.query<{ Value: number }>(`SELECT Value FROM otel_metrics_gauge WHERE MetricName = 'up' AND ServiceName = 'node' ORDER BY TimeUnix`)).map((r) => r.Value);

  beforeAll(async () => {
    port = await freePort();
    instance = `127.0.0.1:${port}`;
    await startExporter();
    vigil = await startVigil(dir, {
      collector: {
        hostmetrics: { enabled: false },
        prometheus: { scrape_configs: [{ job_name: 'node', scrape_interval: '1s', scrape_timeout: '900ms', static_configs: [{ targets: [instance], labels: { dc: 'test' } }] }] },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stopExporter();
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores node_exporter counters as cumulative monotonic sums, gauges and summaries, with job and instance on the resource', async () => {
    await eventually(async () => (await upValues()).includes(1), 30_000);
    await eventually(async () => {
      const [n] = await vigil.query<{ n: string }>(`SELECT count() AS n FROM otel_metrics_sum WHERE MetricName = 'node_cpu_seconds_total' AND ServiceName = 'node'`);
      return Number(n!.n) > 0;
    }, 15_000);
    const [cpu] = await vigil.query<Record<string, any>>(
      `SELECT AggregationTemporality, IsMonotonic, ResourceAttributes, Attributes FROM otel_metrics_sum WHERE MetricName = 'node_cpu_seconds_total' AND ServiceName = 'node' LIMIT 1`,
    );
    expect(cpu).toMatchObject({ AggregationTemporality: 2, IsMonotonic: true });
    expect(cpu!.ResourceAttributes).toMatchObject({ 'service.name': 'node', 'service.instance.id': instance });
    expect(cpu!.Attributes).toMatchObject({ dc: 'test' });
    expect(Object.keys(cpu!.Attributes)).toEqual(expect.arrayContaining(['cpu', 'mode']));
    const [mem] = await vigil.query<{ v: number }>(`SELECT max(Value) AS v FROM otel_metrics_gauge WHERE MetricName = 'node_memory_MemTotal_bytes' AND ServiceName = 'node'`);
    expect(mem!.v).toBeGreaterThan(0);
    const [gc] = await vigil.query<{ n: string }>(`SELECT count() AS n FROM otel_metrics_summary WHERE MetricName = 'go_gc_duration_seconds' AND ServiceName = 'node'`);
    expect(Number(gc!.n)).toBeGreaterThan(0);
  });

  it('records up = 0 while node_exporter is down, with staleness markers, and up = 1 again when it is back', async () => {
    await stopExporter();
    await eventually(async () => (await upValues()).at(-1) === 0, 20_000);
    // The markers go to otel_metrics_sum, up to otel_metrics_gauge: two tables, two inserts, so
    // the markers may land a moment after up = 0 is visible.
    const staleMarkers = async () =>
      Number((await vigil.query<{ n: string }>(`SELECT count() AS n FROM otel_metrics_sum WHERE MetricName = 'node_cpu_seconds_total' AND ServiceName = 'node' AND Flags = 1`))[0]!.n);
    await eventually(async () => (await staleMarkers()) > 0, 10_000);
    await startExporter();
    await eventually(async () => (await upValues()).at(-1) === 1, 20_000);
    // One warning for the whole outage, not one per failed scrape.
    expect(vigil.logs.filter((l) => String(l.msg).startsWith('Prometheus scrape failed'))).toHaveLength(1);
  });
});
