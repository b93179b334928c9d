import type { EncodedRows } from '../core/model/index.ts';
import type { InsertOptions, Store } from '../core/store/index.ts';

/** Rows for one table as a producer hands them over: row objects, or a block the transcoder encoded. */
export type RowPart = readonly object[] | EncodedRows;

export const isEncoded = (part: RowPart): part is EncodedRows => !Array.isArray(part);

export const partRows = (part: RowPart): number => (isEncoded(part) ? part.offsets.length - 1 : part.length);

/**
 * The rows of one insert. Row objects and encoded blocks are not mixed in one insert (their
 * column lists may differ: a row object carries the keys its mapper set); a batch takes only
 * parts of the kind it started with, and the caller starts another batch for the other kind.
 * Encoded blocks are joined into one RowBinary payload when the insert is sent; a range of rows
 * is a slice of it (offsets say where each row starts), so isolating a refused row never
 * re-encodes anything.
 */
export class RowBatch {
  private readonly objects: object[] = [];
  private readonly blocks: EncodedRows[] = [];
  private joined: EncodedRows | undefined;
  rows = 0;

  /** Whether `part` may join this batch (an empty batch takes either kind). */
  takes(part: RowPart): boolean {
    if (this.rows === 0) return true;
    return isEncoded(part) === this.blocks.length > 0;
  }

  /** Adds a part; returns the batch's row range it occupies. */
  push(part: RowPart): { from: number; to: number } {
    const from = this.rows;
    if (isEncoded(part)) this.blocks.push(part);
    else for (const row of part) this.objects.push(row);
    this.rows += partRows(part);
    this.joined = undefined;
    return { from, to: this.rows };
  }

  /** Inserts rows [from, to) (all by default). */
  insert(store: Store, table: string, options?: InsertOptions, from = 0, to = this.rows): Promise<void> {
    if (this.blocks.length === 0) return store.insertRows(table, from === 0 && to === this.rows ? this.objects : this.objects.slice(from, to), options);
    const joined = this.join();
    if (!store.insertEncoded) throw new Error(`the ${store.kind} store cannot insert encoded rows`);
    return store.insertEncoded(table, { columns: joined.columns, data: joined.data.subarray(joined.offsets[from], joined.offsets[to]) }, options);
  }

  private join(): EncodedRows {
    if (this.joined) return this.joined;
    if (this.blocks.length === 1) return (this.joined = this.blocks[0]!);
    const offsets = new Uint32Array(this.rows + 1);
    let row = 0;
    let base = 0;
    for (const block of this.blocks) {
      const n = block.offsets.length - 1;
      for (let i = 0; i < n; i++) offsets[row++] = base + block.offsets[i]!;
      base += block.data.length;
    }
    offsets[row] = base;
    const first = this.blocks[0]!;
    return (this.joined = { table: first.table, columns: first.columns, data: Buffer.concat(this.blocks.map((b) => b.data), base), offsets });
  }
}
