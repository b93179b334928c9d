import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { QueryLimits, Store } from '../core/store/index.ts';
import type { Logger } from '../core/telemetry/index.ts';
import { healthRoute } from './api/health-route.ts';
import { queryRoute } from './api/query-route.ts';

export interface ApiServerOptions {
  host: string;
  port: number;
  store: Store;
  limits: QueryLimits;
  logger: Logger;
  isReady: () => boolean;
  /** Routes other components contribute (alerts, rules, status…). */
  routes?: Router[];
}

/** The vigil HTTP API: SQL over the store, health, and routes components add. */
export class ApiServer {
  private server: Server | undefined;

  constructor(private readonly options: ApiServerOptions) {}

  async start(): Promise<void> {
    if (this.server) return;
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json({ limit: '1mb' }));
    app.use(express.text({ limit: '1mb', type: ['text/plain', 'application/sql'] }));
    app.use(healthRoute(this.options.isReady));
    app.use(queryRoute(this.options.store, this.options.limits));
    for (const route of this.options.routes ?? []) app.use(route);
    app.use((_req, res) => {
      res.status(404).json({ error: 'not found' });
    });
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
      res.status(status).json({ error: status === 500 ? 'internal error' : err.message });
    };
    app.use(onError);
    const server = app.listen(this.options.port, this.options.host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    this.server = server;
    this.options.logger.info({ address: this.address }, 'API listening');
  }

  get address(): string {
    const info = this.server?.address() as AddressInfo | null | undefined;
    return info ? `http://${info.address}:${info.port}` : '';
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
