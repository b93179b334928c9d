/**
 * How a collector's records sit in the broker's log, read from the segment files' record batch
 * headers (Kafka's message format v2): how many produce batches, how many messages each, the
 * compression codec, and whether every batch came from an idempotent producer (a producer id).
 * Fewer, larger batches are much of what the broker's CPU per record depends on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface BatchCensus {
  batches: number;
  messages: number;
  messages_per_batch: number;
  codecs: string[];
  /** Every batch carries a producer id (idempotent producer, so acks=all and no duplicates on retry). */
  idempotent: boolean;
}

export function recordBatches(logDir: string, topic: string): BatchCensus {
  let batches = 0;
  let messages = 0;
  let idempotent = true;
  const codecs = new Set<string>();
  for (const partition of readdirSync(logDir).filter((d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)))) {
    for (const segment of readdirSync(join(logDir, partition)).filter((f) => f.endsWith('.log'))) {
      const bytes = readFileSync(join(logDir, partition, segment));
      // baseOffset int64, batchLength int32 (bytes after this field), then the header fields.
      for (let at = 0; at + 61 <= bytes.length; at += 12 + bytes.readInt32BE(at + 8)) {
        const magic = bytes.readInt8(at + 16);
        if (magic !== 2) throw new Error(`${partition}/${segment}: record batch of magic ${magic} at byte ${at}`);
        const attributes = bytes.readInt16BE(at + 21);
        codecs.add(CODECS[attributes & 7] ?? `codec ${attributes & 7}`);
        if (bytes.readBigInt64BE(at + 43) < 0n) idempotent = false;
        batches += 1;
        messages += bytes.readInt32BE(at + 57);
      }
    }
  }
  return { batches, messages, messages_per_batch: batches ? Number((messages / batches).toFixed(1)) : 0, codecs: [...codecs].sort(), idempotent };
}
