/** A growable buffer for ClickHouse's RowBinary format: little-endian numbers, LEB128 lengths. */
export class BinaryWriter {
  buf: Buffer;
  offset = 0;

  constructor(initialBytes = 1 << 20) {
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

  string(value: string): void {
    const bytes = Buffer.byteLength(value);
    this.varUInt(bytes);
    this.reserve(bytes);
    this.offset += this.buf.write(value, this.offset, 'utf8');
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

  uint64(value: bigint): void {
    this.reserve(8);
    this.offset = this.buf.writeBigUInt64LE(value, this.offset);
  }

  int64(value: bigint): void {
    this.reserve(8);
    this.offset = this.buf.writeBigInt64LE(value, this.offset);
  }

  float64(value: number): void {
    this.reserve(8);
    this.offset = this.buf.writeDoubleLE(value, this.offset);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}
