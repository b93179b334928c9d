import { createServer as createHttp, type RequestListener, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readTlsFiles } from './read-tls-files.ts';
import { TlsConfigError, type ListenerTls } from './tls-config.ts';

/**
 * An HTTP server, or an HTTPS one when `tls` is given. Files are read once here, so a missing
 * or unreadable file fails startup with the config path that named it.
 */
export async function createServer(handler: RequestListener, tls: ListenerTls | undefined, setting: string): Promise<Server> {
  if (!tls) return createHttp(handler);
  const { cert, key, ca } = await readTlsFiles(tls, setting);
  try {
    return createHttps(
      // TLS 1.2 is the floor OpenTelemetry SDKs and Prometheus accept; 1.0/1.1 are broken.
      { cert, key, ca, requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined, minVersion: 'TLSv1.2' },
      handler,
    );
  } catch (err) {
    // e.g. a key that does not match the certificate: say which listener, not a bare OpenSSL code.
    throw new TlsConfigError(`${setting}: ${(err as Error).message}`);
  }
}

/** "https" for a server created with TLS, else "http" (for logged addresses). */
export function schemeOf(tls: ListenerTls | undefined): 'http' | 'https' {
  return tls ? 'https' : 'http';
}
