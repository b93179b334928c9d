import { isUtf8 } from 'node:buffer';

const HEX = Buffer.from('0123456789abcdef');

/**
 * A growable RowBinary buffer that copies bytes straight from the protobuf input: strings are
 * already UTF-8 there, fixed64 times are already little-endian. Writes exactly what
 * core/store/row-binary's BinaryWriter writes for the same values.
 */
export class RowWriter {
  buf: Buffer;
  offset = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reserve(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.offset + bytes));
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  varUInt(value: number): void {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
  }

  /** A string column from protobuf string bytes, re-encoded where protobufjs would have replaced invalid UTF-8. */
  stringFrom(src: Buffer, start: number, end: number): void {
    const length = end - start;
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (src[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii && !isUtf8(src.subarray(start, end))) {
      this.string(src.toString('utf8', start, end));
      return;
    }
    this.varUInt(length);
    this.reserve(length);
    if (length < 32) {
      const buf = this.buf;
      let o = this.offset;
      for (let i = start; i < end; i++) buf[o++] = src[i]!;
      this.offset = o;
    } else {
      this.offset += src.copy(this.buf, this.offset, start, end);
    }
  }

  string(value: string): void {
    const bytes = Buffer.byteLength(value);
    this.varUInt(bytes);
    this.reserve(bytes);
    this.offset += this.buf.write(value, this.offset, 'utf8');
  }

  /** An id as the hex string column the row mapping writes ('' for none). */
  hexFrom(src: Buffer, start: number, end: number): void {
    const length = (end - start) * 2;
    this.varUInt(length);
    this.reserve(length);
    const buf = this.buf;
    let o = this.offset;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      buf[o++] = HEX[b >> 4]!;
      buf[o++] = HEX[b & 15]!;
    }
    this.offset = o;
  }

  /** Eight bytes as they are: fixed64 times and counts, doubles (NaN payloads included). */
  copy8(src: Buffer, at: number): void {
    this.reserve(8);
    const buf = this.buf;
    const o = this.offset;
    for (let i = 0; i < 8; i++) buf[o + i] = src[at + i]!;
    this.offset = o + 8;
  }

  zeros(count: number): void {
    this.reserve(count);
    this.buf.fill(0, this.offset, this.offset + count);
    this.offset += count;
  }

  bytes(src: Buffer): void {
    const length = src.length;
    this.reserve(length);
    if (length < 64) {
      const buf = this.buf;
      let o = this.offset;
      for (let i = 0; i < length; i++) buf[o++] = src[i]!;
      this.offset = o;
    } else this.offset += src.copy(this.buf, this.offset);
  }

  /** A non-negative integer below 2^32 as its decimal text (what String(n) gives), length-prefixed. */
  decimal(value: number): void {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    this.reserve(digits + 1);
    this.buf[this.offset++] = digits;
    let v = value;
    for (let i = digits - 1; i >= 0; i--) {
      this.buf[this.offset + i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.offset += digits;
  }

  uint8(value: number): void {
    this.reserve(1);
    this.buf[this.offset++] = value & 0xff;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.offset = this.buf.writeUInt32LE(value >>> 0, this.offset);
  }

  int32(value: number): void {
    this.reserve(4);
    this.offset = this.buf.writeInt32LE(value | 0, this.offset);
  }

  /** A 64-bit value from its 32-bit halves. */
  uint64(lo: number, hi: number): void {
    this.reserve(8);
    this.buf.writeUInt32LE(lo >>> 0, this.offset);
    this.buf.writeUInt32LE(hi >>> 0, this.offset + 4);
    this.offset += 8;
  }

  float64(value: number): void {
    this.reserve(8);
    this.offset = this.buf.writeDoubleLE(value, this.offset);
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
}
