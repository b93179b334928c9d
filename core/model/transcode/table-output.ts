import { RowWriter } from './row-writer.ts';
import { columnsOf } from './table-columns.ts';

/** Gives a buffer of exactly `bytes` bytes for a block's rows (its contents are overwritten). */
export type Allocate = (bytes: number) => Buffer;

/** Rows of one table, pre-encoded: a batch can be cut at any row boundary. */
export interface EncodedRows {
  table: string;
  /** The columns each row holds, in order (the INSERT's column list). */
  columns: readonly string[];
  /** RowBinary of all rows. */
  data: Buffer;
  /** Where row i starts is offsets[i]; offsets[rows] is data.length. */
  offsets: Uint32Array;
}

/** Number of rows in an encoded block. */
export function rowCount(rows: EncodedRows): number {
  return rows.offsets.length - 1;
}

/**
 * A writer kept above this size after a request is replaced by a small one, so one huge request
 * does not pin its buffer for the life of the process.
 */
const KEEP_BYTES = 4 << 20;
const INITIAL_BYTES = 64 << 10;

/**
 * Collects the rows of one table; a row can be abandoned while it is written. One instance per
 * table serves every request: its buffer keeps the size the largest recent request needed
 * instead of growing (and copying) from small for each, and {@link finish} copies the rows out.
 */
export class TableOutput {
  writer = new RowWriter(INITIAL_BYTES);
  private offsets = new Uint32Array(256);
  rows = 0;
  private rowStart = 0;

  private readonly columns: readonly string[];

  constructor(readonly table: string) {
    this.columns = columnsOf(table);
  }

  /** Starts on the next request (whatever a bailed-out request left behind is dropped). */
  reset(): void {
    this.writer.offset = 0;
    this.rows = 0;
  }

  begin(): void {
    this.rowStart = this.writer.offset;
  }

  commit(): void {
    if (this.rows + 2 > this.offsets.length) {
      const next = new Uint32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
    this.offsets[this.rows++] = this.rowStart;
  }

  /**
   * The rows written since reset, copied out (the writer is reused): into a fresh buffer, or
   * into one `allocate` gives (the embedded receiver's slabs, reused across requests).
   */
  finish(allocate?: Allocate): EncodedRows {
    const offsets = new Uint32Array(this.rows + 1);
    offsets.set(this.offsets.subarray(0, this.rows));
    offsets[this.rows] = this.writer.offset;
    const data = this.writer.take(allocate);
    if (this.writer.buf.length > KEEP_BYTES) this.writer = new RowWriter(INITIAL_BYTES);
    if (this.offsets.length > KEEP_BYTES >> 6) this.offsets = new Uint32Array(256);
    return { table: this.table, columns: this.columns, data, offsets };
  }
}
