import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test/support/raw-request.ts';
import { allowedHostNames, corsGuard, crossSiteGuard, hostGuard, hostNameOf } from './browser-guard.ts';

// The guards in front of a route that counts what reaches it: a refused request must not.
let server: Server;
let base = '';
let port = 0;
let reached = 0;

beforeAll(async () => {
  const app = express();
  app.use(hostGuard(allowedHostNames('127.0.0.1', ['vigil.example.com'])));
  app.use(corsGuard(['https://grafana.example.com']));
  app.use(crossSiteGuard(['https://grafana.example.com']));
  app.use((_req, res) => {
    reached += 1;
    res.json({ ok: true });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

type Case = [name: string, method: string, path: string, headers: Record<string, string>, status: number];
const h = (host: string) => ({ Host: host.replace('PORT', String(port)) });

// One line per attack (or per request that must keep working).
const cases: Case[] = [
  ['text/plain POST (form-less CSRF)', 'POST', '/api/v1/query', { 'Content-Type': 'text/plain' }, 415],
  ['form POST', 'POST', '/api/v1/silences', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
  ['multipart POST', 'POST', '/api/v1/silences', { 'Content-Type': 'multipart/form-data; boundary=x' }, 415],
  ['POST without a content type (fetch no-cors)', 'POST', '/api/v1/query', {}, 415],
  ['text/plain POST from a foreign origin', 'POST', '/api/v1/query', { 'Content-Type': 'text/plain', Origin: 'https://evil.example' }, 403],
  ['JSON POST from a foreign origin', 'POST', '/api/v1/query', { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, 403],
  ['POST from an opaque origin (sandboxed iframe)', 'POST', '/api/v1/query', { 'Content-Type': 'application/json', Origin: 'null' }, 403],
  ['POST from the same host on another port', 'POST', '/api/v1/query', { 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:1' }, 403],
  ['DELETE from a foreign origin', 'DELETE', '/api/v1/silences/x', { Origin: 'https://evil.example' }, 403],
  ['PUT text/plain', 'PUT', '/api/v1/silences/x', { 'Content-Type': 'text/plain' }, 415],
  ['DNS rebinding: foreign Host', 'GET', '/api/v1/alerts', h('attacker.example:PORT'), 403],
  ['foreign Host on a POST', 'POST', '/api/v1/query', { ...h('attacker.example'), 'Content-Type': 'application/json' }, 403],
  ['Host that only starts like ours', 'GET', '/api/v1/alerts', h('127.0.0.1.attacker.example:PORT'), 403],
  ['Host with a trailing-dot variant of a configured name', 'GET', '/api/v1/alerts', h('vigil.example.com.attacker.example'), 403],
  // What must keep working:
  ['JSON POST from a tool', 'POST', '/api/v1/query', { 'Content-Type': 'application/json' }, 200],
  ['JSON POST with charset', 'POST', '/api/v1/query', { 'Content-Type': 'application/json; charset=utf-8' }, 200],
  ['text/plain POST with a bearer header', 'POST', '/api/v1/query', { 'Content-Type': 'text/plain', Authorization: 'Bearer t' }, 200],
  ['JSON POST from its own page', 'POST', '/api/v1/query', { 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:PORT' }, 200],
  ['JSON POST from a configured CORS origin', 'POST', '/api/v1/query', { 'Content-Type': 'application/json', Origin: 'https://grafana.example.com' }, 200],
  ['DELETE from a tool', 'DELETE', '/api/v1/silences/x', {}, 200],
  ['GET with localhost', 'GET', '/api/v1/alerts', h('localhost:PORT'), 200],
  ['GET with [::1]', 'GET', '/api/v1/alerts', h('[::1]:PORT'), 200],
  ['GET with a configured name, any case', 'GET', '/api/v1/alerts', h('Vigil.Example.COM'), 200],
  ['health check with any Host', 'GET', '/healthz', h('10.1.2.3:PORT'), 200],
];

describe('browser guards', () => {
  it.each(cases)('%s → %s %s: %i', async (_name, method, path, headers, status) => {
    const before = reached;
    const fixed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('PORT', String(port))]));
    const res = await rawRequest(`${base}${path}`, { method, headers: fixed, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
    expect(res.status).toBe(status);
    expect(reached - before).toBe(status === 200 ? 1 : 0);
  });

  it('sends CORS headers to configured origins only', async () => {
    const preflight = (origin: string) =>
      rawRequest(`${base}/api/v1/query`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } });
    const granted = await preflight('https://grafana.example.com');
    expect(granted.status).toBe(204);
    expect(granted.headers['access-control-allow-origin']).toBe('https://grafana.example.com');
    expect(granted.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const refused = await preflight('https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('reads host names out of Host headers', () => {
    expect(['example.com:80', '[::1]:8080', '[::1]', 'LOCALHOST', '127.0.0.1'].map(hostNameOf)).toEqual(['example.com', '::1', '::1', 'localhost', '127.0.0.1']);
    expect(allowedHostNames('127.0.0.1', ['*'])).toBe('any');
  });
});
