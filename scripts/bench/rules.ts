/**
 * npm run bench:rules -- [--rules N] [--rows M] [--cycles C] [--kinds threshold,rate,logs,absent]
 *
 * Evaluation cycles of N rules (kinds taken in turn from --kinds) over M rows per table kind, in
 * the embedded engine. Prints JSON: median cycle time, CPU-seconds per cycle (the engine runs in
 * this process, so its threads are included), RSS, and how many such rules fit a 15 s interval.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AlertsEngine } from '../../alerts/index.ts';
import { ruleFileSchema } from '../../alerts/config/rule-schema.ts';
import { FakeClock } from '../../core/clock/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';

const { values } = parseArgs({
  options: {
    rules: { type: 'string', default: '200' },
    rows: { type: 'string', default: '1000000' },
    cycles: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 'threshold' },
  },
});
const ruleCount = Number(values.rules);
const rowCount = Number(values.rows);
const cycles = Number(values.cycles);
const kinds = values.kinds.split(',');
const METRICS = 100;
const HOSTS = 200;
const SERVICES = 20;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rules-'));
const store = new ChdbStore({ path: dir });
await store.start();
await migrate(store, { database: 'default', ttlDays: 30 });
const now = Date.now();
// Rows spread over the last hour, generated inside the engine (no JS objects on the way).
const spread = `fromUnixTimestamp64Milli(toInt64(${now} - (number % 3600000)))`;
const loadStarted = performance.now();
if (kinds.some((k) => k === 'threshold' || k === 'absent')) {
  await store.exec(`INSERT INTO otel_metrics_gauge (ResourceAttributes, ServiceName, MetricName, Attributes, TimeUnix, Value)
    SELECT map('host.name', concat('host-', toString(number % ${HOSTS}))), 'bench', concat('bench.metric.', toString(intDiv(number, ${HOSTS}) % ${METRICS})),
           map(), ${spread}, (number % 1000) / 10
    FROM numbers(${rowCount}) SETTINGS async_insert = 0`);
}
if (kinds.includes('rate')) {
  await store.exec(`INSERT INTO otel_metrics_sum (ResourceAttributes, ServiceName, MetricName, Attributes, TimeUnix, Value, AggregationTemporality, IsMonotonic)
    SELECT map('host.name', concat('host-', toString(number % ${HOSTS}))), 'bench', concat('bench.counter.', toString(intDiv(number, ${HOSTS}) % ${METRICS})),
           map('cpu', toString(number % 4)), ${spread}, toFloat64(intDiv(number, ${HOSTS * METRICS})), 2, true
    FROM numbers(${rowCount}) SETTINGS async_insert = 0`);
}
if (kinds.includes('logs')) {
  await store.exec(`INSERT INTO otel_logs (ResourceAttributes, ServiceName, Timestamp, SeverityText, SeverityNumber, Body, LogAttributes)
    SELECT map('host.name', concat('host-', toString(number % ${HOSTS}))), concat('svc-', toString(number % ${SERVICES})), ${spread},
           ['INFO', 'WARN', 'ERROR'][number % 3 + 1], 9, concat('request ', toString(number), if(number % 7 = 0, ' timeout', '')), map()
    FROM numbers(${rowCount}) SETTINGS async_insert = 0`);
}
const loadSeconds = (performance.now() - loadStarted) / 1000;

const ruleFor = (i: number): Record<string, unknown> => {
  const common = { alert: `Rule${i}`, op: '>', value: 50 + (i % 50) };
  switch (kinds[i % kinds.length]) {
    case 'rate':
      return { ...common, kind: 'threshold', metric: `bench.counter.${i % METRICS}`, metric_type: 'sum', aggregation: 'rate', window: '5m', group_by: ['host.name'], value: 0.01 * (i % 10) };
    case 'logs':
      return { ...common, kind: 'logs', service: `svc-${i % SERVICES}`, severity: ['ERROR'], body_contains: 'timeout', window: '5m', group_by: ['host.name'], value: i % 5 };
    case 'absent':
      return { alert: `Rule${i}`, kind: 'absent', metric: `bench.metric.${i % METRICS}`, window: '1m', lookback: '1h' };
    default:
      return { ...common, kind: 'threshold', metric: `bench.metric.${i % METRICS}`, aggregation: 'avg', window: '5m', group_by: ['host.name'] };
  }
};
const groups = ruleFileSchema.parse({ groups: [{ name: 'bench', rules: Array.from({ length: ruleCount }, (_, i) => ruleFor(i)) }] }).groups;
const engine = new AlertsEngine({ store, groups, clock: new FakeClock(now), logger: silentLogger, notifier: { notify: async () => {} }, queryTimeoutMs: 60_000 });

// The first cycle also writes every new alert's state and history: timed on its own.
const firstStarted = performance.now();
await engine.evaluateGroup('bench');
const firstCycleMs = performance.now() - firstStarted;
const samples: Array<{ ms: number; cpu: number }> = [];
for (let c = 0; c < cycles; c++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await engine.evaluateGroup('bench');
  const cpu = process.cpuUsage(cpu0);
  samples.push({ ms: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1e6 });
}
const errors = engine.rules().filter((r) => r.health === 'err');
const median = [...samples].sort((a, b) => a.ms - b.ms)[Math.floor((samples.length - 1) / 2)]!;
const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
await store.shutdown();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  JSON.stringify(
    {
      rules: ruleCount,
      kinds,
      rows_per_table: rowCount,
      load_seconds: Number(loadSeconds.toFixed(1)),
      first_cycle_ms: Math.round(firstCycleMs),
      cycle_ms: Math.round(median.ms),
      cycle_ms_all: samples.map((s) => Math.round(s.ms)),
      ms_per_rule: Number((median.ms / ruleCount).toFixed(2)),
      cpu_seconds_per_cycle: Number(median.cpu.toFixed(2)),
      rss_mb: rssMb,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      rules_per_15s_interval: Math.floor((15_000 / median.ms) * ruleCount),
      alerts: engine.alerts().length,
      rule_errors: errors.length > 0 ? errors.slice(0, 3).map((r) => `${r.name}: ${r.lastError}`) : 0,
    },
    null,
    2,
  ) + '\n',
);
