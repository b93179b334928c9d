import { describe, expect, it } from 'vitest';
import { SlabPool } from './slab-pool.ts';

describe('SlabPool', () => {
  it('never hands out overlapping pieces to leases that are alive', () => {
    const pool = new SlabPool(1024, 2);
    const live: Array<{ lease: ReturnType<SlabPool['lease']>; pieces: Buffer[]; fill: number }> = [];
    let fill = 0;
    // Random leases of random pieces, released out of order: every live piece keeps its bytes.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 5000; step++) {
      if (live.length > 0 && (random() < 0.45 || live.length > 12)) {
        const [gone] = live.splice(Math.floor(random() * live.length), 1);
        for (const piece of gone!.pieces) expect(piece.every((b) => b === gone!.fill)).toBe(true);
        gone!.lease.release();
        continue;
      }
      const lease = pool.lease();
      fill = (fill + 1) % 256;
      const pieces = Array.from({ length: 1 + Math.floor(random() * 3) }, () => lease.allocate(1 + Math.floor(random() * 700)).fill(fill));
      live.push({ lease, pieces, fill });
    }
    for (const { pieces, fill } of live) for (const piece of pieces) expect(piece.every((b) => b === fill)).toBe(true);
  });

  it('reuses its slabs once their leases are released, keeping a bounded number spare', () => {
    const pool = new SlabPool(1024, 1);
    const leases = Array.from({ length: 8 }, () => {
      const lease = pool.lease();
      lease.allocate(400);
      return lease;
    });
    expect(pool.slabCount).toBe(4); // two 400-byte pieces per 1,024-byte slab
    for (const lease of leases) lease.release();
    expect(pool.slabCount).toBe(2); // the current slab and one spare
    const again = pool.lease();
    const piece = again.allocate(400);
    expect(piece.length).toBe(400);
    expect(pool.slabCount).toBe(2);
  });

  it('gives a piece larger than half a slab its own buffer', () => {
    const pool = new SlabPool(1024, 1);
    const lease = pool.lease();
    const big = lease.allocate(600);
    expect(big.length).toBe(600);
    expect(big.buffer.byteLength).toBeGreaterThanOrEqual(600);
    expect(pool.slabCount).toBe(0);
    lease.release();
  });

  it('never holds more than its cap of slabs, however long leases pin them', () => {
    const pool = new SlabPool(1024, 4, 3);
    const pinned = [];
    // A lease pinned in every slab, with the rest of each slab filled by leases that end.
    for (let i = 0; i < 20; i++) {
      const stuck = pool.lease();
      const piece = stuck.allocate(100).fill(i);
      pinned.push({ stuck, piece, i });
      const passing = pool.lease();
      passing.allocate(450);
      passing.allocate(450);
      passing.release();
      expect(pool.slabCount).toBeLessThanOrEqual(3);
    }
    for (const { piece, i } of pinned) expect(piece.every((b) => b === i)).toBe(true);
    for (const { stuck } of pinned) stuck.release();
    const after = pool.lease();
    expect(after.allocate(100).length).toBe(100);
    expect(pool.slabCount).toBeLessThanOrEqual(3);
  });
});
