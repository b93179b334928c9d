import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaSecurity, KafkaBus, type IncomingMessage } from '../core/bus/index.ts';
import { parseConfig } from '../core/config/index.ts';
import { createLogger } from '../core/telemetry/index.ts';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { makeTestCerts, type TestCerts } from './support/test-certs.ts';

// A real Kafka 4.1 broker whose client listener takes only SASL/PLAIN over TLS (SASL_SSL, with a
// certificate from a CA the test makes); vigil's bus reaches it through the same config path
// users write (bus.kafka.tls, bus.kafka.sasl → kafkajs, and → @platformatic/kafka for its producer).
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" ' +
  'user_broker="broker-secret" user_vigil="vigil-sasl-secret";';

let kafka: KafkaCluster;
let certs: TestCerts;
const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-tls-'));
const buses: KafkaBus[] = [];

beforeAll(async () => {
  certs = makeTestCerts(dir);
  // Kafka reads PEM key stores: the private key and the certificate chain in one file.
  const keystore = join(dir, 'broker-keystore.pem');
  writeFileSync(keystore, readFileSync(certs.serverKey, 'utf8') + readFileSync(certs.serverCert, 'utf8'));
  kafka = await startKafka({
    properties: {
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': keystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caCert,
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.plaintext.plain.sasl.jaas.config': JAAS,
    },
  });
}, 180_000);

afterAll(async () => {
  for (const bus of buses) await bus.shutdown().catch(() => {});
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Client = 'kafkajs' | 'platformatic';

function bus(client: Client, security: { sasl?: Record<string, unknown>; tls?: Record<string, unknown> }, topic: string, group: string): KafkaBus {
  const parsed = parseConfig({ bus: { kind: 'kafka', kafka: { brokers: kafka.bootstrap.split(','), client, ...security } } }, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const b = new KafkaBus({
    brokers: kafka.bootstrap.split(','),
    clientId: group,
    groupId: group,
    topics: [topic],
    partitions: 1,
    replicationFactor: 1,
    deadLetterTopic: `${topic}-dlq`,
    maxPendingBytes: 1 << 20,
    retryAfterMs: 1000,
    maxBatchMessages: 10,
    sessionTimeoutMs: 6000,
    logger: createLogger('silent'),
    security: kafkaSecurity(parsed.config.bus.kafka),
    client,
  });
  buses.push(b);
  return b;
}

const message = (text: string) => ({ signal: 'logs' as const, key: 'k', size: text.length, bytes: () => Buffer.from(text) });

const SASL = { mechanism: 'plain', username: 'vigil', password: 'vigil-sasl-secret' };

describe.each(['kafkajs', 'platformatic'] as const)('Kafka with SASL/PLAIN over TLS, producer on %s', (client) => {
  it('publishes and consumes with the configured CA, username and password', async () => {
    const topic = `sasl-ok-${client}-${Date.now()}`;
    const b = bus(client, { tls: { ca_file: certs.caCert }, sasl: SASL }, topic, `sasl-ok-${Date.now()}`);
    await b.start();
    const received: IncomingMessage[] = [];
    await b.subscribe([topic], async (_t, _p, messages) => {
      received.push(...messages);
    });
    await b.publish(topic, [message('over-sasl')]);
    const deadline = Date.now() + 60_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(received.map((m) => Buffer.from(m.value).toString())).toEqual(['over-sasl']);
  }, 120_000);

  it('is refused with a wrong password, without SASL, without TLS, or when the CA is not trusted; publish never reports success', async () => {
    const topic = `sasl-bad-${client}-${Date.now()}`;
    const tls = { ca_file: certs.caCert };
    const attempts = [
      { tls, sasl: { ...SASL, password: 'wrong-password' } },
      { tls },
      { sasl: SASL },
      { tls: {}, sasl: SASL }, // the system CAs do not know the test CA
    ];
    for (const security of attempts) {
      const b = bus(client, security, topic, `sasl-bad-${Date.now()}`);
      await b.start();
      await expect(b.publish(topic, [message('should-not-arrive')])).rejects.toThrow();
      await b.shutdown();
    }
  }, 120_000);
});
