/**
 * npm run bench:rules -- [--rules N] [--rows M]
 *
 * One evaluation cycle of N threshold rules (avg over 5 minutes, by host) over M gauge rows in
 * the embedded engine. Prints JSON: cycle time, CPU-seconds per cycle (engine included: it runs
 * in this process), peak RSS, and how many such rules fit a 15 s interval.
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

const { values } = parseArgs({ options: { rules: { type: 'string', default: '200' }, rows: { type: 'string', default: '1000000' } } });
const ruleCount = Number(values.rules);
const rowCount = Number(values.rows);
const METRICS = 100;
const HOSTS = 200;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rules-'));
const store = new ChdbStore({ path: dir });
await store.start();
await migrate(store, { database: 'default', ttlDays: 30 });
const now = Date.now();
// Rows spread over the last hour, generated inside the engine.
await store.exec(`INSERT INTO otel_metrics_gauge (ResourceAttributes, ServiceName, MetricName, Attributes, TimeUnix, Value)
  SELECT map('host.name', concat('host-', toString(number % ${HOSTS}))), 'bench', concat('bench.metric.', toString(intDiv(number, ${HOSTS}) % ${METRICS})),
         map(), fromUnixTimestamp64Milli(toInt64(${now} - (number % 3600000))), (number % 1000) / 10
  FROM numbers(${rowCount}) SETTINGS async_insert = 0`);

const groups = ruleFileSchema.parse({
  groups: [
    {
      name: 'bench',
      rules: Array.from({ length: ruleCount }, (_, i) => ({
        alert: `Rule${i}`,
        kind: 'threshold',
        metric: `bench.metric.${i % METRICS}`,
        aggregation: 'avg',
        window: '5m',
        group_by: ['host.name'],
        op: '>',
        value: 50 + (i % 50),
      })),
    },
  ],
}).groups;
const engine = new AlertsEngine({ store, groups, clock: new FakeClock(now), logger: silentLogger, notifier: { notify: async () => {} }, queryTimeoutMs: 60_000 });
await engine.evaluateGroup('bench'); // warm-up: first cycle also writes the initial alert states

const cpu0 = process.cpuUsage();
const t0 = performance.now();
await engine.evaluateGroup('bench');
const cycleMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
rmSync(dir, { recursive: true, force: true });
await store.shutdown();

process.stdout.write(
  JSON.stringify(
    {
      rules: ruleCount,
      rows: rowCount,
      cycle_ms: Math.round(cycleMs),
      ms_per_rule: Number((cycleMs / ruleCount).toFixed(2)),
      cpu_seconds_per_cycle: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      rules_per_15s_interval: Math.floor((15_000 / cycleMs) * ruleCount),
      firing_alerts: engine.alerts().filter((a) => a.state === 'firing').length,
    },
    null,
    2,
  ) + '\n',
);
