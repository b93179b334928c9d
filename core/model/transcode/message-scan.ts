import { LAYOUTS, type FieldKind, type MessageLayout } from './otlp-layouts.ts';
import { Bailout, Wire, type WireReader } from './wire-reader.ts';

// Field kinds as small integers, for a switch the JIT keeps tight.
const KIND_CODE: Record<FieldKind, number> = {
  string: 1, bytes: 2, message: 3, varint: 4, varint64: 5, fixed64: 6, double: 6, fixed32: 7,
  packed_fixed64: 8, packed_double: 8, packed_varint: 9,
};
const UNKNOWN = 0;

/** A layout compiled to arrays indexed by field number. */
interface Compiled {
  kinds: Int8Array;
  repeated: Uint8Array;
  /** Layouts of message fields. */
  nested: Array<Compiled | undefined>;
  /** For message fields the transcoder does not read: the layout to check them against. */
  checkAs: Array<Compiled | undefined>;
  fields: number[];
}

const compiled = new Map<string, Compiled>();

function compile(name: string): Compiled {
  let c = compiled.get(name);
  if (c) return c;
  const layout: MessageLayout = LAYOUTS[name]!;
  const fields = Object.keys(layout).map(Number);
  const size = Math.max(...fields) + 1;
  c = { kinds: new Int8Array(size), repeated: new Uint8Array(size), nested: new Array(size), checkAs: new Array(size), fields };
  compiled.set(name, c);
  for (const no of fields) {
    const spec = layout[no]!;
    c.kinds[no] = KIND_CODE[spec.kind];
    c.repeated[no] = spec.repeated ? 1 : 0;
  }
  for (const no of fields) {
    const spec = layout[no]!;
    if (spec.kind !== 'message') continue;
    c.nested[no] = compile(spec.of!);
    if (!spec.read) c.checkAs[no] = c.nested[no];
  }
  return c;
}

/**
 * Deepest message nesting the transcoder follows; deeper requests go to the reference path. Low
 * enough that any AnyValue the reference would refuse as too deep (33 values down) is handed over.
 */
const MAX_NESTING = 32;

/**
 * Reads one field's value at r.pos (the tag already read) the way protobufjs would, checking the
 * wire type. Returns the content start for length-delimited fields (r.lenEnd-style end in `ends`).
 */
function readField(r: WireReader, kind: number, wire: number, end: number, nested: Compiled | undefined, depth: number): number {
  switch (kind) {
    case 1: // string
    case 2: // bytes
    case 3: {
      // message
      if (wire !== Wire.Len) throw new Bailout('wire type');
      const length = r.uint32();
      const start = r.pos;
      const stop = start + length;
      if (stop > r.len) {
        if (kind === 2) throw new RangeError('index out of range');
        throw new Bailout('length past the end');
      }
      if (stop > end) throw new Bailout('field overruns its message');
      if (nested) checkMessage(r, start, stop, nested, depth + 1);
      r.pos = stop;
      return start;
    }
    case 4: {
      if (wire !== Wire.Varint) throw new Bailout('wire type');
      const start = r.pos;
      r.uint32();
      return start;
    }
    case 5: {
      if (wire !== Wire.Varint) throw new Bailout('wire type');
      const start = r.pos;
      r.varint64();
      return start;
    }
    case 6: {
      if (wire !== Wire.I64) throw new Bailout('wire type');
      const start = r.pos;
      if (start + 8 > r.len) throw new RangeError('index out of range');
      r.pos += 8;
      return start;
    }
    case 7: {
      if (wire !== Wire.I32) throw new Bailout('wire type');
      const start = r.pos;
      if (start + 4 > r.len) throw new RangeError('index out of range');
      r.pos += 4;
      return start;
    }
    case 8: {
      // packed 8-byte elements, or one unpacked element
      const start = r.pos;
      if (wire === Wire.I64) {
        if (start + 8 > r.len) throw new RangeError('index out of range');
        r.pos += 8;
        return start;
      }
      if (wire !== Wire.Len) throw new Bailout('wire type');
      const length = r.uint32();
      if (length % 8 !== 0) throw new Bailout('packed length');
      const content = r.pos;
      if (content + length > r.len) throw new RangeError('index out of range');
      if (content + length > end) throw new Bailout('field overruns its message');
      r.pos = content + length;
      return content;
    }
    case 9: {
      // packed varints, or one unpacked element
      const start = r.pos;
      if (wire === Wire.Varint) {
        r.varint64();
        return start;
      }
      if (wire !== Wire.Len) throw new Bailout('wire type');
      const length = r.uint32();
      const content = r.pos;
      const stop = content + length;
      if (stop > end) throw new Bailout('field overruns its message');
      while (r.pos < stop) r.varint64();
      if (r.pos !== stop) throw new Bailout('packed varints overrun');
      return content;
    }
    default:
      throw new Bailout('field kind');
  }
}

