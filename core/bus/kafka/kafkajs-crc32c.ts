import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** kafkajs 2.2.4's files (package.json pins that version; kafkajs is unmaintained since 2023). */
const KAFKAJS = dirname(require.resolve('kafkajs/package.json'));
/** Its CRC-32C, pure JavaScript, one table lookup per byte. */
export const KAFKAJS_CRC32C = join(KAFKAJS, 'src/protocol/recordBatch/crc32C/index.js');
/** Its record batch encoder, the one module that requires the CRC (`const crc32C = require('../crc32C')`). */
export const KAFKAJS_RECORD_BATCH = join(KAFKAJS, 'src/protocol/recordBatch/v0/index.js');

type Crc32c = (buffer: Buffer) => number;

export type Crc32cInstall = { native: true } | { native: false; reason: string };

let installed: Crc32cInstall | undefined;

/**
 * Makes kafkajs checksum its record batches with @node-rs/crc32's native CRC-32C (SSE 4.2 /
 * ARMv8 instructions) instead of its JavaScript one: ~0.5 bytes/ns against ~7 for the native, and
 * it runs over every compressed batch on the main thread (~10% of the collector's main thread at
 * gzip level 6).
 *
 * kafkajs has no hook for the checksum, so this replaces the exports of its crc32C module in
 * Node's require cache, before its record batch encoder loads and takes them (kafkajs loads
 * that encoder lazily, with the first produce request or fetch). Contained: the replacement is
 * checked against kafkajs' own function on sample inputs first; when the native module is
 * absent (it is an optional dependency), the encoder already loaded, or the files moved, kafkajs
 * keeps its own CRC (same bytes, slower) and the reason is returned for the caller to log. A
 * wrong CRC could not pass silently either: the broker refuses such a batch (CORRUPT_MESSAGE).
 */
export function installNativeCrc32c(): Crc32cInstall {
  if (installed) return installed;
  installed = install();
  return installed;
}

function install(): Crc32cInstall {
  let native: Crc32c;
  try {
    native = (require('@node-rs/crc32') as { crc32c: Crc32c }).crc32c;
  } catch (error) {
    return { native: false, reason: `@node-rs/crc32 did not load (${(error as Error).message.split('\n')[0]})` };
  }
  if (require.cache[KAFKAJS_RECORD_BATCH]) return { native: false, reason: 'kafkajs had already loaded its record batch encoder' };
  let own: Crc32c;
  try {
    own = require(KAFKAJS_CRC32C) as Crc32c;
  } catch (error) {
    return { native: false, reason: `kafkajs' crc32C module did not load (${(error as Error).message.split('\n')[0]})` };
  }
  for (const sample of samples()) {
    if (native(sample) !== own(sample)) return { native: false, reason: `@node-rs/crc32's crc32c differs from kafkajs' on a ${sample.length}-byte sample` };
  }
  require.cache[KAFKAJS_CRC32C]!.exports = (buffer: Buffer) => native(buffer);
  return { native: true };
}

/** Empty, short, unaligned and long inputs, including a subarray at an odd offset (the encoder hands over slices). */
function samples(): Buffer[] {
  const long = Buffer.alloc(70_001);
  for (let i = 0; i < long.length; i++) long[i] = (i * 2654435761) >>> 24;
  return [Buffer.alloc(0), Buffer.from('123456789'), long.subarray(3, 1030), long];
}
