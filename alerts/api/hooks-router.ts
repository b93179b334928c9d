import { Router } from 'express';
import type { Store } from '../../core/store/index.ts';
import { OUTCOMES, readHookRuns, type HookIntegration, type HookRunRecord } from '../notify/hook/index.ts';

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);

function view(r: HookRunRecord) {
  return { ...r, startsAt: iso(r.startsAt), started: iso(r.started), ended: iso(r.ended) };
}

/** What is configured, without secrets: HMAC secrets and header values never leave the process. */
export function describeHook(hook: HookIntegration) {
  const c = hook.config;
  return {
    name: hook.hookName,
    receiver: hook.receiver,
    kind: c.http ? 'http' : 'command',
    target: c.http ? `${c.http.method} ${c.http.url.replace(/\/\/([^/:@\s]*):[^/@\s]*@/, '//$1:<redacted>@')}` : c.command!.join(' '),
    on: c.on,
    timeoutMs: c.timeout,
    cooldownMs: c.cooldown,
    maxRuns: c.max_runs ?? null,
    maxConcurrent: c.max_concurrent,
    stormGuard: c.storm_guard ?? null,
    dryRun: c.dry_run,
    envAllow: c.env_allow,
  };
}

/**
 * GET /api/v1/hooks (configured hooks) and GET /api/v1/hooks/runs?hook=&outcome=&limit= (the
 * audit in vigil_hook_runs, newest first). Read-only, but the API asks for the `admin` role
 * (dashboards/api/required-role.ts): commands, output tails and errors may say more than a reader should see.
 */
export function hooksRouter(store: Store, hooks: Map<string, HookIntegration>): Router {
  const router = Router();
  router.get('/api/v1/hooks', (_req, res) => {
    res.json({ status: 'success', data: [...hooks.values()].map(describeHook) });
  });
  router.get('/api/v1/hooks/runs', async (req, res) => {
    const hook = req.query.hook === undefined ? undefined : String(req.query.hook);
    const outcome = req.query.outcome === undefined ? undefined : String(req.query.outcome);
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return void res.status(400).json({ status: 'error', error: 'limit: expected an integer from 1 to 10000' });
    if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome) && outcome !== 'running') {
      return void res.status(400).json({ status: 'error', error: `outcome: expected one of ${[...OUTCOMES, 'running'].join(', ')}` });
    }
    try {
      const runs = await readHookRuns(store, { hook, limit: outcome ? 10_000 : limit });
      res.json({ status: 'success', data: runs.filter((r) => !outcome || r.outcome === outcome).slice(0, limit).map(view) });
    } catch (err) {
      res.status(503).json({ status: 'error', error: `cannot read vigil_hook_runs: ${(err as Error).message}` });
    }
  });
  return router;
}