/** Walks a message the transcoder does not read, so malformed bytes there are still noticed. */
function checkMessage(r: WireReader, start: number, end: number, layout: Compiled, depth: number): void {
  if (depth > MAX_NESTING) throw new Bailout('nesting');
  r.pos = start;
  const { kinds, nested } = layout;
  while (r.pos < end) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    const kind = no < kinds.length ? kinds[no]! : UNKNOWN;
    if (kind === UNKNOWN) r.skip(wire);
    else readField(r, kind, wire, end, nested[no], depth);
  }
  if (r.pos !== end) throw new Bailout('message overrun');
}

/** Checks a message of the named type for well-formedness (the parts the transcoder skips). */
export function checkMessageAs(name: string, r: WireReader, start: number, end: number, depth = 0): void {
  checkMessage(r, start, end, compile(name), depth);
}

/**
 * Where each field of one message occurrence is: the last occurrence of singular fields (as
 * protobufjs keeps the last), every occurrence of repeated ones. One instance per message type
 * and nesting position, reused for every occurrence (no object per record).
 */
export class MessageScan {
  private readonly layout: Compiled;
  /** Value start of a singular field's last occurrence (content start for length-delimited), -1 when absent. */
  readonly at: Int32Array;
  /** Content end of a length-delimited field's last occurrence. */
  readonly end: Int32Array;
  readonly wire: Int8Array;
  private listStarts: Int32Array[] = [];
  private listEnds: Int32Array[] = [];
  private listWires: Int8Array[] = [];
  readonly counts: Int32Array;
  start = 0;
  stop = 0;

  constructor(name: string) {
    this.layout = compile(name);
    const size = this.layout.kinds.length;
    this.at = new Int32Array(size).fill(-1);
    this.end = new Int32Array(size);
    this.wire = new Int8Array(size);
    this.counts = new Int32Array(size);
    for (let no = 0; no < size; no++) {
      this.listStarts.push(new Int32Array(this.layout.repeated[no] ? 16 : 0));
      this.listEnds.push(new Int32Array(this.layout.repeated[no] ? 16 : 0));
      this.listWires.push(new Int8Array(this.layout.repeated[no] ? 16 : 0));
    }
  }

  scan(r: WireReader, start: number, end: number, depth = 0): void {
    if (depth > MAX_NESTING) throw new Bailout('nesting');
    const { kinds, repeated, checkAs } = this.layout;
    const at = this.at;
    const ends = this.end;
    const wires = this.wire;
    const counts = this.counts;
    const size = kinds.length;
    // A loop: these arrays hold a dozen entries, too few for fill()'s call to pay.
    for (let no = 0; no < size; no++) {
      at[no] = -1;
      counts[no] = 0;
    }
    this.start = start;
    this.stop = end;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.uint32();
      const no = tag >>> 3;
      const wire = tag & 7;
      const kind = no < size ? kinds[no]! : UNKNOWN;
      if (kind === UNKNOWN) {
        r.skip(wire);
        continue;
      }
      let value: number;
      // The common kinds inline, with readField's checks; readField reads the rest.
      if (kind <= 3 && wire === Wire.Len && checkAs[no] === undefined) {
        // strings, bytes and the messages read later: only their bounds now
        const length = r.uint32();
        value = r.pos;
        const stop = value + length;
        if (stop > r.len) {
          if (kind === 2) throw new RangeError('index out of range');
          throw new Bailout('length past the end');
        }
        if (stop > end) throw new Bailout('field overruns its message');
        r.pos = stop;
      } else if (kind === 6 && wire === Wire.I64) {
        // fixed64 and double: times and values
        value = r.pos;
        if (value + 8 > r.len) throw new RangeError('index out of range');
        r.pos = value + 8;
      } else value = readField(r, kind, wire, end, checkAs[no], depth);
      if (repeated[no]) this.push(no, value, r.pos, wire);
      else {
        // A second occurrence of a message field replaces the first in protobufjs; rare enough to leave to it.
        if (kind === 3 && at[no]! >= 0) throw new Bailout('message field twice');
        at[no] = value;
        ends[no] = r.pos;
        wires[no] = wire;
      }
    }
    if (r.pos !== end) throw new Bailout('message overrun');
  }

  private push(no: number, start: number, end: number, wire: number): void {
    const n = this.counts[no]!;
    if (n === this.listStarts[no]!.length) {
      const grow = <T extends Int32Array | Int8Array>(a: T, make: (size: number) => T): T => {
        const next = make(a.length * 2);
        next.set(a);
        return next;
      };
      this.listStarts[no] = grow(this.listStarts[no]!, (s) => new Int32Array(s));
      this.listEnds[no] = grow(this.listEnds[no]!, (s) => new Int32Array(s));
      this.listWires[no] = grow(this.listWires[no]!, (s) => new Int8Array(s));
    }
    this.listStarts[no]![n] = start;
    this.listEnds[no]![n] = end;
    this.listWires[no]![n] = wire;
    this.counts[no] = n + 1;
  }

  has(no: number): boolean {
    return this.at[no]! >= 0;
  }

  itemStart(no: number, i: number): number {
    return this.listStarts[no]![i]!;
  }

  itemEnd(no: number, i: number): number {
    return this.listEnds[no]![i]!;
  }

  itemWire(no: number, i: number): number {
    return this.listWires[no]![i]!;
  }
}
