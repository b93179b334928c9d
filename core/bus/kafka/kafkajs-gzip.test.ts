import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { installSyncGzip } from './kafkajs-gzip.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;
type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const codec = () => CompressionCodecs[CompressionTypes.GZIP]() as Codec;

function problems(kafka: Record<string, unknown>) {
  const result = parseConfig({ bus: { kind: 'kafka', kafka: { brokers: ['kafka-1:9092'], ...kafka } } }, {});
  return result.ok ? [] : result.problems;
}

describe('kafkajs gzip codec', () => {
  // One file, one process: these run in order, as the codec's level is process-wide.
  const records = Buffer.from('{"body":"GET /api/v1/orders 200 12ms","host":"web-1"}\n'.repeat(2000));

  it('compresses synchronously at the configured level, and kafkajs decompresses it as before', async () => {
    const before = codec();
    installSyncGzip(1);
    const compressed = await codec().compress({ buffer: records });
    expect(compressed.equals(gzipSync(records, { level: 1 }))).toBe(true);
    expect(compressed.equals(gzipSync(records, { level: 6 }))).toBe(false);
    expect(gunzipSync(compressed).equals(records)).toBe(true);
    // kafkajs' own decompression (async, off the main thread) still reads the batches.
    expect((await codec().decompress(compressed)).equals(records)).toBe(true);
    expect((await before.decompress(compressed)).equals(records)).toBe(true);
  });

  it('installs once per process: the same level again is fine, another one is refused', () => {
    expect(() => installSyncGzip(1)).not.toThrow();
    expect(() => installSyncGzip(6)).toThrow(/bus\.kafka\.compression_level: .*gzip level 1, cannot also use 6/);
  });

  it('bus.kafka.compression_level takes 1 to 9 on kafkajs, and is refused with its path otherwise', () => {
    expect(problems({ compression_level: 1 })).toEqual([]);
    expect(problems({ compression_level: 9, client: 'kafkajs' })).toEqual([]);
    for (const bad of [0, 10, 2.5, 'fast']) expect(problems({ compression_level: bad }).map((p) => p.path)).toEqual(['bus.kafka.compression_level']);
    expect(problems({ compression_level: 0 })[0]!.message).toMatch(/gzip level from 1 to 9/);
    expect(problems({ compression_level: 1, client: 'platformatic' })).toEqual([{ path: 'bus.kafka.compression_level', message: expect.stringMatching(/only the kafkajs producer/) }]);
  });
});
