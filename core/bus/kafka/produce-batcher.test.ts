import { describe, expect, it } from 'vitest';
import { ProduceBatcher, type PartitionRecords, type ProduceRecord } from './produce-batcher.ts';

const record = (key: string, bytes = 10): ProduceRecord => ({ key, value: Buffer.alloc(bytes) });

/** A broker stand-in that holds each request until the test answers it; `keys` lists each partition's. */
function heldSends() {
  const requests: Array<{ topic: string; keys: Record<number, string[]>; ack(): void; fail(e: Error): void }> = [];
  const send = (topic: string, partitions: PartitionRecords[]) =>
    new Promise<void>((ack, fail) => requests.push({ topic, keys: Object.fromEntries(partitions.map((p) => [p.partition, p.records.map((r) => r.key)])), ack, fail }));
  return { requests, send };
}

/** Timers the test fires by hand. */
function manualTimers() {
  const due: Array<() => void> = [];
  return { setTimer: (run: () => void) => void due.push(run), fire: () => due.splice(0).forEach((run) => run()) };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('ProduceBatcher', () => {
  it('sends what arrived within the linger, every partition of the topic in one request', async () => {
    const { requests, send } = heldSends();
    const timers = manualTimers();
    const batcher = new ProduceBatcher({ lingerMs: 5, maxBatchBytes: 1 << 20, send, setTimer: timers.setTimer });
    const acked: string[] = [];
    for (const k of ['a', 'b', 'c']) void batcher.add('logs', 0, record(k)).then(() => acked.push(k));
    void batcher.add('logs', 1, record('d')).then(() => acked.push('d'));
    void batcher.add('spans', 0, record('e')).then(() => acked.push('e'));
    await settled();
    expect(requests).toHaveLength(0); // lingering
    timers.fire();
    expect(requests.map((r) => [r.topic, r.keys])).toEqual([
      ['logs', { 0: ['a', 'b', 'c'], 1: ['d'] }],
      ['spans', { 0: ['e'] }],
    ]);
    requests[0]!.ack();
    await settled();
    expect(acked).toEqual(['a', 'b', 'c', 'd']); // each resolves with its own request, not the other topic's
  });

  it('a partition in flight waits for its request; idle partitions go without it, and then together', async () => {
    const { requests, send } = heldSends();
    const timers = manualTimers();
    const batcher = new ProduceBatcher({ lingerMs: 5, maxBatchBytes: 1 << 20, send, setTimer: timers.setTimer });
    void batcher.add('logs', 0, record('a'));
    timers.fire();
    void batcher.add('logs', 0, record('b')); // partition 0 is in flight
    void batcher.add('logs', 1, record('c'));
    timers.fire();
    expect(requests.map((r) => r.keys)).toEqual([{ 0: ['a'] }, { 1: ['c'] }]);
    void batcher.add('logs', 1, record('d'));
    requests[0]!.ack();
    await settled();
    expect(requests.map((r) => r.keys)).toEqual([{ 0: ['a'] }, { 1: ['c'] }, { 0: ['b'] }]); // 1 is still in flight
    requests[1]!.ack();
    await settled();
    expect(requests.at(-1)!.keys).toEqual({ 1: ['d'] });
  });

  it('queues behind a request in flight and sends the queue as soon as it returns', async () => {
    const { requests, send } = heldSends();
    const timers = manualTimers();
    const batcher = new ProduceBatcher({ lingerMs: 5, maxBatchBytes: 1 << 20, send, setTimer: timers.setTimer });
    void batcher.add('logs', 0, record('a'));
    timers.fire();
    for (const k of ['b', 'c', 'd']) void batcher.add('logs', 0, record(k));
    expect(requests).toHaveLength(1); // one request in flight per partition keeps sequences in order
    requests[0]!.ack();
    await settled();
    expect(requests.map((r) => r.keys[0])).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('a failed request fails only the records it carried', async () => {
    const { requests, send } = heldSends();
    const timers = manualTimers();
    const batcher = new ProduceBatcher({ lingerMs: 5, maxBatchBytes: 1 << 20, send, setTimer: timers.setTimer });
    const outcome = (p: Promise<void>) => p.then(() => 'ok', (e: Error) => e.message);
    const a = outcome(batcher.add('logs', 0, record('a')));
    const b = outcome(batcher.add('logs', 1, record('b')));
    const s = outcome(batcher.add('spans', 0, record('s')));
    timers.fire();
    const c = outcome(batcher.add('logs', 0, record('c')));
    requests[0]!.fail(new Error('leader gone'));
    requests[1]!.ack();
    await settled();
    requests[2]!.ack();
    expect(await Promise.all([a, b, s, c])).toEqual(['leader gone', 'leader gone', 'ok', 'ok']);
  });

  it('cuts requests at the byte bound without waiting for the linger, and a lone big record still goes', async () => {
    const { requests, send } = heldSends();
    const timers = manualTimers();
    const batcher = new ProduceBatcher({ lingerMs: 5, maxBatchBytes: 100, send, setTimer: timers.setTimer });
    void batcher.add('logs', 0, record('big', 250));
    expect(requests.map((r) => r.keys[0])).toEqual([['big']]);
    for (const k of ['a', 'b', 'c']) void batcher.add('logs', 0, record(k, 40));
    requests[0]!.ack();
    await settled();
    expect(requests.map((r) => r.keys[0])).toEqual([['big'], ['a', 'b']]);
    requests[1]!.ack();
    await settled();
    expect(requests.map((r) => r.keys[0])).toEqual([['big'], ['a', 'b'], ['c']]);
  });

  it('drain sends what is queued and waits for every request', async () => {
    const batcher = new ProduceBatcher({ lingerMs: 60_000, maxBatchBytes: 1 << 20, send: async () => {}, setTimer: () => undefined });
    const acked = Promise.all([batcher.add('logs', 0, record('a')), batcher.add('spans', 3, record('b'))]);
    await batcher.drain();
    await expect(acked).resolves.toBeDefined();
  });
});
