import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '../../test/support/test-certs.ts';
import { ClickHouseStore } from './clickhouse-store.ts';

// No ClickHouse server runs here (FIELD-NOTES), so this checks the TLS part of the connection
// only: an https endpoint that answers ClickHouse's /ping as the server does ("Ok.\n"),
// with a certificate from a private CA, optionally demanding a client certificate.
const dir = mkdtempSync(join(tmpdir(), 'vigil-ch-tls-'));
let certs: TestCerts;
let server: Server;
let url = '';
const seen: Array<{ path: string; clientCert: boolean }> = [];

beforeAll(async () => {
  certs = makeTestCerts(dir);
  server = createServer(
    { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), ca: readFileSync(certs.caCert), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const clientCert = (req.socket as import('node:tls').TLSSocket).authorized;
      seen.push({ path: req.url ?? '', clientCert });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Ok.\n');
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('ClickHouseStore over https', () => {
  it('trusts a server signed by store.tls.ca_file', async () => {
    const store = new ClickHouseStore({ url, tls: { ca_file: certs.caCert } });
    await store.start();
    await store.shutdown();
    expect(seen.at(-1)).toEqual({ path: expect.stringMatching(/^\/ping/), clientCert: false });
  });

  it('presents a client certificate for mutual TLS', async () => {
    const store = new ClickHouseStore({ url, tls: { ca_file: certs.caCert, cert_file: certs.clientCert, key_file: certs.clientKey } });
    await store.start();
    await store.shutdown();
    expect(seen.at(-1)?.clientCert).toBe(true);
  });

  it('refuses a server its CA did not sign, and names a missing CA file', async () => {
    const before = seen.length;
    await expect(new ClickHouseStore({ url }).start()).rejects.toThrow(/cannot reach ClickHouse at https:\/\/127\.0\.0\.1:\d+: .*certificate/i);
    expect(seen.length).toBe(before);
    await expect(new ClickHouseStore({ url, tls: { ca_file: join(dir, 'nope.pem') } }).start()).rejects.toThrow(/^store\.tls\.ca_file: cannot read .*nope\.pem: ENOENT$/);
  });
});
