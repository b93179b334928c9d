import { gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { installSyncGunzip } from './kafkajs-gunzip.ts';
import { installSyncGzip } from './kafkajs-gzip.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;
type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const codec = () => CompressionCodecs[CompressionTypes.GZIP]() as Codec;

describe('kafkajs gunzip (consumer side)', () => {
  // One file, one process: these run in order, as kafkajs' codec table is process-wide.
  const records = Buffer.from('{"body":"GET /api/v1/orders 200 12ms","host":"web-1"}\n'.repeat(2000));

  it('decompresses record batches synchronously, whoever compressed them, and leaves compression as it was', async () => {
    const kafkajsOwn = codec();
    const fromKafkajs = await kafkajsOwn.compress({ buffer: records });
    installSyncGunzip();
    installSyncGunzip(); // idempotent
    expect((await codec().decompress(fromKafkajs)).equals(records)).toBe(true);
    expect((await codec().decompress(gzipSync(records, { level: 9 }))).equals(records)).toBe(true);
    // Inflated on this thread: the batch is there after a microtask, no trip to the libuv pool.
    let done = false;
    void codec().decompress(fromKafkajs).then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(true);
    let viaPool = false;
    void kafkajsOwn.decompress(fromKafkajs).then(() => (viaPool = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(viaPool).toBe(false);
    // Compression is still kafkajs' own (asynchronous, default level).
    expect((await codec().compress({ buffer: records })).equals(fromKafkajs)).toBe(true);
  });

  it('keeps decompressing synchronously when the producer codec is installed after it, which compresses at its level', async () => {
    installSyncGzip(1);
    const compressed = await codec().compress({ buffer: records });
    expect(compressed.equals(gzipSync(records, { level: 1 }))).toBe(true);
    expect((await codec().decompress(compressed)).equals(records)).toBe(true);
  });

  it('rejects a corrupt batch (kafkajs fails the fetch), and does not throw synchronously', async () => {
    const corrupt = Buffer.from(gzipSync(records));
    corrupt.fill(0x41, 20, 60);
    const pending = codec().decompress(corrupt);
    await expect(pending).rejects.toThrow();
  });
});
