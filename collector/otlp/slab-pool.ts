/**
 * Reused memory for what an embedded request holds until its rows are inserted: the body as it
 * is read and the RowBinary blocks transcoded from it. Each of those used to be a new
 * ArrayBuffer; living ~100 ms to a second (the group-commit wait and the insert), they outlive
 * two scavenges, so V8 promotes them to old space, where only a full mark-compact frees them,
 * and their external bytes start one every few requests (measured: ~30 mark-compacts of the
 * ~40 MB heap per 300,000 records, a third of the main thread's time, plus V8's helper threads).
 * Pieces of a few long-lived slabs are not garbage at all.
 *
 * A request takes a {@link SlabLease}; every piece it allocates is given back at once when the
 * request is answered (release), which is after its rows were inserted or refused. A slab is
 * reused once no live lease holds a piece of it; up to `maxSpareSlabs` idle slabs are kept.
 * Pieces larger than half a slab are plain buffers (a rare huge request does not grow the slabs).
 */
export class SlabPool {
  private current: Slab | undefined;
  private readonly spare: Slab[] = [];
  /** Slabs allocated, now held by the pool (current, spare) or by leases. */
  private slabs = 0;

  constructor(
    readonly slabBytes = 4 << 20,
    private readonly maxSpareSlabs = 4,
    /**
     * Slabs that may exist at once. A long-held lease (a request whose insert retries) pins its
     * slab while newer requests fill others, so without a cap a few such leases, spaced out in
     * the traffic, would pin a slab each; past the cap, pieces are plain buffers (the receiver's
     * byte budget bounds those, as before slabs).
     */
    private readonly maxSlabs = 16,
  ) {}

  lease(): SlabLease {
    return new SlabLease(this);
  }

  /** Slabs that exist now (in use or spare): their memory is slabs × slabBytes. */
  get slabCount(): number {
    return this.slabs;
  }

  /** @internal A piece of `bytes` bytes for `lease`. */
  allocate(lease: SlabLease, bytes: number): Buffer {
    if (bytes > this.slabBytes >> 1) return Buffer.allocUnsafeSlow(bytes);
    let slab = this.current;
    if (slab && slab.refs === 0) slab.used = 0; // nobody holds a piece: start it over
    if (!slab || slab.used + bytes > this.slabBytes) {
      if (slab && slab.refs === 0) this.retire(slab);
      if (this.spare.length === 0 && this.slabs >= this.maxSlabs) return Buffer.allocUnsafeSlow(bytes);
      slab = this.spare.pop() ?? this.create();
      slab.used = 0;
      this.current = slab;
    }
    const piece = slab.buf.subarray(slab.used, slab.used + bytes);
    slab.used += (bytes + 7) & ~7; // 8-byte aligned pieces
    if (lease.last !== slab) {
      // A lease takes one reference per slab it has pieces in (pieces come in order, so a slab
      // it already holds is nearly always its last one).
      if (!lease.slabs.includes(slab)) {
        slab.refs += 1;
        lease.slabs.push(slab);
      }
      lease.last = slab;
    }
    return piece;
  }

  /** @internal */
  release(lease: SlabLease): void {
    for (const slab of lease.slabs) {
      slab.refs -= 1;
      if (slab.refs === 0 && slab !== this.current) this.retire(slab);
    }
    lease.slabs.length = 0;
    lease.last = undefined;
  }

  private create(): Slab {
    this.slabs += 1;
    return { buf: Buffer.allocUnsafeSlow(this.slabBytes), used: 0, refs: 0 };
  }

  private retire(slab: Slab): void {
    if (this.spare.length < this.maxSpareSlabs) this.spare.push(slab);
    else this.slabs -= 1; // let go: the garbage collector frees it
  }
}

interface Slab {
  buf: Buffer;
  used: number;
  /** Leases holding a piece of this slab. */
  refs: number;
}

/** The pieces one request holds; give them back with release() once nothing reads them. */
export class SlabLease {
  /** @internal */
  readonly slabs: Slab[] = [];
  /** @internal */
  last: Slab | undefined;
  /** Bound once: handed to the transcoder as its allocator. */
  readonly allocate = (bytes: number): Buffer => this.pool.allocate(this, bytes);

  constructor(private readonly pool: SlabPool) {}

  release(): void {
    this.pool.release(this);
  }
}
