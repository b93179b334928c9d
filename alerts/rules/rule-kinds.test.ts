import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import type { Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { AlertsEngine } from '../engine/alerts-engine.ts';
import { closeEphemeralStore, ephemeralStore, truncateTables } from '../testing/ephemeral-store.ts';
import { loadInputs, type RuleTestInputs } from '../testing/load-inputs.ts';
import { logs, M, recentHour, recordingNotifier, ruleGroups, S, series, timeline } from '../testing/rule-fixtures.ts';

// Each rule kind compiled to SQL and run by the engine against rows written through the OTLP
// mapping, on a fake clock. Inputs are one step every 15 s from T0, in promtool notation.
let store: Store;
const T0 = recentHour();
beforeAll(async () => {
  store = await ephemeralStore();
});
beforeEach(async () => truncateTables(store));
afterAll(closeEphemeralStore);

const input = (inputs: Omit<RuleTestInputs, 'interval'>) => loadInputs({ interval: 15 * S, ...inputs }, store, T0);
const everything = { op: '>', value: -1e12 };

function engine(rule: Record<string, unknown>) {
  const clock = new FakeClock(T0);
  const notifier = recordingNotifier();
  const e = new AlertsEngine({ store, groups: ruleGroups([{ alert: 'A', ...rule }]), clock, logger: silentLogger, notifier });
  return { e, clock };
}

/** The rule's alerts at T0 + at, as "label=value,…: value", sorted. */
async function valuesAt(rule: Record<string, unknown>, at: number): Promise<string[]> {
  await store.exec('TRUNCATE TABLE vigil_alert_state'); // each call a fresh rule, not a restart of the last
  const { e, clock } = engine(rule);
  clock.set(T0 + at);
  await e.evaluateGroup('g');
  const [health] = e.rules();
  if (health!.health === 'err') throw new Error(health!.lastError);
  return e
    .alerts()
    .map((a) => {
      const { alertname: _, ...labels } = a.labels;
      return `${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}: ${Number(a.value.toFixed(4))}`;
    })
    .sort();
}

describe('threshold', () => {
  beforeEach(() =>
    input({
      input_series: [
        series('cpu', { 'host.name': 'a', 'cpu.mode': 'idle' }, '0.1 0.2 0.3 0.4'),
        series('cpu', { 'host.name': 'a', 'cpu.mode': 'user' }, '0.9 0.8 0.7 0.6'),
        series('cpu', { 'host.name': 'b', 'cpu.mode': 'idle' }, '0.5 0.5 0.5 0.9'),
      ],
    }),
  );
  const cpu = { kind: 'threshold', metric: 'cpu', window: '1m', ...everything };

  it('aggregates the window per group, after attribute filters', async () => {
    const idle = { ...cpu, where: { 'cpu.mode': 'idle' }, group_by: ['host.name'] };
    expect(await valuesAt({ ...idle, aggregation: 'avg' }, 45 * S)).toEqual(['host.name=a: 0.25', 'host.name=b: 0.6']);
    expect(await valuesAt({ ...idle, aggregation: 'min' }, 45 * S)).toEqual(['host.name=a: 0.1', 'host.name=b: 0.5']);
    expect(await valuesAt({ ...idle, aggregation: 'max' }, 45 * S)).toEqual(['host.name=a: 0.4', 'host.name=b: 0.9']);
    expect(await valuesAt({ ...idle, aggregation: 'sum' }, 45 * S)).toEqual(['host.name=a: 1', 'host.name=b: 2.4']);
    expect(await valuesAt({ ...cpu, aggregation: 'count', group_by: ['host.name', 'cpu.mode'] }, 45 * S)).toEqual([
      'host.name=a,cpu.mode=idle: 4',
      'host.name=a,cpu.mode=user: 4',
      'host.name=b,cpu.mode=idle: 4',
    ]);
    expect(await valuesAt({ ...cpu, aggregation: 'quantile', quantile: 0.5, where: { 'host.name': 'a' } }, 45 * S)).toEqual([': 0.5']);
  });

  it('the window ends at the evaluation time and excludes its start', async () => {
    // At 60 s the 1-minute window is (0 s, 60 s]: the 0 s points are out.
    expect(await valuesAt({ ...cpu, aggregation: 'count', where: { 'host.name': 'a', 'cpu.mode': 'idle' } }, 60 * S)).toEqual([': 3']);
    expect(await valuesAt({ ...cpu, aggregation: 'count', where: { 'host.name': 'a', 'cpu.mode': 'idle' } }, 15 * S)).toEqual([': 2']);
  });

  it('compares with the rule operator', async () => {
    const rule = { ...cpu, aggregation: 'max', where: { 'cpu.mode': 'idle' }, group_by: ['host.name'] };
    expect(await valuesAt({ ...rule, op: '>=', value: 0.9 }, 45 * S)).toEqual(['host.name=b: 0.9']);
    expect(await valuesAt({ ...rule, op: '<', value: 0.9 }, 45 * S)).toEqual(['host.name=a: 0.4']);
    expect(await valuesAt({ ...rule, op: '==', value: 0.4 }, 45 * S)).toEqual(['host.name=a: 0.4']);
    expect(await valuesAt({ ...rule, op: '!=', value: 0.4 }, 45 * S)).toEqual(['host.name=b: 0.9']);
  });

  it('rate: per-second increase of each counter series, through resets, summed per group', async () => {
    await input({
      input_series: [
        series('requests', { 'host.name': 'a', cpu: '0' }, '0+10x10', 'sum'),
        // Restarts between 105 s and 120 s: 70 → 5 counts as +5, not -65.
        series('requests', { 'host.name': 'a', cpu: '1' }, '0+10x7 5+10x2', 'sum'),
        series('requests', { 'host.name': 'b' }, '5x10', 'sum', 'delta'),
      ],
    });
    const rate = { kind: 'threshold', metric: 'requests', metric_type: 'sum', aggregation: 'rate', window: '1m', group_by: ['host.name'], ...everything };
    // Window (90 s, 150 s]: a/cpu0 70→100 (+30), a/cpu1 70, 5, 15, 25 (+25); b: four deltas of 5.
    expect(await valuesAt(rate, 150 * S)).toEqual([`host.name=a: ${Number((55 / 60).toFixed(4))}`, `host.name=b: ${Number((20 / 60).toFixed(4))}`]);
    expect(await valuesAt({ ...rate, group_by: [] }, 150 * S)).toEqual([`: ${Number((75 / 60).toFixed(4))}`]);
  });
});

describe('logs', () => {
  beforeEach(() =>
    input({
      input_logs: [
        logs({ 'service.name': 'checkout', 'http.route': '/pay' }, '2 2 2 2', 'ERROR', 'Payment TIMEOUT at gateway'),
        logs({ 'service.name': 'checkout', 'http.route': '/cart' }, '1 1 1 1', 'ERROR', 'cart lookup failed'),
        logs({ 'service.name': 'checkout' }, '10x2', 'INFO', 'timeout ok'),
        logs({ 'service.name': 'search' }, '0 0 0 3', 'FATAL', 'index gone'),
      ],
    }),
  );
  const rule = { kind: 'logs', window: '1m', ...everything };

  it('counts matching records per group, by severity, service and body', async () => {
    expect(await valuesAt({ ...rule, severity: ['ERROR', 'FATAL'], group_by: ['service.name'] }, 45 * S)).toEqual(['service.name=checkout: 12', 'service.name=search: 3']);
    expect(await valuesAt({ ...rule, service: 'checkout', group_by: ['severity'] }, 45 * S)).toEqual(['severity=ERROR: 12', 'severity=INFO: 30']);
    // Case-insensitive substring of the body; a log attribute as a label.
    expect(await valuesAt({ ...rule, body_contains: 'timeout', group_by: ['http.route'] }, 45 * S)).toEqual([': 30', 'http.route=/pay: 8']);
  });

  it('rate is records per second over the window, and the comparison filters groups', async () => {
    expect(await valuesAt({ ...rule, measure: 'rate', severity: ['ERROR'], op: '>', value: 0.1 }, 45 * S)).toEqual([': 0.2']);
    expect(await valuesAt({ ...rule, severity: ['ERROR'], group_by: ['http.route'], op: '>', value: 4 }, 45 * S)).toEqual(['http.route=/pay: 8']);
  });
});

describe('absent', () => {
  it('fires for a host that went silent, not for one never seen, and resolves when it returns', async () => {
    await input({
      input_series: [
        series('vigil.agent.up', { 'host.name': 'web-1' }, '1 1 1 _x17 1'), // silent from 30 s to 5 min
        series('vigil.agent.up', { 'host.name': 'web-2' }, '1x29'),
      ],
    });
    const { e, clock } = engine({ kind: 'absent', window: '1m', annotations: { summary: '{{ $labels.host.name }} silent for {{ humanizeDuration $value }}' } });
    expect(await timeline(e, clock, T0, [60 * S, 90 * S, 120 * S], 'host.name')).toEqual(['90s:inactive→pending:web-1', '90s:pending→firing:web-1']);
    expect(e.alerts().map((a) => a.annotations.summary)).toEqual(['web-1 silent for 1m 30s']);
    expect(await timeline(e, clock, T0, [5 * M], 'host.name')).toEqual(['300s:firing→resolved:web-1']);
  });

  it('by service.name, and a source older than the lookback is forgotten rather than alerted on', async () => {
    await input({
      input_series: [
        series('heartbeat', { 'service.name': 'api' }, '1 1'),
        series('heartbeat', { 'service.name': 'worker' }, '1x8'), // until 2 min
      ],
    });
    const rule = { kind: 'absent', metric: 'heartbeat', by: 'service.name', window: '1m', lookback: '2m' };
    expect(await valuesAt(rule, 2 * M)).toEqual(['service.name=api: 105']);
    expect(await valuesAt(rule, 3 * M)).toEqual(['service.name=worker: 60']);
    // A counter works as a heartbeat too.
    await input({ input_series: [series('jobs.done', { 'host.name': 'batch-1' }, '1 2 3', 'sum')] });
    expect(await valuesAt({ kind: 'absent', metric: 'jobs.done', metric_type: 'sum', window: '1m' }, 2 * M)).toEqual(['host.name=batch-1: 90']);
  });
});

describe('sql', () => {
  it('runs any SELECT with label columns and a numeric value; {now:DateTime64(3)} is the evaluation time', async () => {
    await input({ input_series: [series('queue.depth', { 'host.name': 'q1' }, '5 10 20 40'), series('queue.depth', { 'host.name': 'q2' }, '1 1 1 1')] });
    const rule = {
      kind: 'sql',
      query: `SELECT ResourceAttributes['host.name'] AS host, toString(count()) AS points, max(Value) AS value
              FROM otel_metrics_gauge
              WHERE MetricName = 'queue.depth' AND TimeUnix > {now:DateTime64(3)} - INTERVAL 20 SECOND AND TimeUnix <= {now:DateTime64(3)}
              GROUP BY host HAVING value > 2`,
    };
    expect(await valuesAt(rule, 30 * S)).toEqual(['host=q1,points=2: 20']);
    expect(await valuesAt(rule, 45 * S)).toEqual(['host=q1,points=2: 40']);
  });

  it('a query without a value column, or one that writes, is an error of its rule', async () => {
    await expect(valuesAt({ kind: 'sql', query: 'SELECT 1 AS v' }, 0)).rejects.toThrow('the query returned no "value" column');
    await expect(valuesAt({ kind: 'sql', query: 'SELECT 1 AS value; DROP TABLE otel_logs' }, 0)).rejects.toThrow();
    await expect(valuesAt({ kind: 'sql', query: "SELECT 'high' AS value" }, 0)).rejects.toThrow('the "value" column must be numeric');
    expect(await store.query("SELECT name FROM system.tables WHERE name = 'otel_logs'")).toHaveLength(1);
  });
});
