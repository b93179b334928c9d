import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { requestToRows } from '../../core/model/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { ruleFileSchema, type RuleGroup } from '../config/rule-schema.ts';
import type { AlertTransition } from './alert-instance.ts';
import { AlertsEngine } from './alerts-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
const store = new ChdbStore({ path: dir });
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const S = 1000;
const M = 60_000;

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const t of ['otel_metrics_gauge', 'vigil_metrics_1m', 'vigil_alert_state', 'vigil_alerts']) await store.exec(`TRUNCATE TABLE ${t}`);
});

/** Gauge points for `host` at the given offsets from T0. */
async function gauge(metric: string, host: string, points: Array<[number, number]>) {
  const dataPoints = points.map(([at, v]) => ({ asDouble: v, timeUnixNano: `${BigInt(T0 + at) * 1_000_000n}` }));
  const request = { resourceMetrics: [{ resource: { attributes: [{ key: 'host.name', value: { stringValue: host } }] }, scopeMetrics: [{ metrics: [{ name: metric, gauge: { dataPoints } }] }] }] };
  for (const t of requestToRows('metrics', request)) await store.insertRows(t.table, t.rows);
}

function groups(rule: Record<string, unknown>): RuleGroup[] {
  return ruleFileSchema.parse({ groups: [{ name: 'g', interval: '15s', rules: [{ alert: 'Hot', ...rule }] }] }).groups;
}

const hot = { kind: 'threshold', metric: 'temp', aggregation: 'max', window: '1m', group_by: ['host.name'], op: '>', value: 50 };

function engine(rule: Record<string, unknown>, clock: FakeClock, options: { queryTimeoutMs?: number } = {}) {
  const sent: AlertTransition[] = [];
  const e = new AlertsEngine({ store, groups: groups(rule), clock, logger: silentLogger, notifier: { notify: async (t) => void sent.push(...t) }, ...options });
  return { e, sent };
}

/** Evaluates at each offset and returns "offset:from→to" for every transition. */
async function timeline(e: AlertsEngine, clock: FakeClock, offsets: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const at of offsets) {
    clock.set(T0 + at);
    for (const t of await e.evaluateGroup('g')) out.push(`${at / S}s:${t.from}→${t.to}`);
  }
  return out;
}

