import type { EncodedRows, RejectReason, Signal } from '../../core/model/index.ts';

/** Main thread → worker: one request to transcode. `body` travels as a transferred ArrayBuffer. */
export interface TranscodeJobMessage {
  id: number;
  signal: Signal;
  body: Uint8Array;
  ttlDays?: number;
  /** Receipt time on the main thread, so the worker judges expiry at the same clock as in-process. */
  nowMs: number;
}

/** One table's rows inside the packed ArrayBuffer a worker sends back. */
export interface PackedTable {
  table: string;
  columns: readonly string[];
  rows: number;
  offsetsAt: number;
  dataAt: number;
  dataBytes: number;
}

/**
 * Each reason with its count and first example, in the order first seen: replayed into the
 * receiver's RejectionTally this gives the same count, reasons and message as the in-process path.
 */
export type RejectionEntry = [reason: RejectReason, firstDetail: string, count: number];

/** Worker → main thread. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; records: number; packed: ArrayBuffer; tables: PackedTable[]; rejections: RejectionEntry[]; body: Uint8Array }
  | { type: 'failed'; id: number; malformed: boolean; message: string };

/**
 * Copies the blocks into one fresh ArrayBuffer (offsets first, 4-byte aligned, then data) that
 * can be transferred whole. One memcpy on the worker's side (~1% of the transcode) buys safety:
 * the transcoder may hand out views of buffers it reuses or of Node's shared Buffer pool, which
 * must never be transferred (detaching them would corrupt the worker's next request).
 */
export function packTables(tables: readonly EncodedRows[]): { packed: ArrayBuffer; layout: PackedTable[] } {
  let offsetBytes = 0;
  let dataBytes = 0;
  for (const t of tables) {
    offsetBytes += t.offsets.byteLength;
    dataBytes += t.data.byteLength;
  }
  const packed = new ArrayBuffer(offsetBytes + dataBytes);
  const bytes = new Uint8Array(packed);
  const layout: PackedTable[] = [];
  let offsetsAt = 0;
  let dataAt = offsetBytes;
  for (const t of tables) {
    new Uint32Array(packed, offsetsAt, t.offsets.length).set(t.offsets);
    bytes.set(t.data, dataAt);
    layout.push({ table: t.table, columns: t.columns, rows: t.offsets.length - 1, offsetsAt, dataAt, dataBytes: t.data.byteLength });
    offsetsAt += t.offsets.byteLength;
    dataAt += t.data.byteLength;
  }
  return { packed, layout };
}

/** The blocks as views of the transferred buffer: no copy on the main thread. */
export function unpackTables(packed: ArrayBuffer, layout: readonly PackedTable[]): EncodedRows[] {
  return layout.map((t) => ({
    table: t.table,
    columns: t.columns,
    data: Buffer.from(packed, t.dataAt, t.dataBytes),
    offsets: new Uint32Array(packed, t.offsetsAt, t.rows + 1),
  }));
}
