/**
 * Protobuf wire reading with exactly the arithmetic of protobufjs 7's BufferReader (the
 * reference decoder), so that where this reader succeeds the reference reads the same values.
 * Anything the transcoder does not want to reason about throws {@link Bailout}; the caller then
 * runs the reference path for the whole request.
 */
export class Bailout extends Error {
  override readonly name = 'Bailout';
}

export const enum Wire {
  Varint = 0,
  I64 = 1,
  Len = 2,
  I32 = 5,
}

/** A DataView of exactly a Buffer's bytes. */
export function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function outOfRange(): RangeError {
  return new RangeError('index out of range');
}

export class WireReader {
  buf: Buffer;
  /** The same bytes, for reading (and copying) 32 bits at a time. */
  view: DataView;
  pos = 0;
  len = 0;
  /** Result of the last 64-bit read: low and high 32 bits, unsigned. */
  lo = 0;
  hi = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
    this.view = viewOf(buf);
    this.len = buf.length;
  }

  /** Starts over on other bytes (the reader is reused from request to request). */
  reset(buf: Buffer): void {
    this.buf = buf;
    this.view = viewOf(buf);
    this.len = buf.length;
    this.pos = 0;
  }

  /**
   * protobufjs Reader#uint32. One-byte values (most tags and lengths) are read here, small
   * enough for the JIT to inline at every call; longer ones in uint32Long.
   */
  uint32(): number {
    const pos = this.pos;
    if (pos < this.len) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.uint32Long();
  }

  /** protobufjs Reader#uint32, including its near-the-end and over-long forms. */
  private uint32Long(): number {
    const buf = this.buf;
    if (this.len - this.pos < 5) {
      if (this.pos >= this.len) throw outOfRange();
      if (buf[this.pos]! >= 128) return this.varint32NearEnd();
    }
    let value = (buf[this.pos]! & 127) >>> 0;
    if (buf[this.pos++]! < 128) return value;
    value = (value | ((buf[this.pos]! & 127) << 7)) >>> 0;
    if (buf[this.pos++]! < 128) return value;
    value = (value | ((buf[this.pos]! & 127) << 14)) >>> 0;
    if (buf[this.pos++]! < 128) return value;
    value = (value | ((buf[this.pos]! & 127) << 21)) >>> 0;
    if (buf[this.pos++]! < 128) return value;
    value = (value | ((buf[this.pos]! & 15) << 28)) >>> 0;
    if (buf[this.pos++]! < 128) return value;
    if ((this.pos += 5) > this.len) {
      this.pos = this.len;
      throw outOfRange();
    }
    return value;
  }

  private varint32NearEnd(): number {
    let value = 0;
    for (let i = 0; i < 4; ++i) {
      if (this.pos >= this.len) throw outOfRange();
      const b = this.buf[this.pos++]!;
      value = (value | ((b & 127) << (i * 7))) >>> 0;
      if (b < 128) return value;
    }
    throw outOfRange();
  }

  /** protobufjs readLongVarint (int64/uint64 fields): sets lo/hi. */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    if (this.len - this.pos > 4) {
      for (; i < 4; ++i) {
        lo = (lo | ((buf[this.pos]! & 127) << (i * 7))) >>> 0;
        if (buf[this.pos++]! < 128) return this.set64(lo, hi);
      }
      lo = (lo | ((buf[this.pos]! & 127) << 28)) >>> 0;
      hi = (hi | ((buf[this.pos]! & 127) >> 4)) >>> 0;
      if (buf[this.pos++]! < 128) return this.set64(lo, hi);
      i = 0;
    } else {
      for (; i < 3; ++i) {
        if (this.pos >= this.len) throw outOfRange();
        lo = (lo | ((buf[this.pos]! & 127) << (i * 7))) >>> 0;
        if (buf[this.pos++]! < 128) return this.set64(lo, hi);
      }
      // protobufjs reads a fourth byte here without a bound check; do not follow it past the end.
      if (this.pos >= this.len) throw new Bailout('varint runs past the end');
      lo = (lo | ((buf[this.pos++]! & 127) << (i * 7))) >>> 0;
      return this.set64(lo, hi);
    }
    if (this.len - this.pos > 4) {
      for (; i < 5; ++i) {
        hi = (hi | ((buf[this.pos]! & 127) << (i * 7 + 3))) >>> 0;
        if (buf[this.pos++]! < 128) return this.set64(lo, hi);
      }
    } else {
      for (; i < 5; ++i) {
        if (this.pos >= this.len) throw outOfRange();
        hi = (hi | ((buf[this.pos]! & 127) << (i * 7 + 3))) >>> 0;
        if (buf[this.pos++]! < 128) return this.set64(lo, hi);
      }
    }
    throw new Error('invalid varint encoding');
  }

  private set64(lo: number, hi: number): void {
    this.lo = lo;
    this.hi = hi;
  }

  /** The little-endian uint32 at `at` (the caller knows it is in range). */
  uint32At(at: number): number {
    return this.view.getUint32(at, true);
  }

  fixed64(): void {
    if (this.pos + 8 > this.len) throw outOfRange();
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  fixed32(): number {
    if (this.pos + 4 > this.len) throw outOfRange();
    const value = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  double(): number {
    if (this.pos + 8 > this.len) throw outOfRange();
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** Skips an unknown field as protobufjs skipType does; groups are left to the reference. */
  skip(wire: number): void {
    switch (wire) {
      case Wire.Varint:
        do {
          if (this.pos >= this.len) throw outOfRange();
        } while (this.buf[this.pos++]! & 128);
        return;
      case Wire.I64:
        if (this.pos + 8 > this.len) throw outOfRange();
        this.pos += 8;
        return;
      case Wire.Len: {
        const length = this.uint32();
        if (this.pos + length > this.len) throw outOfRange();
        this.pos += length;
        return;
      }
      case Wire.I32:
        if (this.pos + 4 > this.len) throw outOfRange();
        this.pos += 4;
        return;
      default:
        throw new Bailout(`wire type ${wire}`);
    }
  }
}
