import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from a CA the server does not trust. */
  strangerCert: string;
  strangerKey: string;
}

/**
 * A throwaway CA, a server certificate for 127.0.0.1/localhost and client certificates, made
 * with the openssl CLI as an operator would. Files are written under `dir`.
 */
export function makeTestCerts(dir: string): TestCerts {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) => {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`));
  };
  const leaf = (name: string, caName: string, ext: string) => {
    writeFileSync(path(`${name}.ext`), ext);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`));
    openssl(
      'x509', '-req', '-in', path(`${name}.csr`), '-CA', path(`${caName}.crt`), '-CAkey', path(`${caName}.key`), '-CAcreateserial',
      '-days', '2', '-extfile', path(`${name}.ext`), '-out', path(`${name}.crt`),
    );
  };
  ca('vigil-test-ca');
  ca('stranger-ca');
  leaf('server', 'vigil-test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'vigil-test-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    caCert: path('vigil-test-ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    strangerCert: path('stranger.crt'),
    strangerKey: path('stranger.key'),
  };
}
