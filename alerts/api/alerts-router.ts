import { Router } from 'express';
import type { AlertInstance } from '../engine/alert-instance.ts';
import type { AlertsEngine } from '../engine/alerts-engine.ts';
import { compileRule } from '../rules/compile-rule.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
/** Prometheus's API gives durations in seconds. */
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function renderAlert(a: AlertInstance) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: iso(a.activeAt),
    firedAt: iso(a.firedAt),
    // Prometheus sends the value as a string: float formatting is the client's choice.
    value: String(a.value),
    fingerprint: a.fingerprint,
  };
}

/** Optional repeated filters, as Prometheus's `rule_group[]=…&rule_name[]=…`. */
function filter(query: unknown): Set<string> | undefined {
  if (query === undefined) return undefined;
  return new Set((Array.isArray(query) ? query : [query]).map(String));
}

/**
 * GET /api/v1/alerts and /api/v1/rules in Prometheus's shapes, so tools that read a
 * Prometheus's alerts and rules read vigil's; vigil adds the rule kind, fingerprints and
 * missed group iterations.
 */
export function alertsRouter(engine: AlertsEngine): Router {
  const router = Router();
  router.get('/api/v1/alerts', (_req, res) => {
    res.json({ status: 'success', data: { alerts: engine.alerts().map(renderAlert) } });
  });
  router.get('/api/v1/rules', (req, res) => {
    const groupsWanted = filter(req.query['rule_group[]']);
    const namesWanted = filter(req.query['rule_name[]']);
    const rules = engine.rules().filter((r) => !namesWanted || namesWanted.has(r.name));
    const groups = engine
      .groups()
      .filter((g) => !groupsWanted || groupsWanted.has(g.name))
      .map((g) => ({
        name: g.name,
        interval: seconds(g.interval),
        lastEvaluation: iso(g.lastEvaluation),
        evaluationTime: seconds(g.evaluationMs),
        missedIterations: g.missedIterations,
        rules: rules
          .filter((r) => r.group === g.name)
          .map((r) => ({
            type: 'alerting',
            name: r.name,
            kind: r.kind,
            // The SQL the rule runs (parameters bound separately), where Prometheus shows PromQL.
            query: compileRule(r.rule, r.lastEvaluation ?? 0).sql,
            duration: seconds(r.rule.for),
            keepFiringFor: seconds(r.rule.keep_firing_for),
            labels: r.rule.labels,
            annotations: r.rule.annotations,
            health: r.health,
            lastError: r.lastError ?? '',
            lastEvaluation: iso(r.lastEvaluation),
            evaluationTime: seconds(r.evaluationMs),
            state: r.alerts.some((a) => a.state === 'firing') ? 'firing' : r.alerts.length > 0 ? 'pending' : 'inactive',
            alerts: r.alerts.map(renderAlert),
          })),
      }));
    res.json({ status: 'success', data: { groups } });
  });
  return router;
}
