import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { kafkaSecurity } from './kafka-security.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-sec-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

function kafkaConfig(kafka: Record<string, unknown>) {
  const result = parseConfig({ bus: { kind: 'kafka', kafka: { brokers: ['kafka-1:9093'], ...kafka } } }, {});
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.bus.kafka;
}

describe('bus.kafka.tls and bus.kafka.sasl', () => {
  it('maps TLS with a private CA and a client certificate to kafkajs ssl options', () => {
    const ca = file('ca.pem', 'CA PEM');
    const cert = file('client.pem', 'CERT PEM');
    const key = file('client.key', 'KEY PEM');
    const security = kafkaSecurity(kafkaConfig({ tls: { ca_file: ca, cert_file: cert, key_file: key, server_name: 'kafka.internal' } }));
    expect(security).toEqual({ ssl: { rejectUnauthorized: true, ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM', servername: 'kafka.internal' } });
  });

  it('maps TLS with the system CAs, and adds nothing when neither is configured', () => {
    expect(kafkaSecurity(kafkaConfig({ tls: {} }))).toEqual({ ssl: { rejectUnauthorized: true } });
    expect(kafkaSecurity(kafkaConfig({}))).toEqual({});
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('maps SASL %s, with the password inline or from a file', (mechanism) => {
    expect(kafkaSecurity(kafkaConfig({ sasl: { mechanism, username: 'vigil', password: 'pw-inline' } }))).toEqual({ sasl: { mechanism, username: 'vigil', password: 'pw-inline' } });
    const passwordFile = file(`${mechanism}.pw`, 'pw-from-file\n');
    expect(kafkaSecurity(kafkaConfig({ sasl: { mechanism, username: 'vigil', password_file: passwordFile }, tls: {} }))).toEqual({
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism, username: 'vigil', password: 'pw-from-file' },
    });
  });

  it('reports config mistakes with their path', () => {
    const problems = (kafka: Record<string, unknown>) => {
      const result = parseConfig({ bus: { kind: 'kafka', kafka: { brokers: ['k:9093'], ...kafka } } }, {});
      return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems({ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } })[0]).toMatch(/^bus\.kafka\.sasl\.mechanism: /);
    expect(problems({ sasl: { mechanism: 'plain', username: 'u' } })).toEqual(['bus.kafka.sasl.password: set exactly one of password or password_file']);
    expect(problems({ tls: { cert_file: '/c.pem' } })).toEqual(['bus.kafka.tls.key_file: cert_file and key_file go together (mutual TLS)']);
    expect(problems({ tls: { ca: '/c.pem' } })[0]).toMatch(/^bus\.kafka\.tls: .*ca/);
    expect(() => kafkaSecurity(kafkaConfig({ tls: { ca_file: join(dir, 'missing.pem') } }))).toThrow(/^bus\.kafka\.tls\.ca_file: cannot read .*missing\.pem: ENOENT$/);
  });
});
