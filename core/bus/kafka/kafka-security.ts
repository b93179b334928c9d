import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

/** `bus.kafka.tls` and `bus.kafka.sasl` as configured. */
export interface KafkaSecurityConfig {
  tls?: { ca_file?: string; cert_file?: string; key_file?: string; server_name?: string };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password?: string; password_file?: string };
}

/** The part of kafkajs' client config that secures the connection: spread into `new Kafka({…})`. */
export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/**
 * Maps the config to kafkajs' `ssl` (Node TLS options) and `sasl`. Files are read here, once,
 * so a missing file fails startup with the config path that named it.
 */
export function kafkaSecurity(config: KafkaSecurityConfig): KafkaSecurity {
  const out: KafkaSecurity = {};
  const read = (path: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`bus.kafka.${path}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  if (config.tls) {
    const { ca_file, cert_file, key_file, server_name } = config.tls;
    const ssl: ConnectionOptions = { rejectUnauthorized: true };
    if (ca_file) ssl.ca = [read('tls.ca_file', ca_file)];
    if (cert_file) ssl.cert = read('tls.cert_file', cert_file);
    if (key_file) ssl.key = read('tls.key_file', key_file);
    if (server_name) ssl.servername = server_name;
    out.ssl = ssl;
  }
  if (config.sasl) {
    const { mechanism, username, password, password_file } = config.sasl;
    const secret = password_file ? read('sasl.password_file', password_file).replace(/\r?\n$/, '') : password!;
    out.sasl = { mechanism, username, password: secret } as SASLOptions;
  }
  return out;
}
