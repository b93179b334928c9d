import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiRoute } from './ui-route.ts';

let server: Server;
let base = '';

beforeAll(async () => {
  const app = express();
  app.use(uiRoute());
  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('web UI route', () => {
  it.each(['/', '/nodes/web-1', '/nodes/a.b-c', '/logs', '/traces', '/traces/5b8efff798038103d269b633813fc60c', '/alerts', '/silences', '/rules', '/sql'])(
    'answers the shell at %s, so shared links load directly',
    async (path) => {
      const res = await fetch(`${base}${path}?from=now-1h`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('<script type="module" src="/ui/app.ts">');
    },
  );

  it('serves browser modules as JavaScript, transpiled from TypeScript', async () => {
    const res = await fetch(`${base}/ui/log-query/compile-log-query.ts`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const code = await res.text();
    expect(code).toMatch(/function compileLogQuery[\s\S]*export/);
    expect(code).not.toMatch(/: CompiledLogQuery|interface /);
  });

  it('serves uPlot from node_modules (no CDN)', async () => {
    const js = await fetch(`${base}/vendor/uplot.esm.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain('export');
    expect((await fetch(`${base}/vendor/uplot.min.css`)).status).toBe(200);
  });

  it.each(['/ui/../api-server.ts', '/ui/%2e%2e/api-server.ts', '/ui/..%2fapi-server.ts', '/ui/index.html', '/ui/app.js', '/ui/App.ts', '/ui/missing.ts', '/nodes/a/b', '/traces/not-hex', '/vendor/uPlot.cjs.js', '/ui/pages/../../api/ui-route.ts'])(
    'serves nothing else: %s',
    async (path) => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
    },
  );
});
