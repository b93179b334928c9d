import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/raw-request.ts';
import { startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// A web page the user has open must not be able to act on a vigil it can reach (the attacks of
// issue #9): cross-site POSTs without a preflight, DNS rebinding, CORS.
describe('a vigil on loopback without tokens: browser safety', () => {
  const dir = tempDir('browser');
  let vigil: VigilProcess;
  let port = 0;

  beforeAll(async () => {
    vigil = await startVigil(join(dir, 'data'), { collector: { hostmetrics: { enabled: false } } });
    port = Number(new URL(vigil.api).port);
  }, 90_000);
  afterAll(async () => {
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, headers: Record<string, string>, body: string) => rawRequest(`${vigil.api}${path}`, { method: 'POST', headers, body });

  it('refuses a cross-site text/plain or form POST (no preflight) to the query and silence endpoints', async () => {
    const evil = { Origin: 'https://evil.example' };
    expect((await post('/api/v1/query', { 'Content-Type': 'text/plain' }, 'SELECT 1')).status).toBe(415);
    expect((await post('/api/v1/query', { 'Content-Type': 'text/plain', ...evil }, 'SELECT 1')).status).toBe(403);
    expect((await post('/api/v1/query', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'sql=SELECT+1')).status).toBe(415);
    expect((await post('/api/v1/query', {}, 'SELECT 1')).status).toBe(415);
    const silence = JSON.stringify({ matchers: ['a="b"'], endsAt: Date.now() + 60_000, createdBy: 'evil', comment: '' });
    expect((await post('/api/v1/silences', { 'Content-Type': 'text/plain', ...evil }, silence)).status).toBe(403);
    expect((await post('/api/v1/silences', { 'Content-Type': 'text/plain' }, silence)).status).toBe(415);
    expect((await post('/api/v1/silences', { 'Content-Type': 'application/json', ...evil }, silence)).status).toBe(403);
    // Nothing of it was acted on.
    const list = await rawRequest(`${vigil.api}/api/v1/silences`);
    expect(list.body).not.toContain('evil');
  });

  it('still takes JSON from a same-origin page or a tool, and text/plain with a bearer header', async () => {
    expect((await post('/api/v1/query', { 'Content-Type': 'application/json' }, '{"sql":"SELECT 1 AS one"}')).status).toBe(200);
    expect((await post('/api/v1/query', { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${port}` }, '{"sql":"SELECT 1 AS one"}')).status).toBe(200);
    const plain = await post('/api/v1/query', { 'Content-Type': 'text/plain', Authorization: 'Bearer any-header-proves-no-simple-request' }, 'SELECT 1 AS one');
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body).data).toEqual([{ one: 1 }]);
  });

  it('refuses a Host that is not one of its names (DNS rebinding), except on health checks', async () => {
    const rebound = await rawRequest(`${vigil.api}/api/v1/alerts`, { headers: { Host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('api.allowed_hosts');
    expect((await rawRequest(`${vigil.api}/api/v1/alerts`, { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    expect((await rawRequest(`${vigil.api}/api/v1/alerts`, { headers: { Host: `[::1]:${port}` } })).status).toBe(200);
    expect((await rawRequest(`${vigil.api}/healthz`, { headers: { Host: 'attacker.example' } })).status).toBe(200);
  });

  it('grants no CORS: no Access-Control-Allow-Origin on a preflight or a response', async () => {
    const preflight = await rawRequest(`${vigil.api}/api/v1/query`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const get = await rawRequest(`${vigil.api}/api/v1/alerts`, { headers: { Origin: 'https://evil.example' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('a listener bound beyond loopback', () => {
  it('refuses to start without a token, naming the listener', async () => {
    const dir = tempDir('exposed');
    try {
      await expect(startVigil(join(dir, 'data'), { collector: { hostmetrics: { enabled: false } }, api: { host: '0.0.0.0' } })).rejects.toThrow(
        /API listener on 0\.0\.0\.0 \(api\.host\).*no auth token is configured/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
