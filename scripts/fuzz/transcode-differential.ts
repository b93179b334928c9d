import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { acceptRequest, decodeJson, decodeProtobuf, encodeProtobuf, MalformedOtlpError, type Signal } from '../../core/model/index.ts';
import { transcodeRequest, type TranscodedRequest } from '../../core/model/transcode/index.ts';
import { RowBinaryEncoder } from '../../core/store/row-binary/row-binary-encoder.ts';
import { mutate, prng } from './mutate.ts';
import { otlpRequest } from './otlp-arbitraries.ts';
import type { Seed } from './sdk-seeds.ts';
import { rewriteWire } from './wire-rewrite.ts';

const NOW_MS = Date.parse('2026-11-30T00:00:00Z');
type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);

/** What the reference path gives for a request: rows encoded with the real tables' column types. */
interface Outcome {
  malformed: boolean;
  tables?: Array<{ table: string; columns: readonly string[]; data: Buffer; offsets: number[] }>;
  records?: number;
  rejected?: unknown;
  path?: string;
}

function referenceOutcome(signal: Signal, bytes: Buffer, types: Map<string, Map<string, string>>, options: { ttlDays?: number; nowMs: number }): Outcome {
  let request;
  try {
    request = decodeProtobuf(signal, bytes);
  } catch (error) {
    if (error instanceof MalformedOtlpError) return { malformed: true };
    throw error;
  }
  const accepted = acceptRequest(signal, request, options);
  const tables = accepted.rows
    .filter((t) => t.rows.length > 0)
    .map((t) => {
      const columns = Object.keys(t.rows[0]!);
      const encoder = new RowBinaryEncoder(columns, types.get(t.table)!);
      const parts = t.rows.map((row) => encoder.encode([row]));
      const offsets = [0];
      for (const part of parts) offsets.push(offsets.at(-1)! + part.length);
      return { table: t.table, columns, data: Buffer.concat(parts), offsets };
    });
  return { malformed: false, tables, records: accepted.records, rejected: accepted.rejected };
}

function transcoderOutcome(signal: Signal, bytes: Buffer, options: { ttlDays?: number; nowMs: number }): Outcome {
  let result: TranscodedRequest;
  try {
    result = transcodeRequest(signal, bytes, options);
  } catch (error) {
    if (error instanceof MalformedOtlpError) return { malformed: true };
    throw error;
  }
  return {
    malformed: false,
    tables: result.tables.map((t) => ({ table: t.table, columns: t.columns, data: t.data, offsets: [...t.offsets] })),
    records: result.records,
    rejected: result.rejected,
    path: result.path,
  };
}

/** The first difference between the two outcomes, or undefined when they agree byte for byte. */
export function compareTranscode(
  signal: Signal,
  bytes: Buffer,
  types: Map<string, Map<string, string>>,
  options: { ttlDays?: number; nowMs: number },
): { mismatch?: string; reference: Outcome; transcoder: Outcome } {
  const reference = referenceOutcome(signal, bytes, types, options);
  const transcoder = transcoderOutcome(signal, bytes, options);
  const { path, ...actual } = transcoder;
  void path;
  let mismatch: string | undefined;
  if (reference.malformed !== actual.malformed) mismatch = `malformed: reference ${reference.malformed}, transcoder ${actual.malformed}`;
  else if (!reference.malformed) {
    if (reference.records !== actual.records) mismatch = `records ${reference.records} ≠ ${actual.records}`;
    else if (!isDeepStrictEqual(reference.rejected, actual.rejected)) mismatch = `rejected ${JSON.stringify(reference.rejected)} ≠ ${JSON.stringify(actual.rejected)}`;
    else if (reference.tables!.map((t) => t.table).join() !== actual.tables!.map((t) => t.table).join()) {
      mismatch = `tables ${reference.tables!.map((t) => t.table)} ≠ ${actual.tables!.map((t) => t.table)}`;
    } else {
      for (let i = 0; i < reference.tables!.length && !mismatch; i++) {
        const a = reference.tables![i]!;
        const b = actual.tables![i]!;
        if (a.columns.join() !== b.columns.join()) mismatch = `${a.table} columns ${a.columns} ≠ ${b.columns}`;
        else if (a.offsets.join() !== b.offsets.join()) mismatch = `${a.table} row offsets ${a.offsets} ≠ ${b.offsets}`;
        else if (!a.data.equals(b.data)) mismatch = `${a.table} RowBinary differs`;
      }
    }
  }
  return { mismatch, reference, transcoder };
}

function mutateBytes(random: Random, bytes: Buffer, other: Buffer): Buffer {
  const b = Buffer.from(bytes);
  const at = int(random, Math.max(1, b.length));
  switch (int(random, 7)) {
    case 0:
      if (b.length) b[at] = b[at]! ^ (1 << int(random, 8));
      return b;
    case 1:
      return b.subarray(0, at);
    case 2:
      return Buffer.concat([b.subarray(0, at), other.subarray(int(random, Math.max(1, other.length)))]);
    case 3:
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(random, 4) }, () => int(random, 256))), b.subarray(at)]);
    case 4:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(random, 8)))]);
    case 5: {
      const len = 1 + int(random, 32);
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at)]);
    }
    default:
      if (b.length) b[at] = [0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x22][int(random, 8)]!;
      return b;
  }
}

