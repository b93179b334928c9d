import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { installNativeCrc32c, KAFKAJS_CRC32C, KAFKAJS_RECORD_BATCH } from './kafkajs-crc32c.ts';

const require = createRequire(import.meta.url);
type Crc32c = (buffer: Buffer) => number;
type RecordBatch = (options: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
const ROOT = join(import.meta.dirname, '../../..');

/** kafkajs' JavaScript CRC-32C itself (the table function under its crc32C module), unsigned as kafkajs writes it. */
const javascriptCrc32c = (buffer: Buffer) => (require(join(KAFKAJS_CRC32C, '../crc32C.js')) as Crc32c)(buffer) >>> 0;

describe('native CRC-32C for kafkajs record batches', () => {
  it('is installed before kafkajs loads its record batch encoder, which then writes the same checksums faster', async () => {
    // This file loads kafkajs' encoder only below, as the producer does on its first request.
    expect(require.cache[KAFKAJS_RECORD_BATCH]).toBeUndefined();
    expect(installNativeCrc32c()).toEqual({ native: true });
    expect(installNativeCrc32c()).toEqual({ native: true });
    const installed = require(KAFKAJS_CRC32C) as Crc32c;
    expect(installed).not.toBe(require(join(KAFKAJS_CRC32C, '../crc32C.js')));

    const { RecordBatch } = require(KAFKAJS_RECORD_BATCH) as { RecordBatch: RecordBatch };
    // The encoder took the replaced module: it is the one it required.
    expect(require.cache[KAFKAJS_RECORD_BATCH]!.children.map((m) => m.exports)).toContain(installed);
    const Record = require(join(KAFKAJS_RECORD_BATCH, '../../record/v0/index.js')) as (options: Record<string, unknown>) => unknown;
    const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`{"body":"GET /api/v1/orders/${i * 7919} 200","host":"web-${i % 3}"}`.repeat(20)));
    for (const compression of [kafkajs.CompressionTypes.None, kafkajs.CompressionTypes.GZIP]) {
      const records = values.map((value, i) => Record({ key: `resource-${i % 4}`, value, offsetDelta: i, timestampDelta: 0 }));
      const batch = (await RecordBatch({ compression, records, lastOffsetDelta: records.length - 1 })).buffer;
      // firstOffset int64, length int32, partitionLeaderEpoch int32, magic int8, crc uint32 over the rest.
      expect(batch.readUInt32BE(17)).toBe(javascriptCrc32c(batch.subarray(21)));
    }
    // On inputs of every length and alignment, it is kafkajs' function.
    const bytes = Buffer.from(Array.from({ length: 4099 }, (_, i) => (i * 131 + (i >> 5)) & 0xff));
    for (let length = 0; length < 70; length++) for (const at of [0, 1, 3]) expect(installed(bytes.subarray(at, at + length))).toBe(javascriptCrc32c(bytes.subarray(at, at + length)));
    expect(installed(bytes)).toBe(javascriptCrc32c(bytes));
  });

  it('leaves kafkajs its own CRC, and says why, when the encoder loaded first', () => {
    // A new process: the encoder is loaded before the install, as it would be by a fetch or produce request.
    const script = `
      import { createRequire } from 'node:module';
      import { installNativeCrc32c, KAFKAJS_RECORD_BATCH } from './core/bus/kafka/kafkajs-crc32c.ts';
      createRequire(KAFKAJS_RECORD_BATCH)(KAFKAJS_RECORD_BATCH);
      process.stdout.write(JSON.stringify(installNativeCrc32c()));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ native: false, reason: 'kafkajs had already loaded its record batch encoder' });
  });
});
