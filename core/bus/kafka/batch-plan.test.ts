import { describe, expect, it } from 'vitest';
import { batchId, cutBatch, planMetadata, plannedLastOffset } from './batch-plan.ts';

const msgs = (...offsets: number[]) => offsets.map((o) => ({ offset: String(o), value: new Uint8Array(10) }));

describe('batch plans', () => {
  it('round-trips the planned last offset through commit metadata', () => {
    expect(plannedLastOffset(planMetadata('12345678901234567'))).toBe(12345678901234567n);
    expect(plannedLastOffset(null)).toBeUndefined();
    expect(plannedLastOffset('')).toBeUndefined();
    expect(plannedLastOffset('someone-else')).toBeUndefined();
    expect(plannedLastOffset('vigil-plan:x')).toBeUndefined();
  });

  it('names a batch by topic, partition and offset range', () => {
    expect(batchId('otlp_logs', 3, '10', '19')).toBe('otlp_logs/3/10-19');
  });

  it('namespaces a batch by Kafka cluster and by the first message\'s log time (a recreated topic restarts offsets)', () => {
    const a = batchId('otlp_logs', 3, '0', '9', { clusterId: 'clusterA', firstTimestamp: '1764000000000' });
    expect(a).toBe('clusterA/otlp_logs/3/0-9@1764000000000');
    expect(batchId('otlp_logs', 3, '0', '9', { clusterId: 'clusterB', firstTimestamp: '1764000000000' })).not.toBe(a);
    expect(batchId('otlp_logs', 3, '0', '9', { clusterId: 'clusterA', firstTimestamp: '1764000999999' })).not.toBe(a);
    expect(batchId('otlp_metrics', 3, '0', '9', { clusterId: 'clusterA', firstTimestamp: '1764000000000' })).not.toBe(a);
  });

  it('without a plan, cuts up to maxMessages', () => {
    expect(cutBatch(msgs(5, 6, 7), undefined, 2)).toEqual({ ready: msgs(5, 6), rest: msgs(7) });
    expect(cutBatch(msgs(5), undefined, 2)).toEqual({ ready: msgs(5), rest: [] });
    expect(cutBatch([], undefined, 2)).toEqual({ ready: undefined, rest: [] });
  });

  it('without a plan, cuts before the message that would pass maxBytes, but takes at least one', () => {
    expect(cutBatch(msgs(5, 6, 7), undefined, 100, 25)).toEqual({ ready: msgs(5, 6), rest: msgs(7) });
    expect(cutBatch(msgs(5, 6, 7), undefined, 100, 30)).toEqual({ ready: msgs(5, 6, 7), rest: [] });
    expect(cutBatch(msgs(5, 6), undefined, 100, 3)).toEqual({ ready: msgs(5), rest: msgs(6) });
  });

  it('with a plan, rebuilds exactly the planned range whatever its size (the plan, not the bounds of today, decides on replay)', () => {
    expect(cutBatch(msgs(5, 6, 7, 8), 7n, 100, 1)).toEqual({ ready: msgs(5, 6, 7), rest: msgs(8) });
  });

  it('with a plan, rebuilds exactly the planned range whatever the fetch sizes', () => {
    expect(cutBatch(msgs(5, 6, 7, 8), 6n, 100)).toEqual({ ready: msgs(5, 6), rest: msgs(7, 8) });
    expect(cutBatch(msgs(5, 6), 6n, 1)).toEqual({ ready: msgs(5, 6), rest: [] });
  });

  it('with a plan, waits while the planned range is incomplete', () => {
    expect(cutBatch(msgs(5, 6), 9n, 100)).toEqual({ ready: undefined, rest: msgs(5, 6) });
  });

  it('with a plan whose last offset vanished (compaction), cuts at the next higher offset', () => {
    expect(cutBatch(msgs(5, 6, 9), 7n, 100)).toEqual({ ready: msgs(5, 6), rest: msgs(9) });
  });
});
