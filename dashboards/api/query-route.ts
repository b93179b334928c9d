import { Router, type Request, type Response } from 'express';
import { StoreError, type QueryLimits, type Store } from '../../core/store/index.ts';
import type { AdHocQueries } from './ad-hoc-queries.ts';

/** Engine codes of a query that ran out of time, memory or result room: the user's query, not the server. */
const LIMIT_CODES = new Set([159, 241, 396, 160, 158]);

/**
 * POST /api/v1/query {"sql": "SELECT …"} → {"meta", "data", "rows", "statistics"}.
 * Through the SQL sandbox (core/store/sql-sandbox): 403 naming what it refused, 429 when
 * api.query.max_concurrent queries already run, 408/413-style limits from the engine.
 */
export function queryRoute(store: Store, limits: QueryLimits, queries: AdHocQueries): Router {
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
      const ran = await queries.run((signal) => store.readOnlyQuery(sql, { ...limits, adHoc: true, signal }, params));
      if (!ran) {
        res.status(429).set('Retry-After', '1').json({ error: `too many queries running (api.query.max_concurrent); retry shortly` });
        return;
      }
      res.json(ran.value);
    } catch (error) {
      if (!(error instanceof StoreError)) {
        res.status(500).json({ error: 'internal error' });
      } else if (error.code === 164) {
        const refused = (error as { refused?: unknown }).refused;
        res.status(403).json({ error: error.message, code: error.code, ...(refused ? { refused } : {}) });
      } else if (error.code === 394 || /shutting down/.test(error.message)) {
        // Cancelled at shutdown: closing the connection lets the server stop without waiting
        // for this keep-alive socket to time out.
        res.status(503).set({ 'Retry-After': '5', Connection: 'close' }).json({ error: error.message, code: error.code });
      } else if (error.code === 159 || /TIMEOUT|timed out|max_execution_time/i.test(error.message)) {
        res.status(408).json({ error: error.message, code: error.code });
      } else if (error.code !== undefined && LIMIT_CODES.has(error.code)) {
        res.status(422).json({ error: error.message, code: error.code });
      } else if (error.code === 202) {
        res.status(503).set('Retry-After', '1').json({ error: error.message, code: error.code });
      } else if (!error.retryable || error.code !== undefined) {
        // The engine refused the user's query (unknown column, bad type, deprecated function…).
        res.status(400).json({ error: error.message, code: error.code });
      } else {
        res.status(503).json({ error: `query failed: ${error.message}` });
      }
    }
  });
  return router;
}

/**
 * Query parameters (`{name:Type}` in the SQL) bound by the engine, never spliced into the text:
 * the UI's log search sends what a user typed this way. Names are identifiers, values scalars.
 * An Identifier-typed parameter naming a table is checked by the sandbox like a written name.
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
