import { isUtf8 } from 'node:buffer';
import { BinaryWriter } from '../../store/row-binary/binary-writer.ts';

const HEX = Buffer.from('0123456789abcdef');

/**
 * The RowBinary writer (core/store/row-binary's BinaryWriter) plus writes that copy bytes
 * straight from the protobuf input: strings are already UTF-8 there, fixed64 times are already
 * little-endian.
 */
export class RowWriter extends BinaryWriter {
  constructor(initialBytes = 1 << 16) {
    super(initialBytes);
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

  /** Bytes already encoded (a column block the context prepared). */
  copyBytes(src: Buffer): void {
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




  /** A 64-bit value from its 32-bit halves. */
  uint64Halves(lo: number, hi: number): void {
    this.reserve(8);
    this.buf.writeUInt32LE(lo >>> 0, this.offset);
    this.buf.writeUInt32LE(hi >>> 0, this.offset + 4);
    this.offset += 8;
  }


  /** The bytes written so far (a copy, so the writer can be reused). */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
}
