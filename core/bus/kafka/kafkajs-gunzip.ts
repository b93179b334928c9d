import { unzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';

// CompressionCodecs is not among the names Node finds in kafkajs' CommonJS exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

let installed = false;

/**
 * Makes kafkajs' gzip codec decompress synchronously (the consumer side; compression is left to
 * whichever codec is installed, see kafkajs-gzip.ts). kafkajs decodes a fetch response one
 * record batch after the other, each awaiting zlib.unzip: a stream per batch on the libuv pool,
 * its output gathered in 16 KiB chunks, each a round trip between the threads. A processor
 * draining a backlog does nothing else meanwhile (kafkajs fetches again only once every batch
 * of the last fetch is stored, so the engine idles too): 3 × 8 MiB fetches of gzip'd OTLP logs
 * took 0.8–1.3 s each to arrive decoded. unzipSync inflates the same bytes with about half the
 * CPU and no thread hops; it holds the event loop ~1 ms per record batch of ~100 KB compressed.
 * Idempotent; installing kafkajs-gzip.ts's codec before or after keeps this decompression (it
 * delegates decompression to the codec it replaces).
 */
export function installSyncGunzip(): void {
  if (installed) return;
  installed = true;
  const previous = CompressionCodecs[CompressionTypes.GZIP]() as Codec;
  const codec: Codec = {
    compress: (encoder) => previous.compress(encoder),
    decompress: async (buffer) => unzipSync(buffer),
  };
  CompressionCodecs[CompressionTypes.GZIP] = () => codec;
}
