import { Router } from 'express';
import type { AlertsEngine } from '../engine/alerts-engine.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** GET /api/v1/alerts and /api/v1/rules, shaped like Prometheus's API. */
export function alertsRouter(engine: AlertsEngine): Router {
  const router = Router();
  const render = (a: ReturnType<AlertsEngine['alerts']>[number]) => ({
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: iso(a.activeAt),
    firedAt: iso(a.firedAt),
    value: String(a.value),
    fingerprint: a.fingerprint,
  });
  router.get('/api/v1/alerts', (_req, res) => {
    res.json({ status: 'success', data: { alerts: engine.alerts().map(render) } });
  });
  router.get('/api/v1/rules', (_req, res) => {
    const groups = new Map<string, unknown[]>();
    for (const rule of engine.rules()) {
      const list = groups.get(rule.group) ?? [];
      list.push({
        name: rule.name,
        kind: rule.kind,
        health: rule.health,
        lastError: rule.lastError ?? '',
        lastEvaluation: iso(rule.lastEvaluation),
        evaluationTime: rule.evaluationMs === undefined ? undefined : rule.evaluationMs / 1000,
        state: rule.alerts.some((a) => a.state === 'firing') ? 'firing' : rule.alerts.length > 0 ? 'pending' : 'inactive',
        alerts: rule.alerts.map(render),
      });
      groups.set(rule.group, list);
    }
    res.json({ status: 'success', data: { groups: [...groups].map(([name, rules]) => ({ name, rules })) } });
  });
  return router;
}
