import { isUtf8 } from 'node:buffer';
import { BinaryWriter } from '../../store/row-binary/binary-writer.ts';
import { viewOf, type WireReader } from './wire-reader.ts';

// Byte b's two hex digits as one little-endian 16-bit value (first digit in the low byte).
const HEX_PAIRS = Uint16Array.from({ length: 256 }, (_, b) => {
  const digits = b.toString(16).padStart(2, '0');
  return digits.charCodeAt(0) | (digits.charCodeAt(1) << 8);
});

/**
 * Up to this many bytes are copied four at a time through DataViews; longer runs by Buffer#copy.
 * Measured on Node 20: a byte loop costs ~3 ns a byte, 32-bit DataView moves ~1 ns a byte, and
 * Buffer#copy ~150–200 ns a call whatever the length (it builds a view per call).
 */
const WORD_COPY_LIMIT = 160;

/**
 * Bytes every row of a scope repeats (resource and scope columns, encoded once). The first row
 * written copies them from `bytes`; later rows copy them from that first row, inside the output
 * buffer, where copyWithin is a plain memmove.
 */
export class RepeatedBlock {
  /** Where the block was first written, in `writer`; -1 before. */
  at = -1;
  writer: RowWriter | undefined;

  constructor(readonly bytes: Buffer) {}
}

/**
 * The RowBinary writer (core/store/row-binary's BinaryWriter) plus writes that copy bytes
 * straight from the protobuf input: strings are already UTF-8 there, fixed64 times are already
 * little-endian. Copies go 32 bits at a time through DataViews of the output and of the input.
 */
export class RowWriter extends BinaryWriter {
  private view: DataView;

  constructor(initialBytes = 1 << 16) {
    super(initialBytes);
    this.view = viewOf(this.buf);
  }

  override reserve(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return;
    super.reserve(bytes);
    this.view = viewOf(this.buf);
  }

  /** Copies input bytes [start, end) to the output (space reserved); returns the bytes' high bits, 0 for ASCII. */
  private copyWords(input: WireReader, start: number, end: number): number {
    const src = input.buf;
    const from = input.view;
    const to = this.view;
    let o = this.offset;
    let i = start;
    let high = 0;
    for (; i + 4 <= end; i += 4, o += 4) {
      const word = from.getInt32(i, true);
      high |= word;
      to.setInt32(o, word, true);
    }
    const buf = this.buf;
    for (; i < end; i++) {
      const b = src[i]!;
      high |= b;
      buf[o++] = b;
    }
    this.offset = o;
    return high & 0x80808080;
  }

  /** A string column from protobuf string bytes, re-encoded where protobufjs would have replaced invalid UTF-8. */
  stringFrom(input: WireReader, start: number, end: number): void {
    const length = end - start;
    if (length > WORD_COPY_LIMIT) {
      this.longStringFrom(input.buf, start, end);
      return;
    }
    this.reserve(length + 2);
    const before = this.offset;
    if (length < 0x80) this.buf[this.offset++] = length;
    else {
      this.buf[this.offset++] = (length & 0x7f) | 0x80;
      this.buf[this.offset++] = length >>> 7;
    }
    // Invalid UTF-8 is rare: the copy is then overwritten with what protobufjs decodes.
    if (this.copyWords(input, start, end) !== 0 && !isUtf8(input.buf.subarray(start, end))) {
      this.offset = before;
      this.string(input.buf.toString('utf8', start, end));
    }
  }

  private longStringFrom(src: Buffer, start: number, end: number): void {
    if (!isUtf8(src.subarray(start, end))) {
      this.string(src.toString('utf8', start, end));
      return;
    }
    this.varUInt(end - start);
    this.reserve(end - start);
    this.offset += src.copy(this.buf, this.offset, start, end);
  }

  /** Text known to be ASCII (numbers as JavaScript prints them), length-prefixed. */
  ascii(text: string): void {
    const length = text.length;
    if (length >= 0x80) {
      this.string(text);
      return;
    }
    this.reserve(length + 1);
    const buf = this.buf;
    let o = this.offset;
    buf[o++] = length;
    for (let i = 0; i < length; i++) buf[o++] = text.charCodeAt(i);
    this.offset = o;
  }

  /** An id as the hex string column the row mapping writes ('' for none). */
  hexFrom(input: WireReader, start: number, end: number): void {
    const src = input.buf;
    const length = (end - start) * 2;
    if (length >= 0x80) this.varUInt(length);
    else {
      this.reserve(length + 1);
      this.buf[this.offset++] = length;
    }
    this.reserve(length);
    const to = this.view;
    let o = this.offset;
    let i = start;
    for (; i + 2 <= end; i += 2, o += 4) to.setUint32(o, HEX_PAIRS[src[i]!]! | (HEX_PAIRS[src[i + 1]!]! << 16), true);
    if (i < end) to.setUint16(o, HEX_PAIRS[src[i]!]!, true);
    this.offset += length;
  }

  /** Eight bytes as they are: fixed64 times and counts, doubles (NaN payloads included). */
  copy8(input: WireReader, at: number): void {
    this.reserve(8);
    const from = input.view;
    const to = this.view;
    const o = this.offset;
    to.setInt32(o, from.getInt32(at, true), true);
    to.setInt32(o + 4, from.getInt32(at + 4, true), true);
    this.offset = o + 8;
  }

  zeros(count: number): void {
    this.reserve(count);
    const buf = this.buf;
    const o = this.offset;
    for (let i = 0; i < count; i++) buf[o + i] = 0;
    this.offset = o + count;
  }

  /** Bytes already encoded (a constant, or a column block the context prepared). */
  copyBytes(src: Buffer): void {
    const length = src.length;
    this.reserve(length);
    if (length <= 16) {
      const buf = this.buf;
      let o = this.offset;
      for (let i = 0; i < length; i++) buf[o++] = src[i]!;
      this.offset = o;
    } else this.offset += src.copy(this.buf, this.offset);
  }

  /** A block every row of a scope repeats: copied from its first occurrence in this output when there is one. */
  repeat(block: RepeatedBlock): void {
    const length = block.bytes.length;
    if (block.writer !== this || length <= 16) {
      block.writer = this;
      block.at = this.offset;
      this.copyBytes(block.bytes);
      return;
    }
    this.reserve(length);
    this.buf.copyWithin(this.offset, block.at, block.at + length);
    this.offset += length;
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
    this.view.setUint32(this.offset, lo >>> 0, true);
    this.view.setUint32(this.offset + 4, hi >>> 0, true);
    this.offset += 8;
  }

  override uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.offset, value >>> 0, true);
    this.offset += 4;
  }

  override int32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.offset, value | 0, true);
    this.offset += 4;
  }

  /** The bytes written so far (a copy, so the writer can be reused), into `allocate`'s buffer if given. */
  take(allocate?: (bytes: number) => Buffer): Buffer {
    const out = allocate ? allocate(this.offset) : Buffer.allocUnsafe(this.offset);
    this.buf.copy(out, 0, 0, this.offset);
    return out;
  }
}