describe('Prometheus alerting semantics on a fake clock', () => {
  it('for: 0 fires at the first evaluation and resolves when the condition stops', async () => {
    await gauge('temp', 'a', [[0, 60], [15 * S, 60], [30 * S, 40], [45 * S, 40], [60 * S, 40], [75 * S, 40], [90 * S, 40]]);
    const clock = new FakeClock();
    const { e, sent } = engine(hot, clock);
    // At 75 s the 1-minute window (15 s, 75 s] holds only 40s.
    expect(await timeline(e, clock, [0, 15 * S, 60 * S, 75 * S])).toEqual(['0s:inactive→pending', '0s:pending→firing', '75s:firing→resolved']);
    expect(sent.find((t) => t.to === 'firing')?.labels).toEqual({ 'host.name': 'a', alertname: 'Hot' });
    expect(sent.find((t) => t.to === 'resolved')?.resolvedAt).toBe(T0 + 75 * S);
  });

  it('for: 1m keeps the alert pending, then fires; flapping input never fires', async () => {
    await gauge('temp', 'steady', Array.from({ length: 10 }, (_, i) => [i * 15 * S, 60] as [number, number]));
    await gauge('temp', 'flappy', [[0, 60], [75 * S, 60], [150 * S, 60]]);
    const clock = new FakeClock();
    const { e } = engine({ ...hot, window: '30s', for: '1m' }, clock);
    const events = await timeline(e, clock, [0, 15 * S, 30 * S, 45 * S, 60 * S, 75 * S, 90 * S, 105 * S, 120 * S, 135 * S]);
    expect(events.filter((x) => x.includes('firing'))).toEqual(['60s:pending→firing']);
    expect(e.alerts().filter((a) => a.state === 'firing').map((a) => a.labels['host.name'])).toEqual(['steady']);
    // flappy goes pending at 0, 75 s; inactive at 30 s, 105 s: never 1 minute in a row.
    expect(events.filter((x) => !x.includes('firing'))).toEqual(['0s:inactive→pending', '0s:inactive→pending', '30s:pending→inactive', '75s:inactive→pending', '105s:pending→inactive']);
  });

  it('keep_firing_for holds a firing alert after the condition stops', async () => {
    await gauge('temp', 'a', [[0, 60]]);
    const clock = new FakeClock();
    const { e } = engine({ ...hot, window: '15s', keep_firing_for: '1m' }, clock);
    expect(await timeline(e, clock, [0, 30 * S, 45 * S, 60 * S, 75 * S])).toEqual(['0s:inactive→pending', '0s:pending→firing', '60s:firing→resolved']);
  });

  it('labels and annotations are templated; each label set is its own alert', async () => {
    await gauge('temp', 'a', [[0, 61.5]]);
    await gauge('temp', 'b', [[0, 99]]);
    const clock = new FakeClock(T0);
    const { e } = engine({ ...hot, labels: { severity: 'page', where: '{{ $labels.host.name }}' }, annotations: { summary: '{{ $labels.host.name }} at {{ $value }}°' } }, clock);
    await e.evaluateGroup('g');
    const alerts = e.alerts().sort((x, y) => x.labels['host.name']!.localeCompare(y.labels['host.name']!));
    expect(alerts.map((a) => [a.labels, a.annotations.summary])).toEqual([
      [{ 'host.name': 'a', alertname: 'Hot', severity: 'page', where: 'a' }, 'a at 61.5°'],
      [{ 'host.name': 'b', alertname: 'Hot', severity: 'page', where: 'b' }, 'b at 99°'],
    ]);
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(2);
  });

  it('an evaluation error is reported as rule health and never resolves a firing alert', async () => {
    await store.exec('CREATE TABLE IF NOT EXISTS flaky (host String, v Float64) ENGINE = MergeTree ORDER BY host');
    await store.exec("INSERT INTO flaky VALUES ('a', 1)");
    const clock = new FakeClock(T0);
    const { e } = engine({ kind: 'sql', query: 'SELECT host, v AS value FROM flaky' }, clock);
    expect((await e.evaluateGroup('g')).map((t) => t.to)).toEqual(['pending', 'firing']);
    await store.exec('DROP TABLE flaky');
    clock.advance(15 * S);
    expect(await e.evaluateGroup('g')).toEqual([]);
    expect(e.alerts().map((a) => a.state)).toEqual(['firing']);
    const [health] = e.rules();
    expect(health).toMatchObject({ health: 'err', name: 'Hot' });
    expect(health!.lastError).toMatch(/flaky/);
  });

  it('a query that exceeds its timeout fails only its rule', async () => {
    const clock = new FakeClock(T0);
    const slow = new AlertsEngine({
      store,
      clock,
      logger: silentLogger,
      notifier: { notify: async () => {} },
      queryTimeoutMs: 300,
      groups: ruleFileSchema.parse({
        groups: [{ name: 'g', rules: [
          // chDB runs one session's queries one at a time, so the fast rule goes first here.
          { alert: 'Fast', kind: 'sql', query: 'SELECT 1 AS value' },
          { alert: 'Slow', kind: 'sql', query: 'SELECT sleep(2) + 1 AS value' },
        ] }],
      }).groups,
    });
    await slow.evaluateGroup('g');
    const health = Object.fromEntries(slow.rules().map((r) => [r.name, r]));
    expect(health.Slow).toMatchObject({ health: 'err' });
    expect(health.Slow!.lastError).toMatch(/timed out/);
    expect(health.Fast).toMatchObject({ health: 'ok' });
    expect(slow.alerts().map((a) => a.rule)).toEqual(['Fast']);
  });
});

describe('state across restarts', () => {
  it('a pending timer continues and a firing alert is not announced again', async () => {
    await gauge('temp', 'a', Array.from({ length: 20 }, (_, i) => [i * 15 * S, 60] as [number, number]));
    const rule = { ...hot, window: '30s', for: '1m' };
    const clock = new FakeClock();
    const first = engine(rule, clock);
    expect(await timeline(first.e, clock, [0, 30 * S])).toEqual(['0s:inactive→pending']);
    const second = engine(rule, clock); // a restart mid-pending
    expect(await timeline(second.e, clock, [60 * S])).toEqual(['60s:pending→firing']);
    const third = engine(rule, clock); // a restart mid-firing
    expect(await timeline(third.e, clock, [90 * S, 120 * S])).toEqual([]);
    expect(third.e.alerts().map((a) => [a.state, a.activeAt])).toEqual([['firing', T0]]);
    const history = await store.query<{ to_state: string; n: string }>('SELECT to_state, count() AS n FROM vigil_alerts GROUP BY to_state ORDER BY to_state');
    expect(history.map((h) => [h.to_state, Number(h.n)])).toEqual([['firing', 1], ['pending', 1]]);
  });
});

describe('absent', () => {
  it('fires for a host that went silent, not for one never seen, and resolves when it returns', async () => {
    await gauge('vigil.agent.up', 'web-1', [[0, 1], [30 * S, 1], [5 * M, 1]]);
    await gauge('vigil.agent.up', 'web-2', Array.from({ length: 30 }, (_, i) => [i * 15 * S, 1] as [number, number]));
    const clock = new FakeClock();
    const { e } = engine({ kind: 'absent', window: '1m' }, clock);
    const events = await timeline(e, clock, [60 * S, 90 * S, 120 * S, 5 * M]);
    expect(events).toEqual(['90s:inactive→pending', '90s:pending→firing', '300s:firing→resolved']);
  });
});
