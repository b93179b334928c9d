import type { BinaryWriter } from './binary-writer.ts';

/** Writes one value of a column in RowBinary. */
export type Encode = (w: BinaryWriter, value: unknown) => void;

const toBigInt = (value: unknown): bigint => {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  const text = value == null ? '' : String(value);
  return text === '' ? 0n : BigInt(text);
};

/** Splits "Map(LowCardinality(String), String)" arguments at top-level commas. */
function typeArguments(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(inner.slice(start).trim());
  return out;
}

/**
 * An encoder for the ClickHouse types vigil's row mapping produces. Values arrive as the row
 * mapping builds them: DateTime64(9) and UInt64 as decimal strings (exact beyond 2^53).
 */
export function encoderFor(type: string): Encode {
  const wrapped = /^(\w+)\((.*)\)$/s.exec(type);
  const name = wrapped ? wrapped[1]! : type;
  switch (name) {
    case 'String':
      return (w, v) => w.string(v == null ? '' : String(v));
    case 'LowCardinality':
      return encoderFor(wrapped![2]!);
    case 'UInt8':
      return (w, v) => w.uint8(Number(v ?? 0));
    case 'Bool':
    case 'Boolean':
      return (w, v) => w.uint8(v ? 1 : 0);
    case 'UInt32':
      return (w, v) => w.uint32(Number(v ?? 0));
    case 'Int32':
      return (w, v) => w.int32(Number(v ?? 0));
    case 'UInt64':
      return (w, v) => w.uint64(toBigInt(v));
    case 'Float64':
      return (w, v) => w.float64(Number(v ?? 0));
    case 'DateTime':
      return (w, v) => w.uint32(Number(v ?? 0));
    case 'DateTime64': {
      if (!/^9\b/.test(wrapped![2]!)) throw new Error(`unsupported column type ${type}: vigil writes nanosecond DateTime64(9)`);
      return (w, v) => w.int64(toBigInt(v));
    }
    case 'Array': {
      const element = encoderFor(wrapped![2]!);
      return (w, v) => {
        const list = (v as unknown[] | undefined) ?? [];
        w.varUInt(list.length);
        for (const item of list) element(w, item);
      };
    }
    case 'Map': {
      const [keyType, valueType] = typeArguments(wrapped![2]!);
      const key = encoderFor(keyType!);
      const value = encoderFor(valueType!);
      return (w, v) => {
        const entries = Object.entries((v as Record<string, unknown> | undefined) ?? {});
        w.varUInt(entries.length);
        for (const [k, val] of entries) {
          key(w, k);
          value(w, val);
        }
      };
    }
    default:
      throw new Error(`unsupported column type ${type} for RowBinary`);
  }
}
