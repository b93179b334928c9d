import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition-of.ts';

describe('partitionOf', () => {
  it("places every key where kafkajs' (the Java client's) partitioner does, from its cache as well, past the cache's bound", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    for (const partitions of [6, 7]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 5000; i++) {
          const key = `host-${i % 5003}/svc-${i % 7}`;
          expect(partitionOf('otlp_logs', key, partitions)).toBe(partitioner({ topic: 'otlp_logs', partitionMetadata, message: { key, value: null } }));
        }
      }
    }
  });
});
