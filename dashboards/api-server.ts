import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Router } from 'express';
import { assertExposureAllowed, createAuthorizer, requireRole, type Authorizer } from '../core/auth/index.ts';
import { createServer, schemeOf, type ListenerTls } from '../core/tls/index.ts';
import type { QueryLimits, Store } from '../core/store/index.ts';
import type { Logger } from '../core/telemetry/index.ts';
import { allowedHostNames, corsGuard, crossSiteGuard, hostGuard } from './api/browser-guard.ts';
import { healthRoute } from './api/health-route.ts';
import { AdHocQueries } from './api/ad-hoc-queries.ts';
import { queryRoute } from './api/query-route.ts';
import { requiredRole } from './api/required-role.ts';
import { uiRoute } from './api/ui-route.ts';

export interface ApiServerOptions {
  host: string;
  port: number;
  store: Store;
  limits: QueryLimits;
  /** Ad-hoc SQL queries running at once (api.query.max_concurrent); 429 beyond. Default 4. */
  maxConcurrentQueries?: number;
  logger: Logger;
  isReady: () => boolean;
  /** Routes other components contribute (alerts, rules, status…). */
  routes?: Router[];
  /** Bearer tokens and roles; without it (or with no tokens) the API is open, on loopback only. */
  auth?: { authorizer: Authorizer; allowAnonymous: boolean };
  tls?: ListenerTls;
  /** Extra Host header names accepted besides loopback and the bind address ("*": any). */
  allowedHosts?: string[];
  corsOrigins?: string[];
}

/** The vigil HTTP API: SQL over the store, health, and routes components add. */
export class ApiServer {
  private server: Server | undefined;
  private queries: AdHocQueries | undefined;

  constructor(private readonly options: ApiServerOptions) {}

  async start(): Promise<void> {
    if (this.server) return;
    const auth = this.options.auth ?? { authorizer: createAuthorizer([]), allowAnonymous: false };
    assertExposureAllowed({ name: 'API', setting: 'api.host', host: this.options.host }, { enabled: auth.authorizer.enabled, allowAnonymous: auth.allowAnonymous });
    const hosts = allowedHostNames(this.options.host, this.options.allowedHosts ?? []);
    const app = express();
    app.disable('x-powered-by');
    // Browser safety and authentication come before any body is read or route runs.
    app.use(hostGuard(hosts));
    app.use(corsGuard(this.options.corsOrigins ?? []));
    // The web UI's shell and modules hold no data (every figure comes from the API with the
    // caller's token), so they load without one and the page asks for a token on a 401.
    app.use(uiRoute());
    app.use(requireRole(auth.authorizer, requiredRole));
    app.use(crossSiteGuard(this.options.corsOrigins ?? []));
    app.use(express.json({ limit: '1mb' }));
    app.use(express.text({ limit: '1mb', type: ['text/plain', 'application/sql'] }));
    app.use(healthRoute(this.options.isReady));
    this.queries = new AdHocQueries(this.options.maxConcurrentQueries ?? 4);
    app.use(queryRoute(this.options.store, this.options.limits, this.queries));
    for (const route of this.options.routes ?? []) app.use(route);
    app.use((_req, res) => {
      res.status(404).json({ error: 'not found' });
    });
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
      res.status(status).json({ error: status === 500 ? 'internal error' : err.message });
    };
    app.use(onError);
    const server = await createServer(app, this.options.tls, 'api.tls');
    server.listen(this.options.port, this.options.host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    this.server = server;
    this.options.logger.info({ address: this.address }, 'API listening');
  }

  get address(): string {
    const info = this.server?.address() as AddressInfo | null | undefined;
    if (!info) return '';
    const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    return `${schemeOf(this.options.tls)}://${host}:${info.port}`;
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // Running SQL queries are cancelled in the engine, or close() would wait them out.
    await this.queries?.cancelAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
