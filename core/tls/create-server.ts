import { readFile } from 'node:fs/promises';
import { createServer as createHttp, type RequestListener, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';

/** `tls:` of a listener, as in the config: PEM file paths. */
export interface ListenerTls {
  cert_file: string;
  key_file: string;
  /** When set, clients must present a certificate signed by this CA (mutual TLS). */
  client_ca_file?: string;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

/**
 * An HTTP server, or an HTTPS one when `tls` is given. Files are read once here, so a missing
 * or unreadable file fails startup with the config path that named it.
 */
export async function createServer(handler: RequestListener, tls: ListenerTls | undefined, setting: string): Promise<Server> {
  if (!tls) return createHttp(handler);
  const read = async (key: keyof ListenerTls) => {
    const file = tls[key]!;
    try {
      return await readFile(file);
    } catch (err) {
      throw new TlsConfigError(`${setting}.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const [cert, key, ca] = await Promise.all([read('cert_file'), read('key_file'), tls.client_ca_file ? read('client_ca_file') : undefined]);
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
