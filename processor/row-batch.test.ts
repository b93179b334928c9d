import { describe, expect, it } from 'vitest';
import type { EncodedRows } from '../core/model/index.ts';
import type { Store } from '../core/store/index.ts';
import { RowBatch } from './row-batch.ts';

/** A block of `rows` rows of `width` bytes each, every byte naming its row. */
function block(firstRow: number, rows: number, width: number): EncodedRows {
  const data = Buffer.alloc(rows * width);
  for (let r = 0; r < rows; r++) data.fill(firstRow + r, r * width, (r + 1) * width);
  const offsets = Uint32Array.from({ length: rows + 1 }, (_, r) => r * width);
  return { table: 't', columns: ['a'], data, offsets };
}

/** What an insert of rows [from, to) sends. */
async function sent(batch: RowBatch, from?: number, to?: number): Promise<number[]> {
  let payload: Uint8Array = new Uint8Array();
  // A batch of blocks not joined comes as data + more: what the store writes is their concatenation.
  const store = { kind: 'chdb', insertEncoded: async (_table: string, b: { data: Uint8Array; more?: Uint8Array[] }) => void (payload = Buffer.concat([b.data, ...(b.more ?? [])])) } as unknown as Store;
  await batch.insert(store, 't', {}, from, to);
  return [...payload];
}

describe('RowBatch of encoded blocks', () => {
  for (const [mode, make] of [
    ['handed over as they are, joined only for a range (no size hint)', () => new RowBatch()],
    ['copied as they come (size hint)', () => new RowBatch(16)],
    ['copied as they come (hint too small: grows)', () => new RowBatch(0)],
  ] as const) {
    it(`sends every row and any row range, ${mode}`, async () => {
      const batch = make();
      expect(batch.push(block(0, 2, 3))).toEqual({ from: 0, to: 2 });
      expect(batch.push(block(2, 3, 2))).toEqual({ from: 2, to: 5 });
      expect(batch.push(block(5, 0, 2))).toEqual({ from: 5, to: 5 });
      expect(batch.push(block(5, 4, 5))).toEqual({ from: 5, to: 9 });
      expect(batch.encodedBytes).toBe(6 + 6 + 20);
      const all = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8];
      expect(await sent(batch)).toEqual(all);
      expect(await sent(batch, 1, 3)).toEqual([1, 1, 1, 2, 2]);
      expect(await sent(batch, 4, 6)).toEqual([4, 4, 5, 5, 5, 5, 5]);
      expect(await sent(batch, 8, 9)).toEqual([8, 8, 8, 8, 8]);
      expect(batch.heldBytes).toBeGreaterThanOrEqual(batch.encodedBytes);
    });
  }

  it('sends a lone block as it is', async () => {
    const batch = new RowBatch(1000);
    batch.push(block(0, 2, 3));
    expect(await sent(batch)).toEqual([0, 0, 0, 1, 1, 1]);
  });
});
