/**
 * npm run bench:filelog -- [--files N] [--lines L]
 *
 * Tails N files of L lines each with the filelog receiver (into the in-process bus and the
 * embedded engine, as `vigil start` does) and prints JSON: lines/s, lines per CPU-second, peak
 * RSS, and in the same run the rate at which `cat` reads the same files (the I/O ceiling).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilelogReceiver } from '../../collector/filelog/index.ts';
import { InProcessBus } from '../../core/bus/index.ts';
import { encodeProtobuf } from '../../core/model/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Processor } from '../../processor/index.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '100' }, lines: { type: 'string', default: '10000' } } });
const files = Number(values.files);
const perFile = Number(values.lines);
const root = mkdtempSync(join(tmpdir(), 'vigil-bench-filelog-'));
const logs = join(root, 'logs');
mkdirSync(logs);
for (let f = 0; f < files; f++) {
  const lines: string[] = [];
  for (let i = 0; i < perFile; i++) lines.push(`2026-11-23T05:00:00.${String(i % 1000).padStart(3, '0')}Z INFO [worker-${f}] request ${i} served in ${i % 977} ms status=200 path=/api/v1/orders/${i % 50}`);
  writeFileSync(join(logs, `app-${f}.log`), lines.join('\n') + '\n');
}
const total = files * perFile;

// The I/O ceiling: cat reading the same (cached) files.
const c0 = performance.now();
execFileSync('sh', ['-c', `cat ${logs}/*.log > /dev/null`]);
const catSeconds = (performance.now() - c0) / 1000;

const store = new ChdbStore({ path: join(root, 'db') });
await store.start();
await migrate(store, { database: 'default', ttlDays: 30 });
const bus = new InProcessBus({ maxPendingBytes: 256 << 20, retryAfterMs: 100 });
const topics = { logs: 'otlp_logs', metrics: 'otlp_metrics', traces: 'otlp_spans' };
const processor = new Processor({ bus, store, topics, batch: { maxRows: 20_000, maxDelayMs: 200, retryForMs: 10_000 }, logger: silentLogger });
await processor.start();
const receiver = new FilelogReceiver({
  include: [join(logs, '*.log')],
  exclude: [],
  startAt: 'beginning',
  pollIntervalMs: 100,
  fingerprintBytes: 1000,
  maxLineBytes: 1 << 20,
  maxBatchBytes: 1 << 20,
  parser: { type: 'none', timestamp_field: 'timestamp', severity_field: 'level', body_field: 'message' },
  serviceName: 'bench',
  checkpointFile: join(root, 'checkpoints.json'),
  logger: silentLogger,
  emit: (request, dedupToken, size) => bus.publish('otlp_logs', [{ signal: 'logs', key: 'f', decoded: request, size, dedupToken, bytes: () => encodeProtobuf('logs', request) }]),
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await receiver.start();
for (;;) {
  const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM otel_logs');
  if (Number(row!.n) >= total) break;
  await new Promise((r) => setTimeout(r, 200));
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await receiver.shutdown();
await processor.shutdown();
await store.shutdown();
rmSync(root, { recursive: true, force: true });
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  JSON.stringify(
    {
      files,
      lines: total,
      lines_per_second: Math.round(total / seconds),
      lines_per_cpu_second: Math.round(total / cpuSeconds),
      cpu_seconds_per_million_lines: Number(((cpuSeconds / total) * 1e6).toFixed(1)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      cat_lines_per_second: Math.round(total / catSeconds),
      ratio_to_cat: Number((total / seconds / (total / catSeconds)).toFixed(4)),
      note: 'CPU and RSS include the embedded engine inserting the rows (same process)',
    },
    null,
    2,
  ) + '\n',
);
