import { ServerCredentials } from '@grpc/grpc-js';
import { readTlsFiles, TlsConfigError, type ListenerTls } from '../../core/tls/index.ts';

/**
 * Insecure credentials, or TLS from the listener's `tls:` (the same shape as every other
 * listener); with client_ca_file, clients must present a certificate that CA signed.
 */
export async function serverCredentials(tls: ListenerTls | undefined, setting: string): Promise<ServerCredentials> {
  if (!tls) return ServerCredentials.createInsecure();
  const { cert, key, ca } = await readTlsFiles(tls, setting);
  try {
    return ServerCredentials.createSsl(ca ?? null, [{ private_key: key, cert_chain: cert }], ca !== undefined);
  } catch (err) {
    throw new TlsConfigError(`${setting}: ${(err as Error).message}`);
  }
}
