type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);

interface Field {
  no: number;
  wire: number;
  /** The value as on the wire (for length-delimited fields: the content, without its length). */
  value: Buffer;
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Splits bytes into protobuf fields, or undefined when they are not a plain message. */
function parseFields(buf: Buffer): Field[] | undefined {
  const fields: Field[] = [];
  let pos = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= buf.length) return undefined;
      const b = buf[pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return undefined;
  };
  while (pos < buf.length) {
    const tag = readVarint();
    if (tag === undefined || tag > 0xffffffff) return undefined;
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no === 0) return undefined;
    const start = pos;
    if (wire === 0) {
      if (readVarint() === undefined) return undefined;
      fields.push({ no, wire, value: buf.subarray(start, pos) });
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > buf.length) return undefined;
      fields.push({ no, wire, value: buf.subarray(start, pos) });
    } else if (wire === 2) {
      const length = readVarint();
      if (length === undefined || pos + length > buf.length) return undefined;
      fields.push({ no, wire, value: buf.subarray(pos, pos + length) });
      pos += length;
    } else return undefined;
  }
  return fields;
}

function encodeFields(fields: Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    parts.push(varint(f.no * 8 + f.wire));
    if (f.wire === 2) parts.push(varint(f.value.length));
    parts.push(f.value);
  }
  return Buffer.concat(parts);
}

const UNKNOWN_VALUES: Array<Omit<Field, 'no'>> = [
  { wire: 0, value: Buffer.from([0x96, 0x01]) },
  { wire: 1, value: Buffer.alloc(8, 7) },
  { wire: 2, value: Buffer.from('unknown') },
  { wire: 5, value: Buffer.alloc(4, 9) },
];

/**
 * Re-encodes a protobuf message the way other (valid) encoders may: fields in another order,
 * unknown fields added, a field sent twice (protobufjs keeps the last scalar, replaces a message,
 * appends to a list), nested messages treated alike. Length-delimited values that do not parse
 * as a message are left as they are; those that happen to (some strings) are rewritten too,
 * which is still a valid, just different, input.
 */
export function rewriteWire(random: Random, bytes: Uint8Array, depth = 0): Buffer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields = parseFields(buf);
  if (!fields || fields.length === 0) return buf;
  for (const f of fields) {
    if (f.wire === 2 && depth < 14 && random() < 0.6) f.value = rewriteWire(random, f.value, depth + 1);
  }
  if (random() < 0.3) {
    for (let i = fields.length - 1; i > 0; i--) {
      const j = int(random, i + 1);
      [fields[i], fields[j]] = [fields[j]!, fields[i]!];
    }
  }
  if (random() < 0.1) {
    const f = fields[int(random, fields.length)]!;
    fields.splice(int(random, fields.length + 1), 0, { ...f });
  }
  if (random() < 0.15) {
    const unknown = UNKNOWN_VALUES[int(random, UNKNOWN_VALUES.length)]!;
    fields.splice(int(random, fields.length + 1), 0, { no: 100 + int(random, 2000), ...unknown });
  }
  return encodeFields(fields);
}
