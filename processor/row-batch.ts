import type { EncodedRows } from '../core/model/index.ts';
import type { InsertOptions, Store } from '../core/store/index.ts';

/** Rows for one table as a producer hands them over: row objects, or a block the transcoder encoded. */
export type RowPart = readonly object[] | EncodedRows;

export const isEncoded = (part: RowPart): part is EncodedRows => !Array.isArray(part);

export const partRows = (part: RowPart): number => (isEncoded(part) ? part.offsets.length - 1 : part.length);

/** Where an encoded block's rows landed in the batch's payload. */
interface BlockPlace {
  firstRow: number;
  firstByte: number;
  /** The block's own row offsets (relative to its first byte). */
  offsets: Uint32Array;
}

/**
 * The rows of one insert. Row objects and encoded blocks are not mixed in one insert (their
 * column lists may differ: a row object carries the keys its mapper set); a batch takes only
 * parts of the kind it started with, and the caller starts another batch for the other kind.
 *
 * With a size hint (a Kafka batch, held in the processor's byte budget) encoded blocks are
 * copied into one RowBinary payload as they come, so each block's buffer is let go at once with
 * its spare capacity (the transcoder's writer grows by doubling); without one (group-commit
 * batches of the embedded path, whose blocks sit in the receiver's reused slabs) the blocks are
 * handed to the store as they are (EncodedBlock.more), and joined only to insert a range of rows.
 * A range of rows is a slice of the payload (the blocks' offsets say where each row starts), so
 * isolating a refused row never re-encodes anything.
 */
export class RowBatch {
  private readonly objects: object[] = [];
  private readonly places: BlockPlace[] = [];
  private lone: EncodedRows | undefined;
  /** Blocks not copied yet (joined at the insert when there is no size hint). */
  private pending: EncodedRows[] = [];
  private payload: Buffer | undefined;
  private length = 0;
  private columns: readonly string[] = [];
  rows = 0;

  /** @param sizeHint copy blocks as they come, into a payload of about this many bytes (0: unknown). */
  constructor(private readonly sizeHint?: number) {}

  /** Whether `part` may join this batch (an empty batch takes either kind). */
  takes(part: RowPart): boolean {
    if (this.rows === 0) return true;
    return isEncoded(part) === this.places.length > 0;
  }

  /** Memory the batch's encoded rows hold: payload capacity and row offsets. */
  get heldBytes(): number {
    let bytes = this.payload?.buffer.byteLength ?? this.lone?.data.buffer.byteLength ?? 0;
    for (const block of this.pending) bytes += block.data.buffer.byteLength;
    for (const place of this.places) bytes += place.offsets.byteLength;
    return bytes;
  }

  /** Bytes of the encoded rows (what an insert of the whole batch sends). */
  get encodedBytes(): number {
    return this.length;
  }

  /** Adds a part; returns the batch's row range it occupies. */
  push(part: RowPart): { from: number; to: number } {
    const from = this.rows;
    if (isEncoded(part)) this.pushEncoded(part);
    else for (const row of part) this.objects.push(row);
    this.rows += partRows(part);
    return { from, to: this.rows };
  }

  /** Inserts rows [from, to) (all by default). */
  insert(store: Store, table: string, options?: InsertOptions, from = 0, to = this.rows): Promise<void> {
    if (this.places.length === 0) return store.insertRows(table, from === 0 && to === this.rows ? this.objects : this.objects.slice(from, to), options);
    if (!store.insertEncoded) throw new Error(`the ${store.kind} store cannot insert encoded rows`);
    // The whole batch, blocks not joined yet: the store writes them one after the other.
    if (this.pending.length > 0 && from === 0 && to === this.rows) {
      const head = this.lone?.data ?? this.payload!.subarray(0, this.length - this.pendingBytes());
      return store.insertEncoded(table, { columns: this.columns, data: head, more: this.pending.map((b) => b.data) }, options);
    }
    if (this.pending.length > 0) this.joinPending();
    const data = this.lone?.data ?? this.payload!.subarray(0, this.length);
    return store.insertEncoded(table, { columns: this.columns, data: data.subarray(this.byteOffset(from), this.byteOffset(to)) }, options);
  }

  private pushEncoded(block: EncodedRows): void {
    const size = block.data.length;
    if (this.places.length === 0) {
      this.lone = block;
      this.columns = block.columns;
    } else if (this.sizeHint === undefined) {
      this.pending.push(block);
    } else {
      if (this.lone) {
        this.payload = Buffer.allocUnsafeSlow(Math.max(this.sizeHint, 2 * (this.length + size)));
        this.lone.data.copy(this.payload, 0);
        this.lone = undefined;
      } else if (this.length + size > this.payload!.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(Math.ceil(this.payload!.length * 1.5), this.length + size));
        this.payload!.copy(grown, 0, 0, this.length);
        this.payload = grown;
      }
      block.data.copy(this.payload!, this.length);
    }
    this.places.push({ firstRow: this.rows, firstByte: this.length, offsets: block.offsets });
    this.length += size;
  }

  private pendingBytes(): number {
    let bytes = 0;
    for (const block of this.pending) bytes += block.data.length;
    return bytes;
  }

  /** Joins the lone block and the pending ones into one payload of the exact size (only to insert a range of rows). */
  private joinPending(): void {
    const head = this.lone?.data ?? this.payload!.subarray(0, this.length - this.pendingBytes());
    this.payload = Buffer.concat([head, ...this.pending.map((b) => b.data)], this.length);
    this.lone = undefined;
    this.pending = [];
  }

  /** Where row `row` starts in the payload (`rows` gives its end). */
  private byteOffset(row: number): number {
    if (row === this.rows) return this.length;
    let lo = 0;
    let hi = this.places.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.places[mid]!.firstRow <= row) lo = mid;
      else hi = mid - 1;
    }
    const place = this.places[lo]!;
    return place.firstByte + place.offsets[row - place.firstRow]!;
  }
}
