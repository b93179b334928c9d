import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/raw-request.ts';
import { makeTestCerts, type TestCerts } from './support/test-certs.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const INGEST = 'ingest-e2e-7f3a9c1d2b4e';
const READ = 'read-e2e-5d8e2a7c9f1b0';
const ADMIN = 'admin-e2e-3c6b9e1f4a7d2';
/** A Slack-style webhook URL path: the secret is the path. */
const HOOK_SECRET_PATH = '/services/T000/B000/XXXXsecretXXXX';

/** The real OTel SDK (sample service) with the standard OTEL_EXPORTER_OTLP_HEADERS and a CA. */
async function runSdk(endpoint: string, runId: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/sample-service.ts')], {
    cwd: ROOT,
    env: { ...process.env, OTLP_PROTOCOL: 'protobuf', OTLP_ENDPOINT: endpoint, RUN_ID: runId, LOG_COUNT: '8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((res) => child.once('exit', res));
  return { code, stderr };
}

describe('a vigil with tokens, TLS on OTLP and mutual TLS on the API', () => {
  const dir = tempDir('security');
  let certs: TestCerts;
  let vigil: VigilProcess;
  let hook: Server;
  let hookHits = 0;
  let configFile = '';
  let client: { ca: Buffer; cert: Buffer; key: Buffer };

  const api = (path: string, options: Parameters<typeof rawRequest>[1] = {}) => rawRequest(`${vigil.api}${path}`, { ...client, ...options });
  const query = async (sql: string, token = READ) => {
    const res = await api('/api/v1/query', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ sql }) });
    if (res.status !== 200) throw new Error(`query ${res.status}: ${res.body}`);
    return (JSON.parse(res.body) as { data: Array<Record<string, unknown>> }).data;
  };

  beforeAll(async () => {
    certs = makeTestCerts(dir);
    client = { ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
    // A webhook receiver that always fails, so its URL would land in errors, status and the log.
    hook = createServer((req, res) => {
      hookHits += 1;
      req.resume();
      res.writeHead(400).end();
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}${HOOK_SECRET_PATH}?token=query-secret`;
    const readTokenFile = join(dir, 'read.token');
    writeFileSync(readTokenFile, `${READ}\n`);
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, JSON.stringify({ groups: [{ name: 'g', interval: '1s', rules: [{ alert: 'LogsArrived', kind: 'logs', window: '10m', op: '>', value: 0 }] }] }));
    const notifications = join(dir, 'notifications.yaml');
    writeFileSync(
      notifications,
      JSON.stringify({
        route: { receiver: 'chat', group_wait: '1s', group_interval: '1m', repeat_interval: '1h' },
        receivers: [{ name: 'chat', webhook_configs: [{ url: hookUrl, hmac_secret: 'hmac-secret-value', max_retry_time: '1s' }] }],
      }),
    );
    const config = {
      auth: {
        tokens: [
          { name: 'collector', token: INGEST, roles: ['ingest'] },
          { name: 'grafana', token_file: readTokenFile, roles: ['read'] },
          { name: 'ops', token: ADMIN, roles: ['admin'] },
        ],
      },
      collector: { hostmetrics: { enabled: false }, otlp: { tls: { cert_file: certs.serverCert, key_file: certs.serverKey } } },
      api: { tls: { cert_file: certs.serverCert, key_file: certs.serverKey, client_ca_file: certs.caCert } },
      alerts: { rule_files: [rules], notification_file: notifications },
    };
    configFile = join(dir, 'config.json.yaml');
    writeFileSync(configFile, JSON.stringify(config));
    vigil = await startVigil(join(dir, 'data'), config);
  }, 90_000);

  afterAll(async () => {
    await vigil?.stop();
    await new Promise((r) => hook?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on https for OTLP and the API', () => {
    expect(vigil.otlp).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(vigil.api).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores what the real OTel SDK sends with OTEL_EXPORTER_OTLP_HEADERS, and nothing it sends without', async () => {
    const runId = `tok-${Date.now()}`;
    const withToken = await runSdk(vigil.otlp, runId, { NODE_EXTRA_CA_CERTS: certs.caCert, OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${INGEST}` });
    expect(withToken.code, withToken.stderr).toBe(0);
    const anonRun = `anon-${Date.now()}`;
    await runSdk(vigil.otlp, anonRun, { NODE_EXTRA_CA_CERTS: certs.caCert });
    await eventually(async () => Number((await query(`SELECT count() AS n FROM otel_logs WHERE ServiceName = 'sample-${runId}'`))[0]!.n) === 8);
    const [traces] = await query(`SELECT count() AS n FROM otel_traces WHERE ServiceName = 'sample-${runId}'`);
    expect(Number(traces!.n)).toBe(2);
    const [anon] = await query(`SELECT count() AS n FROM otel_logs WHERE ServiceName = 'sample-${anonRun}'`);
    expect(Number(anon!.n)).toBe(0);
  }, 60_000);

  it('answers OTLP 401 without a token and 403 for a token without the ingest role', async () => {
    const ca = client.ca;
    const post = (headers: Record<string, string>) =>
      rawRequest(`${vigil.otlp}/v1/logs`, { method: 'POST', ca, headers: { 'Content-Type': 'application/json', ...headers }, body: '{"resourceLogs":[]}' });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="vigil"');
    expect((await post({ Authorization: 'Bearer not-a-token-at-all-000' })).status).toBe(401);
    expect((await post({ Authorization: `Bearer ${READ}` })).status).toBe(403);
    expect((await post({ Authorization: `Bearer ${INGEST}` })).status).toBe(200);
    // Plain http to the TLS port gets no OTLP answer (a 400 from the TLS layer, or a reset).
    const plain = await rawRequest(`${vigil.otlp.replace('https', 'http')}/v1/logs`, { method: 'POST', body: '{}' }).then((r) => r.status, () => 0);
    expect(plain).not.toBe(200);
  });

  it('refuses API clients without a certificate from the configured CA (mutual TLS)', async () => {
    await expect(rawRequest(`${vigil.api}/healthz`, { ca: client.ca })).rejects.toThrow(/certificate|socket hang up|ECONNRESET|alert/i);
    await expect(rawRequest(`${vigil.api}/healthz`, { ca: client.ca, cert: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) })).rejects.toThrow(
      /certificate|socket hang up|ECONNRESET|alert|unknown ca/i,
    );
    expect((await api('/healthz')).status).toBe(200);
  });

  it('gives each role what it may do: health open, read for queries and alerts, admin for silences', async () => {
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const json = { 'Content-Type': 'application/json' };
    expect((await api('/readyz')).status).toBe(200);
    const anonymous = await api('/api/v1/alerts');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="vigil"');
    expect((await api('/api/v1/alerts', { headers: bearer(INGEST) })).status).toBe(403);
    expect((await api('/api/v1/alerts', { headers: bearer(READ) })).status).toBe(200);
    expect((await api('/api/v1/rules', { headers: bearer(ADMIN) })).status).toBe(200);
    const sql = JSON.stringify({ sql: 'SELECT 1 AS one' });
    expect((await api('/api/v1/query', { method: 'POST', headers: { ...json, ...bearer(INGEST) }, body: sql })).status).toBe(403);
    expect((await api('/api/v1/query', { method: 'POST', headers: { ...json, ...bearer(READ) }, body: sql })).status).toBe(200);
    const silence = JSON.stringify({ matchers: ['alertname="LogsArrived"'], endsAt: Date.now() + 60_000, createdBy: 'test', comment: '' });
    const denied = await api('/api/v1/silences', { method: 'POST', headers: { ...json, ...bearer(READ) }, body: silence });
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toContain('insufficient_scope');
    const created = await api('/api/v1/silences', { method: 'POST', headers: { ...json, ...bearer(ADMIN) }, body: silence });
    expect(created.status).toBeLessThan(300);
    const id = JSON.parse(created.body).data.id as string;
    expect((await api(`/api/v1/silences/${id}`, { method: 'DELETE', headers: bearer(READ) })).status).toBe(403);
    expect((await api(`/api/v1/silences/${id}`, { method: 'DELETE', headers: bearer(ADMIN) })).status).toBe(200);
  });

  it('shows the webhook URL as scheme and host only in status, the notification log and logs; never logs tokens', async () => {
    // One log record makes the logs rule fire, and its notification fail at the webhook.
    const record = { timeUnixNano: `${Date.now()}000000`, body: { stringValue: 'trigger' } };
    const sent = await rawRequest(`${vigil.otlp}/v1/logs`, {
      method: 'POST',
      ca: client.ca,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${INGEST}` },
      body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [record] }] }] }),
    });
    expect(sent.status).toBe(200);
    await eventually(async () => hookHits > 0, 30_000);
    const origin = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    let status = '';
    await eventually(async () => {
      status = (await api('/api/v1/status', { headers: { Authorization: `Bearer ${ADMIN}` } })).body;
      return status.includes('"failed":1') || /"failed":[1-9]/.test(status);
    }, 30_000);
    expect(status).toContain(origin);
    let errors: Array<Record<string, unknown>> = [];
    await eventually(async () => (errors = await query(`SELECT error FROM vigil_notifications WHERE status = 'failed'`)).length > 0, 15_000);
    expect(String(errors[0]!.error)).toContain(origin);
    const logs = JSON.stringify(vigil.logs);
    expect(logs).toContain(origin);
    for (const secret of [HOOK_SECRET_PATH, 'query-secret', 'hmac-secret-value', INGEST, READ, ADMIN]) {
      expect(status).not.toContain(secret);
      expect(JSON.stringify(errors)).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  }, 60_000);

  it('redacts tokens in `vigil config print`, keeping token_file paths', () => {
    const printed = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'config', 'print', '--config', configFile], { cwd: ROOT, encoding: 'utf8' });
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('read.token');
    expect(printed.stdout).toContain('<redacted>');
    for (const secret of [INGEST, READ, ADMIN]) expect(printed.stdout).not.toContain(secret);
  });
});

describe('the CLI against a vigil with VIGIL_AUTH_TOKEN', () => {
  const dir = tempDir('cli-token');
  const TOKEN = 'cli-e2e-token-9a8b7c6d5e';
  let vigil: VigilProcess;

  beforeAll(async () => {
    // The spawned vigil takes its environment at spawn, which startVigil does before its first await.
    process.env.VIGIL_AUTH_TOKEN = TOKEN;
    const starting = startVigil(join(dir, 'data'), { collector: { hostmetrics: { enabled: false } } });
    delete process.env.VIGIL_AUTH_TOKEN;
    vigil = await starting;
  }, 90_000);
  afterAll(async () => {
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], token?: string) => {
    const env: Record<string, string | undefined> = { ...process.env, VIGIL_AUTH_TOKEN: token };
    return spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args], { cwd: ROOT, encoding: 'utf8', env });
  };

  it('vigil query and vigil silence send the token from VIGIL_AUTH_TOKEN, and say what is missing without it', () => {
    const ok = cli(['query', '--api', vigil.api, '--format', 'csv', 'SELECT 41 + 1 AS answer'], TOKEN);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('42');
    const denied = cli(['query', '--api', vigil.api, 'SELECT 1']);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(/authentication required.*VIGIL_AUTH_TOKEN/);
    const added = cli(['silence', '--api', vigil.api, 'add', 'host="db-1"', '-d', '5m'], TOKEN);
    expect(added.status, added.stderr).toBe(0);
    const listed = cli(['silence', '--api', vigil.api, 'list'], TOKEN);
    expect(listed.stdout).toContain(added.stdout.trim());
    const anonymous = cli(['silence', '--api', vigil.api, 'list']);
    expect(anonymous.status).toBe(1);
    expect(anonymous.stderr).toMatch(/VIGIL_AUTH_TOKEN/);
  }, 60_000);
});

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
