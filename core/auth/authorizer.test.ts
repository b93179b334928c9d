import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertExposureAllowed, createAuthorizer, isLoopback, loadTokens, type Role } from './index.ts';

const INGEST = 'ingest-token-0123456789';
const READ = 'read-token-0123456789ab';
const ADMIN = 'admin-token-0123456789a';

async function authorizer() {
  return createAuthorizer(
    await loadTokens(
      [
        { name: 'collector', token: INGEST, roles: ['ingest'] },
        { name: 'grafana', token: READ, roles: ['read'] },
        { name: 'ops', token: ADMIN, roles: ['admin'] },
      ],
      {},
    ),
  );
}

describe('authorize', () => {
  it('is open when no token is configured', () => {
    const auth = createAuthorizer([]);
    expect(auth.enabled).toBe(false);
    expect(auth.authorize(undefined, 'admin').status).toBe('ok');
  });

  // [header, required role, expected status]
  const table: Array<[string | undefined, Role, 'ok' | 401 | 403]> = [
    [undefined, 'read', 401],
    ['', 'read', 401],
    [`Basic ${Buffer.from(`x:${READ}`).toString('base64')}`, 'read', 401],
    [`Bearer ${READ}x`, 'read', 401],
    [`Bearer ${READ.slice(0, -1)}`, 'read', 401],
    [`Bearer  ${READ}`, 'read', 'ok'],
    [`bearer ${READ}`, 'read', 'ok'],
    [`Bearer ${READ}`, 'ingest', 403],
    [`Bearer ${READ}`, 'admin', 403],
    [`Bearer ${INGEST}`, 'ingest', 'ok'],
    [`Bearer ${INGEST}`, 'read', 403],
    [`Bearer ${ADMIN}`, 'ingest', 'ok'],
    [`Bearer ${ADMIN}`, 'read', 'ok'],
    [`Bearer ${ADMIN}`, 'admin', 'ok'],
  ];
  it.each(table)('%s for %s → %s', async (header, role, want) => {
    const result = (await authorizer()).authorize(header, role);
    expect(result.status).toBe(want);
    if (result.status !== 'ok') expect(JSON.stringify(result)).not.toContain('token-0123');
  });
});

describe('loadTokens', () => {
  it('reads token_file without its trailing newline and adds VIGIL_AUTH_TOKEN with every role', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-auth-'));
    await writeFile(join(dir, 'token'), `${READ}\n`);
    const tokens = await loadTokens([{ name: 'file', token_file: join(dir, 'token'), roles: ['read'] }], { VIGIL_AUTH_TOKEN: ADMIN });
    expect(tokens).toEqual([
      { name: 'file', secret: READ, roles: ['read'] },
      { name: 'env', secret: ADMIN, roles: ['ingest', 'read', 'admin'] },
    ]);
  });

  it('names the path of a bad token and never echoes it', async () => {
    expect(() => loadTokens([{ name: 'a', token: 'short-secret', roles: ['read'] }], {})).toThrow(/^auth\.tokens\[0\]\.token: token must be at least 16/);
    expect(() => loadTokens([], { VIGIL_AUTH_TOKEN: 'short-secret' })).toThrow(/^VIGIL_AUTH_TOKEN: /);
    expect(() => loadTokens([{ name: 'a', token_file: '/nonexistent/vigil-token', roles: ['read'] }], {})).toThrow(
      /^auth\.tokens\[0\]\.token_file: cannot read \/nonexistent\/vigil-token: ENOENT/,
    );
    expect(() => loadTokens([{ name: 'a', token: 'has a space in the secret', roles: ['read'] }], {})).toThrow(/^auth\.tokens\[0\]\.token: token must be printable ASCII without spaces$/);
  });
});

describe('assertExposureAllowed', () => {
  const api = (host: string) => ({ name: 'API', setting: 'api.host', host });
  it('allows loopback without tokens and refuses other binds unless allowed', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
      expect(isLoopback(host)).toBe(true);
      expect(() => assertExposureAllowed(api(host), { enabled: false, allowAnonymous: false })).not.toThrow();
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'vigil.example.com']) {
      expect(isLoopback(host)).toBe(false);
      expect(() => assertExposureAllowed(api(host), { enabled: false, allowAnonymous: false })).toThrow(/^API listener on .* \(api\.host\).*auth\.allow_anonymous/);
      expect(() => assertExposureAllowed(api(host), { enabled: true, allowAnonymous: false })).not.toThrow();
      expect(() => assertExposureAllowed(api(host), { enabled: false, allowAnonymous: true })).not.toThrow();
    }
  });
});
