import { RowWriter } from './row-writer.ts';
import { columnsOf } from './table-columns.ts';

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

/** Collects the rows of one table; a row can be abandoned while it is written. */
export class TableOutput {
  readonly writer = new RowWriter(8192);
  private offsets = new Uint32Array(256);
  rows = 0;
  private rowStart = 0;

  constructor(readonly table: string) {}

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

  finish(): EncodedRows {
    const offsets = new Uint32Array(this.rows + 1);
    offsets.set(this.offsets.subarray(0, this.rows));
    offsets[this.rows] = this.writer.offset;
    // The writer is not used again: its buffer is handed over without a copy.
    return { table: this.table, columns: columnsOf(this.table), data: this.writer.buf.subarray(0, this.writer.offset), offsets };
  }
}
