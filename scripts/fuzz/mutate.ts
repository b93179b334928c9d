import { decodeJson, encodeProtobuf } from '../../core/model/index.ts';
import type { Seed } from './sdk-seeds.ts';

/** mulberry32: a small seeded PRNG, so a failing input is reproduced from its seed and index. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, list: readonly T[]): T => list[int(random, list.length)]!;

// Values at the edges of what the columns and OTLP allow: past 2262 and 2106, negative, empty,
// wrong lengths for ids, wrong types, huge and deep values.
const deep = (n: number): unknown => (n === 0 ? { stringValue: 'leaf' } : { kvlistValue: { values: [{ key: 'k', value: deep(n - 1) }] } });
const INTERESTING: unknown[] = [
  '9300000000000000000', '18446744073709551615', '9223372036854775807', '4294967296000000000', '-1', '0', '1', '', 'zz', 'abc',
  '00000000000000000000000000000000', '0000000000000000', 'aabbccddeeff00112233445566778899aa', 'abcdef',
  0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, 99, 255, 256, 65536, 2 ** 31, -(2 ** 31) - 1,
  null, true, false, [], {}, 'x'.repeat(3000), '\u0000\uffff\ud800', deep(40), deep(5),
];

function mutateBytes(random: Random, bytes: Uint8Array, other: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes);
  const at = int(random, Math.max(1, b.length));
  switch (int(random, 8)) {
    case 0:
      if (b.length) b[at] = b[at]! ^ (1 << int(random, 8));
      return b;
    case 1:
      if (b.length) b[at] = pick(random, [0, 0x7f, 0x80, 0xff, 0x0a, 0x22, 0x7b, 0x5b, int(random, 256)]);
      return b;
    case 2:
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(random, 8) }, () => int(random, 256))), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(random, 16)))]);
    case 4: {
      const len = 1 + int(random, 64);
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at)]);
    }
    case 5:
      return b.subarray(0, at);
    case 6: {
      const cut = int(random, Math.max(1, other.length));
      return Buffer.concat([b.subarray(0, at), other.subarray(cut)]);
    }
    default: {
      // A varint-looking run: protobuf lengths and field numbers at their edges.
      const run = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01].slice(int(random, 9)));
      return Buffer.concat([b.subarray(0, at), run, b.subarray(at)]);
    }
  }
}

/** Paths to every value of a parsed JSON document. */
function slots(value: unknown, out: Array<{ parent: any; key: string | number }>, depth = 0): void {
  if (depth > 40 || value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    out.push({ parent: value, key: Array.isArray(value) ? Number(key) : key });
    slots(child, out, depth + 1);
  }
}

function mutateStructure(random: Random, document: unknown): void {
  const all: Array<{ parent: any; key: string | number }> = [];
  slots(document, all);
  if (all.length === 0) return;
  const slot = pick(random, all);
  switch (int(random, 5)) {
    case 0:
      delete slot.parent[slot.key];
      return;
    case 1:
      if (Array.isArray(slot.parent)) slot.parent.push(...Array.from({ length: 1 + int(random, 20) }, () => structuredClone(slot.parent[slot.key])));
      return;
    default:
      slot.parent[slot.key] = structuredClone(pick(random, INTERESTING));
  }
}

/**
 * One fuzz input from the seeds: half the time the document is changed as OTLP/JSON (values at
 * the edges, removed fields, repeated records) and re-encoded in the seed's encoding, so it
 * passes the decoder and reaches validation; otherwise (and on top) bytes are flipped,
 * inserted, cut and spliced, which exercises the decoders.
 */
export function mutate(random: Random, seeds: readonly Seed[]): Seed {
  const seed = pick(random, seeds);
  let bytes: Uint8Array = seed.bytes;
  if (random() < 0.5) {
    const document = structuredClone(seed.document);
    for (let i = 1 + int(random, 3); i > 0; i--) mutateStructure(random, document);
    const text = JSON.stringify(document) ?? 'null';
    if (seed.encoding === 'json') bytes = Buffer.from(text);
    else {
      try {
        bytes = encodeProtobuf(seed.signal, decodeJson(seed.signal, text));
      } catch {
        bytes = seed.bytes; // not representable in protobuf: mutate the bytes instead
      }
    }
    if (random() < 0.7) return { ...seed, bytes };
  }
  const others = seeds.filter((s) => s.signal === seed.signal && s.encoding === seed.encoding);
  for (let i = 1 + int(random, 4); i > 0; i--) bytes = mutateBytes(random, bytes, pick(random, others).bytes);
  return { ...seed, bytes };
}

