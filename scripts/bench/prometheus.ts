/**
 * npm run bench:prometheus -- [--targets 200] [--series 1000] [--interval 15s] [--seconds 60]
 *
 * `vigil start` scraping --targets fake node_exporters (a recorded node_exporter page widened to
 * ~--series samples, served by a separate process) every --interval, into its embedded store.
 * After one warm-up round it measures --seconds and prints JSON: vigil's CPU-seconds per minute
 * (the whole pipeline: scrape, parse, map, insert), its peak RSS, and the `up` rows per round.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../core/config/index.ts';
import { startVigil, tempDir } from '../../test/support/vigil-process.ts';
import { procUsage } from './proc-usage.ts';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '200' },
    series: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '15s' },
    seconds: { type: 'string', default: '60' },
  },
});
const intervalMs = parseDuration(values.interval)!;
const seconds = Number(values.seconds);

const fakes = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fake-node-exporters.ts'), '--targets', values.targets, '--series', values.series], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const served = await new Promise<{ ports: number[]; seriesPerPage: number; pageBytes: number }>((resolve) =>
  createInterface({ input: fakes.stdout! }).once('line', (line) => resolve(JSON.parse(line))),
);

const dir = tempDir('bench-prom');
const vigil = await startVigil(dir, {
  log_level: 'warn',
  collector: {
    hostmetrics: { enabled: false },
    prometheus: { scrape_configs: [{ job_name: 'bench', scrape_interval: values.interval, scrape_timeout: '10s', static_configs: [{ targets: served.ports.map((p) => `127.0.0.1:${p}`) }] }] },
  },
});
const pid = vigil.child.pid!;
await new Promise((r) => setTimeout(r, intervalMs + 5000)); // one full round: every target seen once
const before = procUsage(pid);
const t0 = Date.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const after = procUsage(pid);
const elapsedMin = (Date.now() - t0) / 60_000;
const [up] = await vigil.query<{ ok: string; failed: string; targets: string }>(
  `SELECT countIf(Value = 1) AS ok, countIf(Value = 0) AS failed, uniqExact(ResourceAttributes['service.instance.id']) AS targets FROM otel_metrics_gauge WHERE MetricName = 'up'`,
);
await vigil.stop();
fakes.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

const cpuPerMinute = (after.cpuSeconds - before.cpuSeconds) / elapsedMin;
process.stdout.write(
  JSON.stringify(
    {
      targets: served.ports.length,
      series_per_target: served.seriesPerPage,
      page_bytes: served.pageBytes,
      interval_s: intervalMs / 1000,
      samples_per_second: Math.round((served.ports.length * served.seriesPerPage) / (intervalMs / 1000)),
      vigil_cpu_seconds_per_minute: Number(cpuPerMinute.toFixed(1)),
      vigil_cores: Number((cpuPerMinute / 60).toFixed(3)),
      vigil_peak_rss_mb: Math.round(after.peakRssMb),
      up_rows: { ok: Number(up!.ok), failed: Number(up!.failed), targets: Number(up!.targets) },
    },
    null,
    2,
  ) + '\n',
);
