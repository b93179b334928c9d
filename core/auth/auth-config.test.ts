import { describe, expect, it } from 'vitest';
import { parseConfig, redactConfig } from '../config/index.ts';

const problems = (raw: unknown) => {
  const result = parseConfig(raw, {});
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('auth and tls config', () => {
  it('reports each mistake with its path', () => {
    expect(problems({ auth: { tokens: [{ name: 'a', roles: ['read'] }] } })).toEqual(['auth.tokens[0].token: set exactly one of token or token_file']);
    expect(problems({ auth: { tokens: [{ name: 'a', token: 'x'.repeat(20), token_file: '/t', roles: ['read'] }] } })).toEqual([
      'auth.tokens[0].token: set exactly one of token or token_file',
    ]);
    expect(problems({ auth: { tokens: [{ name: 'a', token: 'x'.repeat(20), roles: ['root'] }] } })[0]).toMatch(/^auth\.tokens\[0\]\.roles\[0\]: /);
    expect(problems({ auth: { tokens: [{ name: 'a', token: 'x'.repeat(20), roles: [] }] } })).toEqual(['auth.tokens[0].roles: expected at least one of ingest, read, admin']);
    expect(
      problems({ auth: { tokens: [{ name: 'a', token: 'x'.repeat(20), roles: ['read'] }, { name: 'a', token: 'y'.repeat(20), roles: ['admin'] }] } }),
    ).toEqual(['auth.tokens[1].name: duplicate token name "a"']);
    expect(problems({ auth: { token: 'x' } })[0]).toMatch(/^auth: .*token/);
    expect(problems({ api: { tls: { cert_file: '/c.pem' } } })[0]).toMatch(/^api\.tls\.key_file: /);
    expect(problems({ collector: { otlp: { tls: { cert_file: '/c', key_file: '/k', client_ca: '/ca' } } } })[0]).toMatch(/^collector\.otlp\.tls: .*client_ca/);
    expect(problems({ api: { cors_origins: ['not a url'] } })[0]).toMatch(/^api\.cors_origins\[0\]: /);
    expect(problems({ store: { kind: 'clickhouse', url: 'https://ch:8443', tls: { ca_file: '/ca', cert_file: '/c' } } })).toEqual([
      'store.tls.key_file: cert_file and key_file go together (mutual TLS)',
    ]);
  });

  it('defaults to no tokens, no TLS, no extra hosts and no CORS', () => {
    const result = parseConfig({}, {});
    expect(result.ok && { auth: result.config.auth, tls: result.config.api.tls, hosts: result.config.api.allowed_hosts, cors: result.config.api.cors_origins }).toEqual({
      auth: { tokens: [], allow_anonymous: false },
      tls: undefined,
      hosts: [],
      cors: [],
    });
  });

  it('redacts tokens and passwords when config is printed, but shows where secret files are', () => {
    const result = parseConfig(
      {
        auth: { tokens: [{ name: 'ops', token: 'inline-token-value-123', roles: ['admin'] }, { name: 'ci', token_file: '/run/secrets/vigil-ci', roles: ['ingest'] }] },
        bus: { kind: 'kafka', kafka: { brokers: ['k:9093'], sasl: { mechanism: 'scram-sha-512', username: 'vigil', password: 'kafka-password-value' } } },
        store: { kind: 'clickhouse', url: 'https://vigil:ch-password-value@ch:8443', password: 'store-password-value', tls: { ca_file: '/etc/ssl/ch-ca.pem' } },
      },
      {},
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const printed = JSON.stringify(redactConfig(result.config));
    for (const secret of ['inline-token-value-123', 'kafka-password-value', 'ch-password-value', 'store-password-value']) expect(printed).not.toContain(secret);
    for (const shown of ['/run/secrets/vigil-ci', '/etc/ssl/ch-ca.pem', '"username":"vigil"', '"name":"ops"']) expect(printed).toContain(shown);
  });
});
