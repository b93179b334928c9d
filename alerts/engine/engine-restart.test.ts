import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import type { Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { closeEphemeralStore, ephemeralStore, truncateTables } from '../testing/ephemeral-store.ts';
import { loadInputs } from '../testing/load-inputs.ts';
import { M, recentHour, recordingNotifier, ruleGroups, S, series, timeline } from '../testing/rule-fixtures.ts';
import { AlertsEngine } from './alerts-engine.ts';

// A restart is a new engine on the same store: it must continue where the last one stopped.
let store: Store;
const T0 = recentHour();
beforeAll(async () => {
  store = await ephemeralStore();
});
beforeEach(async () => truncateTables(store));
afterAll(closeEphemeralStore);

const hot = { alert: 'Hot', kind: 'threshold', metric: 'temp', aggregation: 'max', window: '30s', group_by: ['host.name'], op: '>', value: 50 };
const temps = (host: string, values: string) => loadInputs({ interval: 15 * S, input_series: [series('temp', { 'host.name': host }, values)] }, store, T0);

function engine(rules: Array<Record<string, unknown>>, clock: FakeClock, isActive?: () => boolean, interval = '15s') {
  const notifier = recordingNotifier();
  const e = new AlertsEngine({ store, groups: ruleGroups(rules, 'g', interval), clock, logger: silentLogger, notifier, isActive });
  return { e, sent: notifier.sent };
}

const history = async () =>
  (await store.query<{ to_state: string; n: string }>('SELECT to_state, count() AS n FROM vigil_alerts GROUP BY to_state ORDER BY to_state')).map((h) => [h.to_state, Number(h.n)]);

describe('state across restarts', () => {
  it('a pending timer continues and a firing alert is not announced again', async () => {
    await temps('a', '60x19');
    const rule = { ...hot, for: '1m' };
    const clock = new FakeClock();
    const first = engine([rule], clock);
    expect(await timeline(first.e, clock, T0, [0, 30 * S])).toEqual(['0s:inactive→pending']);
    const second = engine([rule], clock); // a restart mid-pending
    expect(await timeline(second.e, clock, T0, [60 * S])).toEqual(['60s:pending→firing']);
    const third = engine([rule], clock); // a restart mid-firing
    expect(await timeline(third.e, clock, T0, [90 * S, 120 * S])).toEqual([]);
    expect(third.e.alerts().map((a) => [a.state, a.activeAt, a.firedAt])).toEqual([['firing', T0, T0 + 60 * S]]);
    expect(await history()).toEqual([['firing', 1], ['pending', 1]]);
  });

  it('times survive to the millisecond: a pending alert fires exactly `for` after it became active', async () => {
    await temps('a', '60x19');
    const clock = new FakeClock();
    const start = 7; // not on a second boundary
    const first = engine([{ ...hot, for: '1m' }], clock);
    expect(await timeline(first.e, clock, T0, [start])).toEqual(['0.007s:inactive→pending']);
    const second = engine([{ ...hot, for: '1m' }], clock);
    await second.e.load();
    expect(second.e.alerts()[0]!.activeAt).toBe(T0 + start);
    expect(await timeline(second.e, clock, T0, [start + M - 1, start + M])).toEqual(['60.007s:pending→firing']);
  });

  it('keep_firing_for counts from the last time the condition held, across a restart', async () => {
    await temps('a', '60x20'); // holds until 5 minutes, then silent
    const rule = { ...hot, keep_firing_for: '2m' };
    const clock = new FakeClock();
    const first = engine([rule], clock);
    const steps = Array.from({ length: 21 }, (_, i) => i * 15 * S); // 0 … 5 m
    expect(await timeline(first.e, clock, T0, steps)).toEqual(['0s:inactive→pending', '0s:pending→firing']);
    const second = engine([rule], clock); // restarted after the condition stopped
    expect(await timeline(second.e, clock, T0, [5.5 * M, 6.5 * M, 7 * M - 1])).toEqual([]);
    expect(await timeline(second.e, clock, T0, [7 * M])).toEqual(['420s:firing→resolved']);
  });

  it('same-named rules (warning and critical) each get their own alerts back', async () => {
    await temps('a', '60x19');
    const rules = [
      { ...hot, labels: { severity: 'warning' } },
      { ...hot, value: 55, for: '1m', labels: { severity: 'critical' } },
    ];
    const clock = new FakeClock();
    const first = engine(rules, clock);
    await timeline(first.e, clock, T0, [0]);
    const second = engine(rules, clock);
    await second.e.load();
    const bySeverity = (e: AlertsEngine) => e.rules().map((r) => r.alerts.map((a) => `${a.labels.severity}:${a.state}`));
    expect(bySeverity(second.e)).toEqual([['warning:firing'], ['critical:pending']]);
    expect(await timeline(second.e, clock, T0, [60 * S])).toEqual(['60s:pending→firing']);
  });
});

describe('high availability: a standby taking over', () => {
  it('reloads what the leader left and neither restarts timers nor announces a firing alert as new', async () => {
    await temps('a', Array(40).fill('60').join(' '));
    const rule = { ...hot, for: '1m' };
    const clock = new FakeClock(T0);
    let bLeads = false;
    const a = engine([rule], clock, undefined, '100ms');
    const b = engine([rule], clock, () => bLeads, '100ms');
    await b.e.start(); // a standby from the beginning: its state is loaded before anything happened
    await a.e.start();
    await until(() => a.sent.length === 1); // pending at T0
    clock.set(T0 + 60 * S);
    await until(() => a.sent.length === 2); // firing at T0 + 1 m
    await a.e.shutdown();
    bLeads = true;
    clock.set(T0 + 75 * S);
    await until(() => b.sent.length > 0);
    await new Promise((r) => setTimeout(r, 300)); // a few more ticks of b
    await b.e.shutdown();
    // b hands the firing alert to its notifier as already firing (the notification log decides), and records nothing.
    expect(b.sent.map((t) => `${t.from}→${t.to}`)).toEqual(['firing→firing']);
    expect(b.e.alerts().map((x) => [x.state, x.activeAt, x.firedAt])).toEqual([['firing', T0, T0 + 60 * S]]);
    expect(await history()).toEqual([['firing', 1], ['pending', 1]]);
  });

  it('start and shutdown are idempotent, and shutdown is safe without start', async () => {
    const clock = new FakeClock(T0);
    const never = engine([hot], clock);
    await never.e.shutdown();
    await never.e.shutdown();
    const twice = engine([{ alert: 'Always', kind: 'sql', query: 'SELECT 1 AS value' }], clock, undefined, '100ms');
    await Promise.all([twice.e.start(), twice.e.start()]);
    await twice.e.start();
    await until(() => twice.sent.length === 2);
    await new Promise((r) => setTimeout(r, 250));
    await Promise.all([twice.e.shutdown(), twice.e.shutdown()]);
    // One loop, not three: one pending and one firing transition, never repeated.
    expect(twice.sent.map((t) => t.to)).toEqual(['pending', 'firing']);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
