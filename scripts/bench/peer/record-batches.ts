/**
 * How a collector's records sit in the broker's log, read from the segment files' record batch
 * headers (Kafka's message format v2): how many produce batches, how many messages each, the
 * compression codec, whether every batch came from an idempotent producer (a producer id), and
 * the bytes written, compressed and not (uncompressed_bytes counts gzip and uncompressed batches,
 * the only codecs the two collectors use here). Fewer, larger batches are much of what the
 * broker's CPU per record depends on; the bytes tell whether two gzip "levels" compress alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface BatchCensus {
  batches: number;
  messages: number;
  messages_per_batch: number;
  codecs: string[];
  /** The batches' bytes in the log (headers included): what the producer wrote and the broker stores. */
  bytes: number;
  /** Their records' bytes before compression (gzip batches inflated here), headers excluded. */
  uncompressed_bytes: number;
  /** Every batch carries a producer id (idempotent producer, so acks=all and no duplicates on retry). */
  idempotent: boolean;
}

export function recordBatches(logDir: string, topic: string): BatchCensus {
  let batches = 0;
  let messages = 0;
  let idempotent = true;
  let bytes = 0;
  let uncompressedBytes = 0;
  const codecs = new Set<string>();
  for (const partition of readdirSync(logDir).filter((d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)))) {
    for (const segment of readdirSync(join(logDir, partition)).filter((f) => f.endsWith('.log'))) {
      const log = readFileSync(join(logDir, partition, segment));
      // baseOffset int64, batchLength int32 (bytes after this field), then the header fields
      // (61 bytes in all), then the records, compressed as the attributes say.
      for (let at = 0; at + 61 <= log.length; at += 12 + log.readInt32BE(at + 8)) {
        const magic = log.readInt8(at + 16);
        if (magic !== 2) throw new Error(`${partition}/${segment}: record batch of magic ${magic} at byte ${at}`);
        const attributes = log.readInt16BE(at + 21);
        const codec = CODECS[attributes & 7] ?? `codec ${attributes & 7}`;
        codecs.add(codec);
        if (log.readBigInt64BE(at + 43) < 0n) idempotent = false;
        batches += 1;
        messages += log.readInt32BE(at + 57);
        const end = at + 12 + log.readInt32BE(at + 8);
        bytes += end - at;
        const records = log.subarray(at + 61, end);
        if (codec === 'none') uncompressedBytes += records.length;
        else if (codec === 'gzip') uncompressedBytes += gunzipSync(records).length;
      }
    }
  }
  return { batches, messages, messages_per_batch: batches ? Number((messages / batches).toFixed(1)) : 0, codecs: [...codecs].sort(), idempotent, bytes, uncompressed_bytes: uncompressedBytes };
}
