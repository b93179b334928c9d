import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { recordBatches } from './record-batches.ts';

const require = createRequire(import.meta.url);
const RECORD_BATCH = join(require.resolve('kafkajs/package.json'), '../src/protocol/recordBatch');
type Encode = (options: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
const { RecordBatch } = require(join(RECORD_BATCH, 'v0/index.js')) as { RecordBatch: Encode };
const Record = require(join(RECORD_BATCH, 'record/v0/index.js')) as (options: Record<string, unknown>) => { size(): number };

describe("bench:peer's census of a topic's segment files", () => {
  it('counts batches, messages and the bytes written, compressed and not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-census-'));
    try {
      const values = [Buffer.from('a'.repeat(5000)), Buffer.from('b'.repeat(3000)), Buffer.from('c'.repeat(100))];
      const records = () => values.map((value, i) => Record({ key: 'k', value, offsetDelta: i, timestampDelta: 0 }));
      // kafkajs' own encoder, as a producer writes the batches; an idempotent producer's id on the gzip one.
      const gzip = (await RecordBatch({ compression: kafkajs.CompressionTypes.GZIP, records: records(), lastOffsetDelta: 2, producerId: 7 })).buffer;
      const plain = (await RecordBatch({ compression: kafkajs.CompressionTypes.None, records: records().slice(0, 2), lastOffsetDelta: 1, producerId: 7 })).buffer;
      mkdirSync(join(dir, 'topic-0'));
      mkdirSync(join(dir, 'topic-1'));
      mkdirSync(join(dir, 'topic2-0')); // another topic's partition: not counted
      writeFileSync(join(dir, 'topic-0', '00000000000000000000.log'), gzip);
      writeFileSync(join(dir, 'topic-1', '00000000000000000000.log'), plain);
      writeFileSync(join(dir, 'topic2-0', '00000000000000000000.log'), plain);

      const census = recordBatches(dir, 'topic');
      const recordBytes = records().reduce((n, r) => n + r.size(), 0);
      expect(census).toMatchObject({ batches: 2, messages: 5, codecs: ['gzip', 'none'], idempotent: true, bytes: gzip.length + plain.length });
      expect(gzip.length).toBeLessThan(300); // repetitive values: compressed
      // Each record's bytes as encoded (length-prefixed), counted uncompressed in both batches.
      expect(census.uncompressed_bytes).toBe(recordBytes + (plain.length - 61));
      expect(census.uncompressed_bytes).toBeGreaterThan(8100 + 8000); // the values alone
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
