import { isUtf8 } from 'node:buffer';
import type { MessageScan } from './message-scan.ts';
import type { RowWriter } from './row-writer.ts';
import { Bailout, Wire, type WireReader } from './wire-reader.ts';

/** AnyValue nesting the row mapping accepts (record-checks MAX_VALUE_DEPTH); deeper goes to the reference. */
const MAX_VALUE_DEPTH = 32;

// AnyValue fields (opentelemetry.proto.common.v1), which are also the kinds of value.
const NONE = 0;
const STRING = 1;
const BOOL = 2;
const INT = 3;
const DOUBLE = 4;
const ARRAY = 5;
const KVLIST = 6;
const BYTES = 7;

const PROTO = Buffer.from('__proto__');
const SERVICE_NAME = Buffer.from('service.name');

/** A signed 64-bit integer from its halves, as String(Long) writes it. */
export function int64Text(lo: number, hi: number): string {
  if (hi === 0) return String(lo);
  if (hi === 0xffffffff && lo >= 0x80000000) return String(lo - 0x100000000);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/**
 * Writes attribute lists (repeated KeyValue) as Map(String, String) and AnyValues as the text
 * core/model/rows/values.ts renders: the object-key semantics of `attributesToMap` (last value
 * wins at the first key's place, integer-like keys first, "__proto__" dropped, a missing key
 * read as "null") are followed by building that object, but only for the rare lists that need it.
 */
export class AttributeWriter {
  // One value scanned by scanValue: its kind and where its content is.
  private kind = NONE;
  private vs = 0;
  private ve = 0;
  // Keys and values of the list being written.
  private keyStart = new Int32Array(64);
  private keyEnd = new Int32Array(64);
  private valueStart = new Int32Array(64);
  private valueEnd = new Int32Array(64);
  /** The last 'service.name' value of the last list written, as RowBinary (length-prefixed), or undefined. */
  serviceName: string | undefined;

  constructor(private readonly r: WireReader) {}

  /** Writes the KeyValue list held in `scan` at `field` as one Map(String, String) value. */
  writeMap(w: RowWriter, scan: MessageScan, field: number, captureServiceName = false): void {
    const n = scan.counts[field]!;
    if (n > this.keyStart.length) this.growTo(n);
    const buf = this.r.buf;
    let simple = true;
    for (let i = 0; i < n; i++) {
      this.readKeyValue(scan.itemStart(field, i), scan.itemEnd(field, i), i);
      if (simple && !this.isPlainKey(buf, this.keyStart[i]!, this.keyEnd[i]!)) simple = false;
    }
    if (simple && n > 1) simple = !this.hasDuplicateKey(buf, n);
    this.serviceName = undefined;
    if (!simple) {
      this.writeAsObject(w, n, captureServiceName);
      return;
    }
    w.varUInt(n);
    for (let i = 0; i < n; i++) {
      const ks = this.keyStart[i]!;
      const ke = this.keyEnd[i]!;
      const vs = this.valueStart[i]!;
      const ve = this.valueEnd[i]!;
      w.stringFrom(this.r, ks, ke);
      this.writeValue(w, vs, ve);
      if (captureServiceName && ke - ks === SERVICE_NAME.length && buf.compare(SERVICE_NAME, 0, SERVICE_NAME.length, ks, ke) === 0) {
        this.serviceName = this.valueText(vs, ve);
      }
    }
  }

  /** Walks a KeyValue list without writing it (records that are rejected are still decoded by the reference). */
  checkMap(scan: MessageScan, field: number): void {
    const n = scan.counts[field]!;
    if (n > this.keyStart.length) this.growTo(n);
    for (let i = 0; i < n; i++) this.readKeyValue(scan.itemStart(field, i), scan.itemEnd(field, i), i);
    for (let i = 0; i < n; i++) this.valueText(this.valueStart[i]!, this.valueEnd[i]!);
  }

  /** Writes one AnyValue (content at start…end, or start < 0 for none) as a String value. */
  writeValue(w: RowWriter, start: number, end: number): void {
    if (start < 0) {
      w.varUInt(0);
      return;
    }
    this.scanValue(start, end);
    const kind = this.kind;
    if (kind === STRING) w.stringFrom(this.r, this.vs, this.ve);
    else if (kind === NONE) w.varUInt(0);
    else if (kind === INT) {
      const r = this.r;
      r.pos = this.vs;
      r.varint64();
      if (r.hi === 0) w.decimal(r.lo);
      else w.ascii(int64Text(r.lo, r.hi));
    } else if (kind === DOUBLE || kind === BOOL || kind === BYTES) {
      // Number text, 'true'/'false' and base64 are ASCII: no UTF-8 encoding needed.
      w.ascii(this.scannedText(0));
    } else w.string(this.scannedText(0));
  }

  /** Walks one AnyValue without writing it. */
  checkValue(start: number, end: number): void {
    if (start >= 0) this.valueText(start, end);
  }

  private growTo(n: number): void {
    const size = Math.max(n, this.keyStart.length * 2);
    this.keyStart = new Int32Array(size);
    this.keyEnd = new Int32Array(size);
    this.valueStart = new Int32Array(size);
    this.valueEnd = new Int32Array(size);
  }

  private pairKey = -1;
  private pairKeyEnd = -1;
  private pairValue = -1;
  private pairValueEnd = -1;

  /** Reads one KeyValue into slot i of the list being written. */
  private readKeyValue(start: number, end: number, i: number): void {
    this.readPair(start, end);
    this.keyStart[i] = this.pairKey;
    this.keyEnd[i] = this.pairKeyEnd;
    this.valueStart[i] = this.pairValue;
    this.valueEnd[i] = this.pairValueEnd;
  }

  /** Reads one KeyValue: key last-wins, value at most once (else the reference decides). */
  private readPair(start: number, end: number): void {
    const r = this.r;
    let ks = -1;
    let ke = -1;
    let vs = -1;
    let ve = -1;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.uint32();
      const no = tag >>> 3;
      const wire = tag & 7;
      if (no === 1 || no === 2) {
        if (wire !== Wire.Len) throw new Bailout('wire type');
        const length = r.uint32();
        const s = r.pos;
        const e = s + length;
        if (e > end) throw new Bailout('field overruns its message');
        if (no === 1) {
          ks = s;
          ke = e;
        } else {
          if (vs >= 0) throw new Bailout('value twice');
          vs = s;
          ve = e;
        }
        r.pos = e;
      } else r.skip(wire);
    }
    if (r.pos !== end) throw new Bailout('message overrun');
    this.pairKey = ks;
    this.pairKeyEnd = ke;
    this.pairValue = vs;
    this.pairValueEnd = ve;
  }

  /** A key an object keeps as given, in insertion order: valid UTF-8, not an array index, not __proto__. */
  private isPlainKey(buf: Buffer, start: number, end: number): boolean {
    if (start < 0) return false;
    const length = end - start;
    if (length === 0) return true;
    const first = buf[start]!;
    if (first >= 0x30 && first <= 0x39) {
      // Only all-digit keys can be array indexes.
      let digits = true;
      for (let i = start + 1; i < end && digits; i++) digits = buf[i]! >= 0x30 && buf[i]! <= 0x39;
      if (digits) return false;
    }
    if (length === PROTO.length && buf.compare(PROTO, 0, PROTO.length, start, end) === 0) return false;
    return !this.hasHighBit(start, end) || isUtf8(buf.subarray(start, end));
  }

  /** Whether any byte in [start, end) of the input is ≥ 0x80, read 32 bits at a time. */
  private hasHighBit(start: number, end: number): boolean {
    const { buf, view } = this.r;
    let high = 0;
    let i = start;
    for (; i + 4 <= end; i += 4) high |= view.getInt32(i, true);
    for (; i < end; i++) high |= buf[i]!;
    return (high & 0x80808080) !== 0;
  }

  private hasDuplicateKey(buf: Buffer, n: number): boolean {
    if (n > 48) {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) seen.add(buf.toString('latin1', this.keyStart[i]!, this.keyEnd[i]!));
      return seen.size !== n;
    }
    for (let i = 1; i < n; i++) {
      const si = this.keyStart[i]!;
      const li = this.keyEnd[i]! - si;
      for (let j = 0; j < i; j++) {
        const sj = this.keyStart[j]!;
        if (this.keyEnd[j]! - sj !== li) continue;
        let same = true;
        for (let k = 0; k < li; k++) {
          if (buf[si + k] !== buf[sj + k]) {
            same = false;
            break;
          }
        }
        if (same) return true;
      }
    }
    return false;
  }

  /** The reference's `attributesToMap` object, then its entries, for lists with unusual keys. */
  private writeAsObject(w: RowWriter, n: number, captureServiceName: boolean): void {
    const buf = this.r.buf;
    const out: Record<string, string> = {};
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const ks = this.keyStart[i]!;
      keys.push(ks < 0 ? 'null' : buf.toString('utf8', ks, this.keyEnd[i]!));
    }
    const starts = this.valueStart.slice(0, n);
    const ends = this.valueEnd.slice(0, n);
    for (let i = 0; i < n; i++) out[keys[i]!] = this.valueText(starts[i]!, ends[i]!);
    const entries = Object.entries(out);
    w.varUInt(entries.length);
    for (const [k, v] of entries) {
      w.string(k);
      w.string(v);
    }
    if (captureServiceName) this.serviceName = out['service.name'];
  }

  /** Scans an AnyValue: one value kind at most (protobufjs keeps several, the reference then prefers one; left to it). */
  private scanValue(start: number, end: number): void {
    const r = this.r;
    let kind = NONE;
    let vs = 0;
    let ve = 0;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.uint32();
      const no = tag >>> 3;
      const wire = tag & 7;
      let at: number;
      switch (no) {
        case STRING:
        case ARRAY:
        case KVLIST:
        case BYTES: {
          if (wire !== Wire.Len) throw new Bailout('wire type');
          const length = r.uint32();
          at = r.pos;
          const e = at + length;
          if (e > r.len && no === BYTES) throw new RangeError('index out of range');
          if (e > end) throw new Bailout('field overruns its message');
          if (kind === no && no !== STRING && no !== BYTES) throw new Bailout('message field twice');
          r.pos = e;
          break;
        }
        case BOOL:
          if (wire !== Wire.Varint) throw new Bailout('wire type');
          at = r.pos;
          r.uint32();
          break;
        case INT:
          if (wire !== Wire.Varint) throw new Bailout('wire type');
          at = r.pos;
          r.varint64();
          break;
        case DOUBLE:
          if (wire !== Wire.I64) throw new Bailout('wire type');
          at = r.pos;
          if (at + 8 > r.len) throw new RangeError('index out of range');
          r.pos += 8;
          break;
        default:
          r.skip(wire);
          continue;
      }
      if (kind !== NONE && kind !== no) throw new Bailout('several AnyValue kinds');
      kind = no;
      vs = at;
      ve = r.pos;
    }
    if (r.pos !== end) throw new Bailout('message overrun');
    this.kind = kind;
    this.vs = vs;
    this.ve = ve;
  }

  /** The reference's anyValueToString of an AnyValue (start < 0: none). */
  valueText(start: number, end: number): string {
    if (start < 0) return '';
    this.scanValue(start, end);
    return this.scannedText(0);
  }

  /** Text of the value scanValue just scanned, at nesting depth `depth`. */
  private scannedText(depth: number): string {
    const r = this.r;
    switch (this.kind) {
      case STRING:
        return r.buf.toString('utf8', this.vs, this.ve);
      case BOOL:
        r.pos = this.vs;
        return r.uint32() !== 0 ? 'true' : 'false';
      case INT:
        r.pos = this.vs;
        r.varint64();
        return int64Text(r.lo, r.hi);
      case DOUBLE:
        return String(r.view.getFloat64(this.vs, true));
      case ARRAY:
      case KVLIST:
        return JSON.stringify(this.scannedJson(depth));
      case BYTES:
        return r.buf.toString('base64', this.vs, this.ve);
      default:
        return '';
    }
  }

  /** The reference's anyValueToJson of the value scanValue just scanned. */
  private scannedJson(depth: number): unknown {
    const r = this.r;
    const kind = this.kind;
    const vs = this.vs;
    const ve = this.ve;
    switch (kind) {
      case ARRAY: {
        const out: unknown[] = [];
        this.eachItem(vs, ve, (s, e) => out.push(this.json(s, e, depth + 1)));
        return out;
      }
      case KVLIST: {
        const entries: Array<[string, unknown]> = [];
        this.eachItem(vs, ve, (s, e) => {
          this.readPair(s, e);
          const ks = this.pairKey;
          const key = ks < 0 ? 'null' : r.buf.toString('utf8', ks, this.pairKeyEnd);
          const valueStart = this.pairValue;
          const valueEnd = this.pairValueEnd;
          entries.push([key, valueStart < 0 ? null : this.json(valueStart, valueEnd, depth + 1)]);
        });
        return Object.fromEntries(entries);
      }
      case INT:
        return Number(this.scannedText(depth));
      case DOUBLE:
        return r.view.getFloat64(vs, true);
      case BOOL:
        r.pos = vs;
        return r.uint32() !== 0;
      default:
        return this.scannedText(depth);
    }
  }

  /**
   * Visits each element of the repeated message field 1 in [start, end) (ArrayValue.values,
   * KeyValueList.values) as its byte range; other fields are skipped. The reader is left at
   * `end` (a visit may move it).
   */
  private eachItem(start: number, end: number, visit: (s: number, e: number) => void): void {
    const r = this.r;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 !== 1) {
        r.skip(tag & 7);
        continue;
      }
      if ((tag & 7) !== Wire.Len) throw new Bailout('wire type');
      const length = r.uint32();
      const s = r.pos;
      const e = s + length;
      if (e > end) throw new Bailout('field overruns its message');
      visit(s, e);
      r.pos = e;
    }
    if (r.pos !== end) throw new Bailout('message overrun');
  }

  private json(start: number, end: number, depth: number): unknown {
    if (depth > MAX_VALUE_DEPTH) throw new Bailout('value nested too deep');
    this.scanValue(start, end);
    return this.scannedJson(depth);
  }
}
