import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate, StoreError, type Store } from '../core/store/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
import { RowBinaryEncoder } from '../core/store/row-binary/row-binary-encoder.ts';
import type { EncodedRows } from '../core/model/index.ts';
import { TableBatcher, type BatchOptions } from './table-batcher.ts';

// The real engine behind every batcher here; a wrapper only records, delays or poisons calls.
const dir = mkdtempSync(join(tmpdir(), 'vigil-batcher-'));
const store = new ChdbStore({ path: dir });
const TABLE = 'batcher_rows';

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  await store.exec(`CREATE TABLE ${TABLE} (Test String, Seq UInt32, Body String) ENGINE = MergeTree ORDER BY (Test, Seq)`);
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

type Row = { Test: string; Seq: number; Body: string };
const rowsOf = (test: string, from: number, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ Test: test, Seq: from + i, Body: `b${from + i}` }));
const stored = async (test: string) =>
  (await store.query<{ Seq: number }>(`SELECT Seq FROM ${TABLE} WHERE Test = {t:String} ORDER BY Seq`, { t: test })).map((r) => Number(r.Seq));
const encoder = new RowBinaryEncoder(['Test', 'Seq', 'Body'], new Map([['Test', 'String'], ['Seq', 'UInt32'], ['Body', 'String']]));
/** Rows encoded as the transcoder hands them over: one RowBinary block, row offsets beside it. */
function encodedOf(rows: Row[]): EncodedRows {
  const parts = rows.map((row) => encoder.encode([row]));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((part, i) => (offsets[i + 1] = offsets[i]! + part.length));
  return { table: TABLE, columns: ['Test', 'Seq', 'Body'], data: Buffer.concat(parts), offsets };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real store, recording each insert (its first Seq and size, start and end) and optionally holding it at a gate. */
function recordingStore(options: { gate?: () => Promise<void>; refuse?: (row: Row) => boolean } = {}) {
  const calls: Array<{ first: number; rows: number; startedAt: number; endedAt?: number; encoded?: number }> = [];
  const wrapped = Object.create(store) as Store;
  wrapped.insertEncoded = async (table, block, insertOptions) => {
    // RowBinary of (Test String, Seq UInt32, …): the first row's Seq follows Test's length byte and bytes.
    const data = Buffer.from(block.data);
    const call: (typeof calls)[number] = { first: data.readUInt32LE(1 + data[0]!), rows: -1, startedAt: performance.now(), encoded: data.length };
    calls.push(call);
    try {
      if (options.gate) await options.gate();
      if (options.refuse && data.includes('poison')) throw new StoreError('Cannot parse input: poison', false, 27);
      await store.insertEncoded!(table, block, insertOptions);
    } finally {
      call.endedAt = performance.now();
    }
  };
  wrapped.insertRows = async (table, rows, insertOptions) => {
    const call: (typeof calls)[number] = { first: (rows[0] as Row).Seq, rows: rows.length, startedAt: performance.now() };
    calls.push(call);
    try {
      if (options.gate) await options.gate();
      if (options.refuse && (rows as Row[]).some(options.refuse)) throw new StoreError('Cannot parse input: poison', false, 27);
      await store.insertRows(table, rows, insertOptions);
    } finally {
      call.endedAt = performance.now();
    }
  };
  return { store: wrapped, calls };
}

/** A gate the test opens: the first insert waits on it, later ones pass. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let first = true;
  return {
    open,
    wait: () => {
      if (!first) return Promise.resolve();
      first = false;
      return opened;
    },
  };
}

const batcher = (s: Store, options: Partial<BatchOptions> = {}) =>
  new TableBatcher(TABLE, s, { maxRows: 20_000, maxDelayMs: 0, retryForMs: 2000, ...options }, silentLogger);

describe('TableBatcher group commit (real chDB)', () => {
  it('an idle table inserts at once, not after a linger: adds of the same turn share one insert', async () => {
    const { store: s, calls } = recordingStore();
    const b = batcher(s);
    const t0 = performance.now();
    const adds = [b.add(rowsOf('idle', 0, 3)), b.add(rowsOf('idle', 3, 2)), b.add(rowsOf('idle', 5, 1))];
    await Promise.all(adds);
    // The old linger was 200 ms before an insert even started; now it starts on the next turn.
    expect(calls[0]!.startedAt - t0).toBeLessThan(100);
    expect(calls.map((c) => c.rows)).toEqual([6]);
    expect(await stored('idle')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('while an insert runs, adds from many turns accumulate into ONE next insert, sent as soon as it finishes', async () => {
    const g = gate();
    const { store: s, calls } = recordingStore({ gate: g.wait });
    const b = batcher(s);
    const first = b.add(rowsOf('group', 0, 10));
    await sleep(20);
    expect(calls).toHaveLength(1); // held at the gate
    const later: Promise<void>[] = [];
    for (let i = 0; i < 8; i += 1) {
      later.push(b.add(rowsOf('group', 10 + i * 5, 5)));
      await sleep(5); // separate turns of the event loop, as separate requests would be
    }
    expect(calls).toHaveLength(1);
    g.open();
    await Promise.all([first, ...later]);
    expect(calls.map((c) => c.rows)).toEqual([10, 40]);
    // No timer between the two: the second starts right after the first ends.
    expect(calls[1]!.startedAt - calls[0]!.endedAt!).toBeLessThan(50);
    expect(await stored('group')).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(b.insertCount).toBe(2);
    expect(b.insertedRows).toBe(50);
  });

  it('closes a batch at max_rows, keeps insert order, and never splits one add', async () => {
    const g = gate();
    const { store: s, calls } = recordingStore({ gate: g.wait });
    const b = batcher(s, { maxRows: 10 });
    const adds = [b.add(rowsOf('bound', 0, 4))];
    await sleep(10);
    for (let i = 0; i < 7; i += 1) adds.push(b.add(rowsOf('bound', 4 + i * 4, 4))); // 28 rows while the first is held
    g.open();
    await Promise.all(adds);
    expect(calls.map((c) => c.rows)).toEqual([4, 12, 12, 4]);
    expect(calls.map((c) => c.first)).toEqual([0, 4, 16, 28]);
    for (let i = 1; i < calls.length; i += 1) expect(calls[i]!.startedAt).toBeGreaterThanOrEqual(calls[i - 1]!.endedAt!); // one at a time
    expect(await stored('bound')).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });

  it('a positive max_delay lingers only while the table is idle', async () => {
    const { store: s, calls } = recordingStore();
    const b = batcher(s, { maxDelayMs: 150 });
    const t0 = performance.now();
    await b.add(rowsOf('linger', 0, 1));
    expect(calls[0]!.startedAt - t0).toBeGreaterThanOrEqual(140);
    await b.add(rowsOf('linger', 1, 1));
    expect(calls).toHaveLength(2);
  });

  /** Senders that each add `rows` rows, wait until they are stored, and add again after their own pause (ms). */
  async function closedLoop(b: TableBatcher, test: string, pauses: number[], rounds: number, rows = 10) {
    await Promise.all(
      pauses.map(async (pause, sender) => {
        for (let round = 0; round < rounds; round += 1) {
          await b.add(rowsOf(test, (round * pauses.length + sender) * rows, rows));
          await sleep(pause);
        }
      }),
    );
  }
  const slowStore = (ms: number) => recordingStore({ gate: () => sleep(ms).then(() => {}) });

  it('regroups senders waiting for their rows: answered together, they share the next insert again', async () => {
    // Eight senders coming back at different moments (as OTLP clients do after their 2xx).
    const pauses = [0, 2, 4, 6, 8, 10, 12, 14];
    const without = slowStore(25);
    await closedLoop(batcher(without.store), 'regroup-off', pauses, 6);
    const withRegroup = slowStore(25);
    await closedLoop(batcher(withRegroup.store, { regroupDelayMs: 500 }), 'regroup-on', pauses, 6);
    // Without it the first sender back goes alone and the rest split into alternating halves.
    expect(without.calls.length).toBeGreaterThan(6);
    // With it every insert carries every sender's rows: one insert per round.
    expect(withRegroup.calls.map((c) => c.rows)).toEqual([80, 80, 80, 80, 80, 80]);
    expect(await stored('regroup-on')).toEqual(Array.from({ length: 480 }, (_, i) => i));
    expect(await stored('regroup-off')).toEqual(Array.from({ length: 480 }, (_, i) => i));
  });

  it('does not hold a lone sender, holds rows whose company never comes back for regroup_delay at most, and neither a flush nor a full batch waits', async () => {
    const lone = slowStore(5);
    const t0 = performance.now();
    await closedLoop(batcher(lone.store, { regroupDelayMs: 5000 }), 'regroup-lone', [0], 5);
    // Its next rows are as many as the insert just stored: nothing waits for the delay.
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(lone.calls.map((c) => c.rows)).toEqual([10, 10, 10, 10, 10]);

    const g = gate();
    const { store: s, calls } = recordingStore({ gate: g.wait });
    const b = batcher(s, { regroupDelayMs: 150 });
    // Two senders in the first insert, neither of which comes back.
    const first = [b.add(rowsOf('regroup-alone', 0, 5)), b.add(rowsOf('regroup-alone', 5, 5))];
    await sleep(10);
    const second = b.add(rowsOf('regroup-alone', 10, 10)); // waits behind the first
    g.open();
    await Promise.all([...first, second]);
    expect(calls.map((c) => c.rows)).toEqual([10, 10]);
    const held = calls[1]!.startedAt - calls[0]!.endedAt!;
    expect(held).toBeGreaterThanOrEqual(140);
    expect(held).toBeLessThan(1000);
    // flush() does not wait for company either.
    const g2 = gate();
    const flushing = recordingStore({ gate: g2.wait });
    const b2 = batcher(flushing.store, { regroupDelayMs: 5000 });
    const a = [b2.add(rowsOf('regroup-flush', 0, 5)), b2.add(rowsOf('regroup-flush', 5, 5))];
    await sleep(10);
    const c = b2.add(rowsOf('regroup-flush', 10, 10));
    g2.open();
    await Promise.all(a);
    await sleep(50); // the second batch now waits for company that will not come
    expect(flushing.calls).toHaveLength(1);
    const t1 = performance.now();
    await b2.flush();
    await c;
    expect(performance.now() - t1).toBeLessThan(2000);
    expect(await stored('regroup-flush')).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Nor does a batch that reaches max_rows while it waits.
    const g3 = gate();
    const full = recordingStore({ gate: g3.wait });
    const b3 = batcher(full.store, { maxRows: 20, regroupDelayMs: 5000 });
    const firstFull = [b3.add(rowsOf('regroup-full', 0, 10)), b3.add(rowsOf('regroup-full', 10, 10))];
    await sleep(10);
    const waiting = b3.add(rowsOf('regroup-full', 20, 10));
    g3.open();
    await Promise.all(firstFull);
    await sleep(50); // waiting for 20 rows (max_rows) at most, with 10 there
    expect(full.calls).toHaveLength(1);
    const t2 = performance.now();
    await Promise.all([waiting, b3.add(rowsOf('regroup-full', 30, 10))]);
    expect(performance.now() - t2).toBeLessThan(2000);
    expect(full.calls.map((call) => call.rows)).toEqual([20, 20]);
    expect(await stored('regroup-full')).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('isolates refused rows in a group-committed batch: only their sender hears of them, the rest land', async () => {
    const { store: s } = recordingStore({ refuse: (r) => r.Body === 'poison' });
    const b = batcher(s);
    const refused: Record<string, number> = {};
    const report = (name: string) => ({ refused: (n: number) => void (refused[name] = (refused[name] ?? 0) + n) });
    const poisoned = rowsOf('refuse', 10, 5);
    poisoned[3]!.Body = 'poison';
    await Promise.all([b.add(rowsOf('refuse', 0, 10), report('a')), b.add(poisoned, report('b')), b.add(rowsOf('refuse', 15, 5), report('c'))]);
    expect(refused).toEqual({ b: 1 });
    expect(b.refusedRows).toBe(1);
    expect(await stored('refuse')).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 13));
  });

  it('retries a retryable failure, and fails its senders (only) when the retry deadline passes', async () => {
    let failures = 1;
    const flaky = Object.create(store) as Store;
    flaky.insertRows = async (table, rows, o) => {
      if (failures-- > 0) throw new StoreError('TOO_MANY_PARTS', true, 252);
      return store.insertRows(table, rows, o);
    };
    await batcher(flaky).add(rowsOf('retry', 0, 3));
    expect(await stored('retry')).toEqual([0, 1, 2]);

    failures = Infinity;
    const down = batcher(flaky, { retryForMs: 300 });
    await expect(down.add(rowsOf('retry', 3, 2))).rejects.toThrow(/TOO_MANY_PARTS/);
    expect(down.failedRows).toBe(2);
    failures = 0;
    await down.add(rowsOf('retry', 5, 1)); // the batcher carries on after a failed batch
    expect(await stored('retry')).toEqual([0, 1, 2, 5]);
  });

  it('flush() resolves once everything added so far is stored, including rows waiting behind an insert', async () => {
    const g = gate();
    const { store: s } = recordingStore({ gate: g.wait });
    const b = batcher(s, { maxDelayMs: 60_000 });
    void b.add(rowsOf('flush', 0, 2));
    const flushed = b.flush();
    await sleep(10);
    void b.add(rowsOf('flush', 2, 2));
    const second = b.flush();
    g.open();
    await flushed;
    await second;
    expect(await stored('flush')).toEqual([0, 1, 2, 3]);
    await b.flush(); // nothing pending: settles at once
  });

  it('joins the transcoder\'s encoded blocks from many senders into one insert, and isolates a refused row inside them', async () => {
    const g = gate();
    const { store: s, calls } = recordingStore({ gate: g.wait, refuse: (r) => r.Body === 'poison' });
    const b = batcher(s);
    const refused: Record<string, number> = {};
    const report = (name: string) => ({ refused: (n: number) => void (refused[name] = (refused[name] ?? 0) + n) });
    const first = b.add(encodedOf(rowsOf('encoded', 0, 4)), report('a'));
    await sleep(10);
    const poisoned = rowsOf('encoded', 4, 6);
    poisoned[2]!.Body = 'poison';
    const later = [b.add(encodedOf(poisoned), report('b')), b.add(encodedOf(rowsOf('encoded', 10, 5)), report('c'))];
    g.open();
    await Promise.all([first, ...later]);
    expect(refused).toEqual({ b: 1 });
    expect(calls[0]!.encoded).toBeGreaterThan(0);
    expect(calls[1]!.first).toBe(4); // the second insert starts with the second sender's rows, joined with the third's
    expect(b.refusedRows).toBe(1);
    expect(b.insertedRows).toBe(14);
    expect(await stored('encoded')).toEqual(Array.from({ length: 15 }, (_, i) => i).filter((i) => i !== 6));
  });

  it('never mixes row objects and encoded blocks in one insert, and stores both', async () => {
    const g = gate();
    const { store: s, calls } = recordingStore({ gate: g.wait });
    const b = batcher(s);
    const held = b.add(rowsOf('mixed', 0, 1));
    await sleep(10);
    const adds = [b.add(rowsOf('mixed', 1, 2)), b.add(encodedOf(rowsOf('mixed', 3, 3))), b.add(encodedOf(rowsOf('mixed', 6, 1)))];
    g.open();
    await Promise.all([held, ...adds]);
    expect(calls.map((c) => (c.encoded ? 'encoded' : c.rows))).toEqual([1, 2, 'encoded']);
    expect(await stored('mixed')).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
