import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { StoreError, type Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { closeEphemeralStore, ephemeralStore, truncateTables } from '../testing/ephemeral-store.ts';
import { loadInputs } from '../testing/load-inputs.ts';
import { recentHour, recordingNotifier, ruleGroups, S, series, timeline } from '../testing/rule-fixtures.ts';
import { AlertsEngine } from './alerts-engine.ts';

let store: Store;
const T0 = recentHour();
beforeAll(async () => {
  store = await ephemeralStore();
});
beforeEach(async () => truncateTables(store));
afterAll(closeEphemeralStore);

const hot = { alert: 'Hot', kind: 'threshold', metric: 'temp', aggregation: 'max', window: '1m', group_by: ['host.name'], op: '>', value: 50 };

function engine(rules: Array<Record<string, unknown>>, clock: FakeClock, options: { queryTimeoutMs?: number; store?: Store } = {}) {
  const notifier = recordingNotifier();
  const e = new AlertsEngine({ store: options.store ?? store, groups: ruleGroups(rules), clock, logger: silentLogger, notifier, queryTimeoutMs: options.queryTimeoutMs });
  return { e, sent: notifier.sent };
}

/** Temperatures every 15 s from T0, in promtool notation. */
const temps = (host: string, values: string) => loadInputs({ interval: 15 * S, input_series: [series('temp', { 'host.name': host }, values)] }, store, T0);

describe('Prometheus alerting semantics on a fake clock', () => {
  it('for: 0 fires at the first evaluation and resolves when the condition stops', async () => {
    await temps('a', '60 60 40x5');
    const clock = new FakeClock();
    const { e, sent } = engine([hot], clock);
    // At 75 s the 1-minute window (15 s, 75 s] holds only 40s.
    expect(await timeline(e, clock, T0, [0, 15 * S, 60 * S, 75 * S])).toEqual(['0s:inactive→pending', '0s:pending→firing', '75s:firing→resolved']);
    expect(sent.find((t) => t.to === 'firing')).toMatchObject({ labels: { 'host.name': 'a', alertname: 'Hot' }, activeAt: T0, firedAt: T0, value: 60 });
    expect(sent.find((t) => t.to === 'resolved')).toMatchObject({ resolvedAt: T0 + 75 * S, activeAt: T0, firedAt: T0 });
    expect(e.alerts()).toEqual([]);
  });

  it('for: 1m keeps the alert pending, then fires; flapping input never fires', async () => {
    await temps('steady', '60x9');
    await temps('flappy', '60 _x4 60 _x4 60');
    const clock = new FakeClock();
    const { e } = engine([{ ...hot, window: '30s', for: '1m' }], clock);
    const events = await timeline(e, clock, T0, [0, 15, 30, 45, 60, 75, 90, 105, 120, 135].map((s) => s * S), 'host.name');
    expect(events.filter((x) => x.includes('firing'))).toEqual(['60s:pending→firing:steady']);
    expect(e.alerts().map((a) => [a.labels['host.name'], a.state, a.activeAt])).toEqual([['steady', 'firing', T0]]);
    // flappy goes pending at 0 and 75 s, inactive at 30 and 105 s: never 1 minute in a row.
    expect(events.filter((x) => x.endsWith('flappy'))).toEqual(['0s:inactive→pending:flappy', '30s:pending→inactive:flappy', '75s:inactive→pending:flappy', '105s:pending→inactive:flappy']);
  });

  it('keep_firing_for holds a firing alert after the condition stops, and a return of the condition cancels the countdown', async () => {
    await temps('a', '60 _x5 60');
    const clock = new FakeClock();
    const { e } = engine([{ ...hot, window: '15s', keep_firing_for: '1m' }], clock);
    // Condition holds at 0 and 90 s (window 15 s); between, keep_firing_for holds it for 1 minute from 0 s.
    expect(await timeline(e, clock, T0, [0, 30, 45, 59, 60, 75, 90].map((s) => s * S))).toEqual(['0s:inactive→pending', '0s:pending→firing', '60s:firing→resolved', '90s:inactive→pending', '90s:pending→firing']);
    await temps('b', '60 _ 60 _x10');
    const b = engine([{ ...hot, alert: 'HotB', window: '15s', keep_firing_for: '1m' }], clock);
    // b holds at 0 and 30 s: the minute counts from 30 s, so b fires until 90 s.
    const events = await timeline(b.e, clock, T0, [0, 30, 60, 75, 89, 90].map((s) => s * S), 'host.name');
    expect(events.filter((x) => x.endsWith(':b'))).toEqual(['0s:inactive→pending:b', '0s:pending→firing:b', '90s:firing→resolved:b']);
  });

  it('labels and annotations are templated; each label set is its own alert', async () => {
    await temps('a', '61.5');
    await temps('b', '1234567');
    const clock = new FakeClock(T0);
    const { e } = engine([{ ...hot, labels: { severity: 'page', where: '{{ $labels.host.name }}' }, annotations: { summary: '{{ $labels.host.name }} at {{ $value }}° ({{ humanize $value }})' } }], clock);
    await e.evaluateGroup('g');
    const alerts = e.alerts().sort((x, y) => x.labels['host.name']!.localeCompare(y.labels['host.name']!));
    expect(alerts.map((a) => [a.labels, a.annotations.summary])).toEqual([
      [{ 'host.name': 'a', alertname: 'Hot', severity: 'page', where: 'a' }, 'a at 61.5° (61.5)'],
      [{ 'host.name': 'b', alertname: 'Hot', severity: 'page', where: 'b' }, 'b at 1234567° (1.235M)'],
    ]);
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(2);
  });

  it('an evaluation error is reported as rule health and never resolves a firing alert', async () => {
    await store.exec('CREATE TABLE IF NOT EXISTS flaky (host String, v Float64) ENGINE = MergeTree ORDER BY host');
    await store.exec("INSERT INTO flaky VALUES ('a', 1)");
    const clock = new FakeClock(T0);
    const { e, sent } = engine([{ alert: 'Flaky', kind: 'sql', query: 'SELECT host, v AS value FROM flaky' }], clock);
    expect((await e.evaluateGroup('g')).map((t) => t.to)).toEqual(['pending', 'firing']);
    await store.exec('DROP TABLE flaky');
    for (let i = 1; i <= 3; i++) {
      clock.set(T0 + i * 15 * S);
      expect(await e.evaluateGroup('g')).toEqual([]);
    }
    expect(e.alerts().map((a) => a.state)).toEqual(['firing']);
    expect(sent.map((t) => t.to)).toEqual(['pending', 'firing']);
    const [health] = e.rules();
    expect(health).toMatchObject({ health: 'err', name: 'Flaky', lastEvaluation: T0 + 45 * S });
    expect(health!.lastError).toMatch(/flaky/);
    // Back to health: still the same alert, never resolved in between.
    await store.exec('CREATE TABLE flaky (host String, v Float64) ENGINE = MergeTree ORDER BY host');
    await store.exec("INSERT INTO flaky VALUES ('a', 1)");
    clock.set(T0 + 60 * S);
    expect(await e.evaluateGroup('g')).toEqual([]);
    expect(e.rules()[0]).toMatchObject({ health: 'ok', lastError: undefined });
    const history = await store.query<{ to_state: string }>("SELECT to_state FROM vigil_alerts WHERE rule = 'Flaky' ORDER BY at, to_state DESC");
    expect(history.map((h) => h.to_state)).toEqual(['pending', 'firing']);
    await store.exec('DROP TABLE flaky');
  });

  it('a query that exceeds its timeout fails only its rule, and is cancelled so the rules after it still run', async () => {
    const clock = new FakeClock(T0);
    const { e } = engine(
      [
        // Scans for minutes unless the engine cancels it; chDB runs one query at a time, so an
        // abandoned but still running query would also time out the rule after it.
        { alert: 'Slow', kind: 'sql', query: 'SELECT count() AS value FROM numbers(100000000000)' },
        { alert: 'Fast', kind: 'sql', query: 'SELECT 1 AS value' },
      ],
      clock,
      { queryTimeoutMs: 1000 },
    );
    const started = performance.now();
    await e.evaluateGroup('g');
    expect(performance.now() - started).toBeLessThan(5000);
    const health = Object.fromEntries(e.rules().map((r) => [r.name, r]));
    expect(health.Slow).toMatchObject({ health: 'err', lastError: 'query timed out after 1000 ms' });
    expect(health.Fast, health.Fast?.lastError).toMatchObject({ health: "ok" });
    expect(e.alerts().map((a) => [a.rule, a.state])).toEqual([['Fast', 'firing']]);
  });

  it('a query returning one label set twice is an error of its rule, as in Prometheus', async () => {
    const clock = new FakeClock(T0);
    const { e } = engine(
      [
        { alert: 'Twice', kind: 'sql', query: "SELECT 'a' AS host, 1 AS value UNION ALL SELECT 'a' AS host, 2 AS value" },
        // Distinct rows, but the templated label makes their label sets equal.
        { alert: 'Collide', kind: 'sql', query: "SELECT arrayJoin(['x', 'y']) AS host, 1 AS value", labels: { host: 'same' } },
      ],
      clock,
    );
    await e.evaluateGroup('g');
    expect(e.rules().map((r) => [r.name, r.health, r.lastError?.replace(/ \{.*/, '')])).toEqual([
      ['Twice', 'err', 'the query returned several rows with the label set'],
      ['Collide', 'err', 'the query returned several rows with the label set'],
    ]);
    expect(e.alerts()).toEqual([]);
  });

  it('a store that fails to persist delays the announcement; the retry records each transition once', async () => {
    let failStateWrites = true;
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'insertRows') {
          return async (table: string, rows: object[], options?: object) => {
            // History lands, then the state write fails: the worst case, a half-written evaluation.
            if (failStateWrites && table === 'vigil_alert_state') throw new StoreError('store unavailable', true);
            return target.insertRows(table, rows, options);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await temps('a', '60x10');
    const clock = new FakeClock(T0);
    const { e, sent } = engine([hot], clock, { store: flaky });
    expect(await e.evaluateGroup('g')).toEqual([]);
    expect(sent).toEqual([]);
    expect(e.rules()[0]!.lastError).toMatch(/^alert state not persisted .*store unavailable/);
    failStateWrites = false;
    clock.set(T0 + 15 * S);
    const announced = await e.evaluateGroup('g');
    expect(announced.map((t) => `${t.from}→${t.to}@${t.at - T0}`)).toEqual(['inactive→pending@0', 'pending→firing@0']);
    expect(sent).toHaveLength(2);
    expect(e.rules()[0]!.health).toBe('ok');
    const history = await store.query<{ to_state: string; n: string }>('SELECT to_state, count() AS n FROM vigil_alerts GROUP BY to_state ORDER BY to_state');
    expect(history.map((h) => [h.to_state, Number(h.n)])).toEqual([['firing', 1], ['pending', 1]]);
    // And the stored state is the firing alert: a restart announces nothing new.
    const restarted = engine([hot], clock);
    clock.set(T0 + 30 * S);
    expect(await restarted.e.evaluateGroup('g')).toEqual([]);
    expect(restarted.e.alerts().map((a) => [a.state, a.activeAt, a.firedAt])).toEqual([['firing', T0, T0]]);
  });

  it('a notifier that throws does not lose the state change or stop the engine', async () => {
    await temps('a', '60x10');
    const clock = new FakeClock(T0);
    const e = new AlertsEngine({ store, groups: ruleGroups([hot]), clock, logger: silentLogger, notifier: { notify: async () => Promise.reject(new Error('receiver down')) } });
    expect((await e.evaluateGroup('g')).map((t) => t.to)).toEqual(['pending', 'firing']);
    expect(e.rules()[0]!.health).toBe('ok');
    const stored = await store.query<{ state: string }>('SELECT state FROM vigil_alert_state FINAL WHERE deleted = 0');
    expect(stored).toEqual([{ state: 'firing' }]);
  });
});
