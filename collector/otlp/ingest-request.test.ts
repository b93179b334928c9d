import { describe, expect, it } from 'vitest';
import type { Bus, OutgoingMessage } from '../../core/bus/index.ts';
import { acceptRequest, decodeProtobuf, encodeProtobuf, RecordTooLargeError } from '../../core/model/index.ts';
import { ingestProtobuf, ingestRequest } from './ingest-request.ts';

/** Records what a Kafka bus would be asked to produce. */
class CapturingKafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  published: OutgoingMessage[] = [];
  async start() {}
  async shutdown() {}
  async subscribe() {}
  async publish(_topic: string, messages: OutgoingMessage[]) {
    this.published.push(...messages);
  }
}

const now = () => `${Date.now()}000000`;
const logs = (resources: number, perResource: number, size: number, bad = false) => ({
  resourceLogs: Array.from({ length: resources }, (_, r) => ({
    resource: { attributes: [{ key: 'host.name', value: { stringValue: `h${r}` } }, { key: 'service.name', value: { stringValue: 'svc' } }] },
    scopeLogs: [{ logRecords: Array.from({ length: perResource }, (_, i) => ({ timeUnixNano: bad && i === 0 ? '9300000000000000000' : now(), body: { stringValue: 'x'.repeat(size) } })) }],
  })),
});

describe('ingestRequest over Kafka', () => {
  it('publishes a request as received when it fits one message', async () => {
    const bus = new CapturingKafkaBus();
    const received = encodeProtobuf('logs', logs(1, 3, 10));
    const result = await ingestRequest('logs', decodeProtobuf('logs', received), received, received.length, { bus, topic: 't', receiver: 'otlp_http', maxMessageBytes: 1_000_000 });
    expect(result).toMatchObject({ records: 3, rejected: { count: 0 } });
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]!.bytes()).toBe(received);
  });

  it('splits a request over max_message_bytes into messages under it, keyed by their own resource, without losing a record', async () => {
    const bus = new CapturingKafkaBus();
    const request = logs(4, 10, 500, true);
    const result = await ingestRequest('logs', request, undefined, 0, { bus, topic: 't', receiver: 'otlp_http', maxMessageBytes: 4_000 });
    expect(result.rejected.count).toBe(4); // one record past 2262 per resource
    expect(bus.published.length).toBeGreaterThan(4);
    let records = 0;
    for (const message of bus.published) {
      const bytes = message.bytes();
      expect(bytes.length).toBeLessThanOrEqual(4_000);
      const part = decodeProtobuf('logs', bytes);
      expect(message.key).toBe(`h${part.resourceLogs![0]!.resource!.attributes![0]!.value!.stringValue!.slice(1)}/svc`);
      records += acceptRequest('logs', part).records;
    }
    expect(records).toBe(36);
  });

  it('refuses a single record larger than a message', async () => {
    const bus = new CapturingKafkaBus();
    await expect(ingestRequest('logs', logs(1, 1, 10_000), undefined, 0, { bus, topic: 't', receiver: 'otlp_http', maxMessageBytes: 4_000 })).rejects.toThrow(RecordTooLargeError);
    expect(bus.published).toHaveLength(0);
  });

  it('forwards valid protobuf as received, keyed by its first resource, without decoding it', async () => {
    const bus = new CapturingKafkaBus();
    const body = encodeProtobuf('logs', logs(2, 5, 10));
    const result = await ingestProtobuf('logs', body, { bus, topic: 't', receiver: 'otlp_http', maxMessageBytes: 1_000_000 });
    expect(result).toMatchObject({ records: 10, rejected: { count: 0 } });
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]!.bytes()).toBe(body);
    expect(bus.published[0]!.key).toBe('h0/svc');
    expect(bus.published[0]!.decoded).toBeUndefined();
  });

  it('takes the decoding path when a record is rejected, and reports it in partial_success', async () => {
    const bus = new CapturingKafkaBus();
    const body = encodeProtobuf('logs', logs(1, 3, 10, true));
    const result = await ingestProtobuf('logs', body, { bus, topic: 't', receiver: 'otlp_http', maxMessageBytes: 1_000_000 });
    expect(result).toMatchObject({ records: 3, rejected: { count: 1, reasons: { timestamp_out_of_range: 1 } } });
    const stored = decodeProtobuf('logs', bus.published[0]!.bytes());
    expect(stored.resourceLogs![0]!.scopeLogs![0]!.logRecords).toHaveLength(2);
  });
});
