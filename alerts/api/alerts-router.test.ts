import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { ruleFileSchema } from '../config/rule-schema.ts';
import { AlertsEngine } from '../engine/alerts-engine.ts';
import { closeEphemeralStore, ephemeralStore } from '../testing/ephemeral-store.ts';
import { recentHour, recordingNotifier } from '../testing/rule-fixtures.ts';
import { alertsRouter } from './alerts-router.ts';

const T0 = recentHour();
let server: Server;
let base: string;

beforeAll(async () => {
  const groups = ruleFileSchema.parse({
    groups: [
      {
        name: 'db',
        interval: '30s',
        rules: [
          { alert: 'Replicas', kind: 'sql', query: "SELECT arrayJoin(['db-1', 'db-2']) AS host, 2 AS value", for: '1m', keep_firing_for: '5m', labels: { severity: 'page' }, annotations: { summary: '{{ $labels.host }} lag {{ $value }}s' } },
          { alert: 'Broken', kind: 'sql', query: 'SELECT value FROM no_such_table' },
        ],
      },
      { name: 'nodes', rules: [{ alert: 'NodeDown', kind: 'absent' }] },
    ],
  }).groups;
  const engine = new AlertsEngine({ store: await ephemeralStore(), groups, clock: new FakeClock(T0), logger: silentLogger, notifier: recordingNotifier() });
  await engine.evaluateGroup('db');
  const app = express().use(alertsRouter(engine));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await closeEphemeralStore();
});

const get = async (path: string) => {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};

describe('alerts API, in Prometheus shapes', () => {
  it('GET /api/v1/alerts lists every pending and firing alert', async () => {
    const body = await get('/api/v1/alerts');
    expect(body.status).toBe('success');
    expect(body.data.alerts.map((a: any) => [a.labels.host, a.state, a.value, a.annotations.summary, a.activeAt])).toEqual([
      ['db-1', 'pending', '2', 'db-1 lag 2s', new Date(T0).toISOString()],
      ['db-2', 'pending', '2', 'db-2 lag 2s', new Date(T0).toISOString()],
    ]);
    expect(body.data.alerts[0].labels).toEqual({ alertname: 'Replicas', host: 'db-1', severity: 'page' });
  });

  it('GET /api/v1/rules gives groups, rules with health and last error, and their alerts', async () => {
    const body = await get('/api/v1/rules');
    const [db, nodes] = body.data.groups;
    expect(db).toMatchObject({ name: 'db', interval: 30, lastEvaluation: new Date(T0).toISOString(), missedIterations: 0 });
    expect(db.rules[0]).toMatchObject({
      type: 'alerting', name: 'Replicas', kind: 'sql', health: 'ok', lastError: '', state: 'pending',
      duration: 60, keepFiringFor: 300, labels: { severity: 'page' }, annotations: { summary: '{{ $labels.host }} lag {{ $value }}s' },
    });
    expect(db.rules[0].alerts).toHaveLength(2);
    expect(db.rules[1]).toMatchObject({ name: 'Broken', health: 'err', state: 'inactive', alerts: [] });
    expect(db.rules[1].lastError).toMatch(/no_such_table/);
    // Not evaluated yet: health unknown, and the query shown is the SQL the rule compiles to.
    expect(nodes.rules[0]).toMatchObject({ name: 'NodeDown', kind: 'absent', health: 'unknown' });
    expect(nodes.rules[0].lastEvaluation).toBeUndefined();
    expect(nodes.rules[0].query).toMatch(/FROM otel_metrics_gauge/);
  });

  it('filters by rule_group[] and rule_name[]', async () => {
    const byGroup = await get('/api/v1/rules?rule_group[]=nodes');
    expect(byGroup.data.groups.map((g: any) => g.name)).toEqual(['nodes']);
    const byName = await get('/api/v1/rules?rule_name[]=Broken&rule_name[]=NodeDown');
    expect(byName.data.groups.map((g: any) => g.rules.map((r: any) => r.name))).toEqual([['Broken'], ['NodeDown']]);
  });
});
