import { readFile } from 'node:fs/promises';
import { TlsConfigError, type ListenerTls } from './tls-config.ts';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** Present when clients must show a certificate this CA signed (mutual TLS). */
  ca?: Buffer;
}

/**
 * Reads a listener's PEM files once, at startup, so a missing or unreadable file fails with the
 * config path that named it (`api.tls.key_file: cannot read …: ENOENT`).
 */
export async function readTlsFiles(tls: ListenerTls, setting: string): Promise<TlsFiles> {
  const read = async (key: keyof ListenerTls) => {
    const file = tls[key]!;
    try {
      return await readFile(file);
    } catch (err) {
      throw new TlsConfigError(`${setting}.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const [cert, key, ca] = await Promise.all([read('cert_file'), read('key_file'), tls.client_ca_file ? read('client_ca_file') : undefined]);
  return { cert, key, ca };
}
