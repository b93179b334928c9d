import { gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';

// CompressionCodecs is not among the names Node finds in kafkajs' CommonJS exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** What kafkajs hands a codec: its Encoder of the batch's records. */
interface RecordsEncoder {
  buffer: Buffer;
}

interface Codec {
  compress(encoder: RecordsEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Used when bus.kafka.compression_level is not set: 3, where zlib writes as many bytes as the
 * OpenTelemetry Collector's kafka exporter does at its default (franz-go's gzip is
 * klauspost/compress at level 5): 83.0 against 82.4 bytes per log record on bench:peer's batches,
 * 5.1× smaller than the records. zlib's own default, 6, wrote 8–10% fewer bytes for ~1 µs more
 * CPU per record (2.2 against 1.4 µs, the largest single cost of the collector's main thread).
 */
export const DEFAULT_GZIP_LEVEL = 3;

let installedLevel: number | undefined;

/**
 * Replaces kafkajs' gzip codec (through CompressionCodecs, its documented hook for codecs) with
 * one that compresses synchronously, at `level`. kafkajs' own runs zlib.gzip: a new stream per
 * record batch, its input handed to the libuv pool and its output gathered in 16 KiB chunks,
 * each a round trip between the threads. For a produce batch of ~85 KB that was 0.6–0.7 ms of
 * CPU against 0.46 ms for gzipSync (same level, same bytes), and its streams' native memory made
 * V8 run a full GC every ~120 batches. The collector is CPU-bound: on shared cores, throughput
 * follows total CPU per record, not main-thread time (which was half idle). The cost is the
 * event loop held ~0.5 ms per batch.
 *
 * Decompression (the consumer side) is delegated to the codec this replaces (kafkajs' own, or
 * kafkajs-gunzip.ts's synchronous one, whichever was installed first). kafkajs' codec
 * table is global, so there is one level per process: a second bus asking for another refuses
 * to start rather than silently compress at the first one's level.
 */
export function installSyncGzip(level = DEFAULT_GZIP_LEVEL): void {
  if (installedLevel === level) return;
  if (installedLevel !== undefined) {
    throw new Error(`bus.kafka.compression_level: this process already compresses at gzip level ${installedLevel}, cannot also use ${level}`);
  }
  installedLevel = level;
  const own = CompressionCodecs[CompressionTypes.GZIP]() as Codec;
  const options = { level };
  const codec: Codec = {
    compress: async (encoder) => gzipSync(encoder.buffer, options),
    decompress: (buffer) => own.decompress(buffer),
  };
  CompressionCodecs[CompressionTypes.GZIP] = () => codec;
}
