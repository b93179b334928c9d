/**
 * The UI's only way to the server: the same read API and SQL endpoint any client uses. A bearer
 * token, when the API asks for one (401), is kept in sessionStorage for this tab only.
 */

export interface Query {
  sql: string;
  /** Bound by the engine as `{name:Type}`: user input never becomes SQL text. */
  params?: Record<string, string | number | boolean>;
}

export interface QueryResult<Row = Record<string, unknown>> {
  meta: Array<{ name: string; type: string }>;
  data: Row[];
  rows: number;
  statistics?: { elapsed: number; rows_read: number; bytes_read: number };
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | string;
  activeAt?: string;
  firedAt?: string;
  value: string;
  fingerprint: string;
}

export interface Rule {
  name: string;
  kind: string;
  query: string;
  duration?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  health: string;
  lastError: string;
  lastEvaluation?: string;
  evaluationTime?: number;
  state: string;
  alerts: Alert[];
}

export interface RuleGroup {
  name: string;
  interval: number;
  lastEvaluation?: string;
  rules: Rule[];
}

export interface Silence {
  id: string;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: 'pending' | 'active' | 'expired';
}

/** An answer the API refused, with its status and the API's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'vigil.token';

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Called on a 401: the shell shows its token field and resolves once the user entered one. */
let askForToken: ((message: string) => Promise<void>) | undefined;
export function onUnauthorized(handler: (message: string) => Promise<void>): void {
  askForToken = handler;
}

/**
 * The API runs a few queries at a time (api.query.max_concurrent, 4 by default) and answers 429
 * beyond that; a page with many panels queues here instead, leaving room for other clients.
 */
const MAX_IN_FLIGHT = 3;
let inFlight = 0;
const waiting: Array<() => void> = [];

async function limited<T>(run: () => Promise<T>): Promise<T> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await run();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await limited(() => callOnce<T>(method, path, body, retried));
    } catch (err) {
      // Busy (other clients' queries): wait as told, a few times, then show the API's message.
      if (!(err instanceof ApiError) || err.status !== 429 || attempt >= 5) throw err;
      await sleep(err.retryAfterMs ?? 250 * 2 ** attempt);
    }
  }
}

async function callOnce<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status === 401 && askForToken && !retried) {
    await askForToken((parsed as { error?: string })?.error ?? 'this vigil needs a token');
    return callOnce<T>(method, path, body, true);
  }
  if (!response.ok) {
    const message = (parsed as { error?: string })?.error ?? `${response.status} ${response.statusText}`;
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
  }
  return parsed as T;
}

export const api = {
  query<Row = Record<string, unknown>>(query: Query): Promise<QueryResult<Row>> {
    // Every parameter is sent as text; the page SQL declares them String and converts.
    const params = Object.fromEntries(Object.entries(query.params ?? {}).map(([k, v]) => [k, String(v)]));
    return call('POST', '/api/v1/query', { sql: query.sql, params });
  },
  async alerts(): Promise<Alert[]> {
    return (await call<{ data: { alerts: Alert[] } }>('GET', '/api/v1/alerts')).data.alerts;
  },
  async rules(): Promise<RuleGroup[]> {
    return (await call<{ data: { groups: RuleGroup[] } }>('GET', '/api/v1/rules')).data.groups;
  },
  /** undefined when this vigil has no notification pipeline (alerts.notification_file unset). */
  async silences(): Promise<Silence[] | undefined> {
    try {
      return (await call<{ data: Silence[] }>('GET', '/api/v1/silences')).data;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  },
  async createSilence(silence: { matchers: string[]; endsAt: string; createdBy: string; comment: string }): Promise<Silence> {
    return (await call<{ data: Silence }>('POST', '/api/v1/silences', silence)).data;
  },
  async expireSilence(id: string): Promise<Silence> {
    return (await call<{ data: Silence }>('DELETE', `/api/v1/silences/${encodeURIComponent(id)}`)).data;
  },
  async status(): Promise<Record<string, unknown> | undefined> {
    try {
      return (await call<{ data: Record<string, unknown> }>('GET', '/api/v1/status')).data;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  },
  /** [] when this vigil runs no rules engine (alerts disabled or another role). */
  async alertsOrNone(): Promise<Alert[]> {
    try {
      return await api.alerts();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return [];
      throw err;
    }
  },
};
