import { Router, type Request, type Response } from 'express';
import { StoreError, type QueryLimits, type Store } from '../../core/store/index.ts';

/**
 * POST /api/v1/query {"sql": "SELECT …"} → {"meta", "data", "rows", "statistics"}.
 * Read-only by the engine's readonly setting, with time and row limits.
 */
export function queryRoute(store: Store, limits: QueryLimits): Router {
  const router = Router();
  router.post('/api/v1/query', async (req: Request, res: Response) => {
    const sql = typeof req.body === 'string' ? req.body : (req.body?.sql ?? req.body?.query);
    if (typeof sql !== 'string' || sql.trim() === '') {
      res.status(400).json({ error: 'expected a JSON body {"sql": "SELECT …"} or a text/plain SQL body' });
      return;
    }
    const params = queryParams(typeof req.body === 'object' ? req.body?.params : undefined);
    if (typeof params === 'string') {
      res.status(400).json({ error: params });
      return;
    }
    try {
      res.json(await store.readOnlyQuery(sql, limits, params));
    } catch (error) {
      if (error instanceof StoreError && !error.retryable) {
        const status = error.code === 164 ? 403 : 400;
        res.status(status).json({ error: error.message, code: error.code });
      } else if (error instanceof StoreError && /TIMEOUT|timed out|max_execution_time/i.test(error.message)) {
        res.status(408).json({ error: error.message, code: error.code });
      } else {
        res.status(503).json({ error: `query failed: ${(error as Error).message}` });
      }
    }
  });
  return router;
}

/**
 * Query parameters (`{name:Type}` in the SQL) bound by the engine, never spliced into the text:
 * the UI's log search sends what a user typed this way. Names are identifiers, values scalars.
 */
function queryParams(raw: unknown): Record<string, unknown> | undefined | string {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) return 'params: expected an object of name → value';
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  for (const [name, value] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return `params.${name}: a name is letters, digits and _`;
    if (!['string', 'number', 'boolean'].includes(typeof value)) return `params.${name}: expected a string, number or boolean`;
  }
  return Object.fromEntries(entries);
}
