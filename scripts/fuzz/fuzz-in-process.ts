import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptRequest, decodeJson, decodeProtobuf, encodeProtobuf, MalformedOtlpError, type Signal } from '../../core/model/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { RowBinaryEncoder } from '../../core/store/row-binary/row-binary-encoder.ts';
import { mutate, prng } from './mutate.ts';
import type { Seed } from './sdk-seeds.ts';

// Ten years of retention, so the golden requests (recorded in 2025, with the richest shapes:
// exemplars, exponential histograms, summaries, links) reach the row mapping; mutated times
// still hit "expired" (1970) and the range checks.
const TTL_DAYS = 3650;
const NOW_MS = Date.parse('2026-11-30T00:00:00Z');

export interface InProcessFigures {
  inputs: number;
  malformed: number;
  accepted: number;
  records: number;
  rejected: number;
  rows: number;
  rejectedByReason: Record<string, number>;
  /** Inputs that threw anything but a malformed-request error, or broke an invariant. */
  crashCount: number;
  /** The first 20 of them, with the input (base64) to reproduce. */
  crashes: Array<{ index: number; signal: Signal; encoding: string; error: string; input: string }>;
  seconds: number;
}

/** Column types of the real tables, read from a migrated chDB, so rows are encoded as the store does. */
export async function realColumnTypes(): Promise<Map<string, Map<string, string>>> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-schema-'));
  const store = new ChdbStore({ path: dir });
  try {
    await store.start();
    await migrate(store, { database: 'default', ttlDays: 30 });
    const columns = await store.query<{ table: string; name: string; type: string }>(
      "SELECT table, name, type FROM system.columns WHERE database = 'default' AND startsWith(table, 'otel_')",
    );
    const types = new Map<string, Map<string, string>>();
    for (const c of columns) {
      if (!types.has(c.table)) types.set(c.table, new Map());
      types.get(c.table)!.set(c.name, c.type);
    }
    return types;
  } finally {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * decode → validate → rows → RowBinary (and, for every 8th input, the accepted request back to
 * protobuf: the Kafka wire) for `inputs` mutated payloads. Invariants: nothing throws but a
 * MalformedOtlpError from the decoders; rows = records − rejected; the accepted request
 * round-trips with nothing more to reject.
 */
export function fuzzInProcess(
  seeds: readonly Seed[],
  types: Map<string, Map<string, string>>,
  inputs: number,
  seed: number,
  progress?: (figures: InProcessFigures) => void,
): InProcessFigures {
  const random = prng(seed);
  const encoders = new Map<string, RowBinaryEncoder>();
  const encoderFor = (table: string, row: object) => {
    const columns = Object.keys(row);
    const key = `${table}:${columns.join(',')}`;
    let encoder = encoders.get(key);
    if (!encoder) encoders.set(key, (encoder = new RowBinaryEncoder(columns, types.get(table) ?? new Map())));
    return encoder;
  };
  const figures: InProcessFigures = { inputs, malformed: 0, accepted: 0, records: 0, rejected: 0, rows: 0, rejectedByReason: {}, crashCount: 0, crashes: [], seconds: 0 };
  const started = performance.now();
  for (let index = 0; index < inputs; index++) {
    if (progress && index > 0 && index % 100_000 === 0) progress({ ...figures, inputs: index, crashes: [], seconds: (performance.now() - started) / 1000 });
    const input = mutate(random, seeds);
    try {
      let request;
      try {
        request = input.encoding === 'json' ? decodeJson(input.signal, Buffer.from(input.bytes).toString('utf8')) : decodeProtobuf(input.signal, input.bytes);
      } catch (error) {
        if (error instanceof MalformedOtlpError) {
          figures.malformed += 1;
          continue;
        }
        throw error;
      }
      const accepted = acceptRequest(input.signal, request, { ttlDays: TTL_DAYS, nowMs: NOW_MS });
      figures.accepted += 1;
      figures.records += accepted.records;
      figures.rejected += accepted.rejected.count;
      for (const [reason, n] of Object.entries(accepted.rejected.reasons)) figures.rejectedByReason[reason] = (figures.rejectedByReason[reason] ?? 0) + n;
      let rows = 0;
      for (const { table, rows: list } of accepted.rows) {
        rows += list.length;
        if (list.length > 0) encoderFor(table, list[0]!).encode(list);
      }
      figures.rows += rows;
      if (rows !== accepted.records - accepted.rejected.count) throw new Error(`invariant: ${rows} rows for ${accepted.records} records − ${accepted.rejected.count} rejected`);
      if (index % 8 === 0) {
        const again = acceptRequest(input.signal, decodeProtobuf(input.signal, encodeProtobuf(input.signal, accepted.request)), { ttlDays: TTL_DAYS, nowMs: NOW_MS });
        if (again.rejected.count !== 0 || again.records !== rows) throw new Error(`invariant: the accepted request re-encoded has ${again.records} records, ${again.rejected.count} rejected`);
      }
    } catch (error) {
      figures.crashCount += 1;
      if (figures.crashes.length < 20) {
        figures.crashes.push({ index, signal: input.signal, encoding: input.encoding, error: String((error as Error)?.stack ?? error).slice(0, 600), input: Buffer.from(input.bytes).toString('base64').slice(0, 4000) });
      }
    }
  }
  figures.seconds = (performance.now() - started) / 1000;
  return figures;
}
