import { spawn } from 'node:child_process';
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

describe('a vigil with tokens, mutual TLS on OTLP and TLS on the API', () => {
  const dir = tempDir('security');
  let certs: TestCerts;
  let vigil: VigilProcess;
  let hook: Server;
  let hookHits = 0;
  /** What an OTLP client presents: trust in the CA, and its own certificate. */
  let client: { ca: Buffer; cert: Buffer; key: Buffer };

  const api = (path: string, options: Parameters<typeof rawRequest>[1] = {}) => rawRequest(`${vigil.api}${path}`, { ca: client.ca, ...options });
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
      collector: { hostmetrics: { enabled: false }, otlp: { tls: { cert_file: certs.serverCert, key_file: certs.serverKey, client_ca_file: certs.caCert } } },
      api: { tls: { cert_file: certs.serverCert, key_file: certs.serverKey } },
      alerts: { rule_files: [rules], notification_file: notifications },
    };
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
    // The SDK's standard variables: the CA to trust, its client certificate, and headers.
    const tls = { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caCert, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKey };
    const runId = `tok-${Date.now()}`;
    const anonRun = `anon-${Date.now()}`;
    const [withToken] = await Promise.all([
      runSdk(vigil.otlp, runId, { ...tls, OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${INGEST}` }),
      runSdk(vigil.otlp, anonRun, tls),
    ]);
    expect(withToken.code, withToken.stderr).toBe(0);
    await eventually(async () => Number((await query(`SELECT count() AS n FROM otel_logs WHERE ServiceName = 'sample-${runId}'`))[0]!.n) === 8);
    const [traces] = await query(`SELECT count() AS n FROM otel_traces WHERE ServiceName = 'sample-${runId}'`);
    expect(Number(traces!.n)).toBe(2);
    const [anon] = await query(`SELECT count() AS n FROM otel_logs WHERE ServiceName = 'sample-${anonRun}'`);
    expect(Number(anon!.n)).toBe(0);
  }, 60_000);

  it('answers OTLP 401 without a token and 403 for a token without the ingest role', async () => {
    const post = (headers: Record<string, string>) =>
      rawRequest(`${vigil.otlp}/v1/logs`, { method: 'POST', ...client, headers: { 'Content-Type': 'application/json', ...headers }, body: '{"resourceLogs":[]}' });
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

  it('refuses OTLP clients without a certificate from the configured CA (mutual TLS)', async () => {
    const body = { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${INGEST}` }, body: '{"resourceLogs":[]}' };
    await expect(rawRequest(`${vigil.otlp}/v1/logs`, { ...body, ca: client.ca })).rejects.toThrow(/certificate|socket hang up|ECONNRESET|alert/i);
    const stranger = { cert: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) };
    await expect(rawRequest(`${vigil.otlp}/v1/logs`, { ...body, ca: client.ca, ...stranger })).rejects.toThrow(/certificate|socket hang up|ECONNRESET|alert|unknown ca/i);
    expect((await rawRequest(`${vigil.otlp}/v1/logs`, { ...body, ...client })).status).toBe(200);
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
      ...client,
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

  // `vigil config print` redaction is covered by core/auth/auth-config.test.ts (it prints redactConfig()).
  it('lets `vigil query` and `vigil silence` send VIGIL_AUTH_TOKEN, and says when its role is not enough', async () => {
    const cli = (args: string[], token?: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.cjs'), ...args], {
          cwd: ROOT,
          env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caCert, VIGIL_AUTH_TOKEN: token ?? '' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.once('exit', (code) => done({ code, stdout, stderr }));
      });
    const [ok, added, anonymous] = await Promise.all([
      cli(['query', '--api', vigil.api, '--format', 'csv', 'SELECT 41 + 1 AS answer'], READ),
      cli(['silence', '--api', vigil.api, 'add', 'host="db-1"', '-d', '5m', '-c', 'cli-token-test'], ADMIN),
      cli(['silence', '--api', vigil.api, 'add', 'host="db-2"', '-d', '5m'], READ),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('42');
    expect(added.code, added.stderr).toBe(0);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/lacks the "admin" role.*the token lacks the role this command needs/);
    const list = await api('/api/v1/silences', { headers: { Authorization: `Bearer ${READ}` } });
    expect(list.body).toContain('cli-token-test');
    expect(list.body).not.toContain('db-2');
  }, 60_000);
});

