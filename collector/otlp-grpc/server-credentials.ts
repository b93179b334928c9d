import { readFile } from 'node:fs/promises';
import { ServerCredentials } from '@grpc/grpc-js';
import { TlsConfigError, type ListenerTls } from '../../core/tls/index.ts';

/**
 * Insecure credentials, or TLS from the listener's `tls:` (the same shape as every other
 * listener); with client_ca_file, clients must present a certificate that CA signed.
 */
export async function serverCredentials(tls: ListenerTls | undefined, setting: string): Promise<ServerCredentials> {
  if (!tls) return ServerCredentials.createInsecure();
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
    return ServerCredentials.createSsl(ca ?? null, [{ private_key: key, cert_chain: cert }], ca !== undefined);
  } catch (err) {
    throw new TlsConfigError(`${setting}: ${(err as Error).message}`);
  }
}