export interface DifferentialFigures {
  inputs: number;
  mismatches: number;
  /** Inputs both sides refused as malformed protobuf. */
  malformed: number;
  /** Inputs the transcoder turned into rows itself, and those it handed to the reference path. */
  transcoderPath: number;
  referencePath: number;
  records: number;
  rejected: number;
  rows: number;
  bySource: Record<string, number>;
  firstMismatches: Array<{ index: number; source: string; signal: Signal; ttlDays?: number; mismatch: string; input: string }>;
  seconds: number;
}

const SIGNALS: Signal[] = ['logs', 'traces', 'metrics'];

/**
 * `inputs` requests through both paths: SDK payloads and golden files mutated structurally and
 * bytewise (mutate.ts), re-encoded with fields reordered, repeated and unknown ones added
 * (wire-rewrite.ts), and fast-check-generated requests with edge values, plain or mutated.
 */
export function fuzzTranscode(seeds: readonly Seed[], types: Map<string, Map<string, string>>, inputs: number, seed: number, progress?: (f: DifferentialFigures) => void): DifferentialFigures {
  const random = prng(seed);
  const protobufSeeds: Seed[] = seeds.filter((s) => s.encoding === 'protobuf');
  // The golden requests (OTLP/JSON in testdata) as protobuf too: the richest shapes.
  for (const s of seeds) {
    if (s.encoding === 'json' && !protobufSeeds.some((p) => p.document === s.document)) {
      protobufSeeds.push({ ...s, encoding: 'protobuf', bytes: encodeProtobuf(s.signal, decodeJson(s.signal, Buffer.from(s.bytes).toString('utf8'))) });
    }
  }
  // Generated requests come from a pool per signal, renewed every POOL_INPUTS inputs: encoding
  // through protobufjs costs more than comparing, and rewiring and mutation vary each use.
  const POOL_SIZE = 1500;
  const POOL_INPUTS = 100_000;
  let pools: Record<string, Buffer[]> = {};
  let poolSeed = seed;
  const generated = (signal: Signal): Buffer => {
    if (!pools[signal]) {
      pools[signal] = fc.sample(otlpRequest[signal], { seed: poolSeed++, numRuns: POOL_SIZE }).map((r) => Buffer.from(encodeProtobuf(signal, r as never)));
    }
    const pool = pools[signal]!;
    return pool[int(random, pool.length)]!;
  };
  const figures: DifferentialFigures = { inputs, mismatches: 0, malformed: 0, transcoderPath: 0, referencePath: 0, records: 0, rejected: 0, rows: 0, bySource: {}, firstMismatches: [], seconds: 0 };
  const started = performance.now();
  for (let index = 0; index < inputs; index++) {
    if (progress && index > 0 && index % 100_000 === 0) progress({ ...figures, inputs: index, firstMismatches: [], seconds: (performance.now() - started) / 1000 });
    if (index > 0 && index % POOL_INPUTS === 0) pools = {};
    let signal: Signal;
    let bytes: Buffer;
    let source: string;
    const roll = random();
    if (roll < 0.1) {
      const m = mutate(random, protobufSeeds);
      signal = m.signal;
      bytes = Buffer.from(m.bytes);
      source = 'sdk-mutated';
    } else if (roll < 0.3) {
      const s = protobufSeeds[int(random, protobufSeeds.length)]!;
      signal = s.signal;
      bytes = rewriteWire(random, s.bytes);
      source = 'sdk-rewired';
    } else {
      signal = SIGNALS[int(random, 3)]!;
      bytes = generated(signal);
      const r2 = random();
      if (r2 < 0.3) source = 'generated';
      else if (r2 < 0.65) {
        bytes = rewriteWire(random, bytes);
        source = 'generated-rewired';
      } else {
        for (let i = 1 + int(random, 3); i > 0; i--) bytes = mutateBytes(random, bytes, generated(signal));
        source = 'generated-mutated';
      }
    }
    figures.bySource[source] = (figures.bySource[source] ?? 0) + 1;
    const ttlDays = random() < 0.25 ? 1 : 3650;
    const options = { ttlDays, nowMs: NOW_MS };
    let mismatch: string | undefined;
    try {
      const result = compareTranscode(signal, bytes, types, options);
      mismatch = result.mismatch;
      if (result.reference.malformed) figures.malformed += 1;
      else {
        if (result.transcoder.path === 'transcoder') figures.transcoderPath += 1;
        else if (result.transcoder.path === 'reference') figures.referencePath += 1;
        figures.records += result.reference.records ?? 0;
        figures.rejected += (result.reference.rejected as { count: number } | undefined)?.count ?? 0;
        figures.rows += result.reference.tables?.reduce((n, t) => n + t.offsets.length - 1, 0) ?? 0;
      }
    } catch (error) {
      mismatch = `threw: ${String((error as Error)?.stack ?? error).slice(0, 400)}`;
    }
    if (mismatch) {
      figures.mismatches += 1;
      if (figures.firstMismatches.length < 10) figures.firstMismatches.push({ index, source, signal, ttlDays, mismatch, input: bytes.toString('base64').slice(0, 6000) });
    }
  }
  figures.seconds = (performance.now() - started) / 1000;
  return figures;
}
