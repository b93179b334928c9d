import { describe, expect, it } from 'vitest';
import { RowBinaryEncoder } from './row-binary-encoder.ts';

const types = new Map([
  ['s', 'LowCardinality(String)'],
  ['n', 'UInt64'],
  ['t', 'DateTime64(9)'],
  ['m', 'Map(LowCardinality(String), String)'],
  ['a', 'Array(Float64)'],
  ['b', 'Bool'],
]);

describe('RowBinary encoding', () => {
  it('writes LEB128 lengths, little-endian numbers and exact 64-bit values', () => {
    const bytes = new RowBinaryEncoder(['s', 'n', 't', 'm', 'a', 'b'], types).encode([
      { s: 'é', n: '18446744073709551615', t: '1763856000123456789', m: { k: 'v' }, a: [1.5], b: true },
    ]);
    const expected = Buffer.concat([
      Buffer.from([2]), Buffer.from('é'),
      Buffer.from('ffffffffffffffff', 'hex'),
      (() => { const b = Buffer.alloc(8); b.writeBigInt64LE(1763856000123456789n); return b; })(),
      Buffer.from([1, 1]), Buffer.from('k'), Buffer.from([1]), Buffer.from('v'),
      Buffer.from([1]), (() => { const b = Buffer.alloc(8); b.writeDoubleLE(1.5); return b; })(),
      Buffer.from([1]),
    ]);
    expect(bytes.equals(expected)).toBe(true);
  });

  it('encodes a 300-byte string with a two-byte length', () => {
    const bytes = new RowBinaryEncoder(['s'], types).encode([{ s: 'x'.repeat(300) }]);
    expect([...bytes.subarray(0, 2)]).toEqual([0xac, 0x02]);
    expect(bytes.length).toBe(302);
  });

  it('refuses columns the table does not have, and types it cannot write', () => {
    expect(() => new RowBinaryEncoder(['nope'], types)).toThrow(/not in the table/);
    expect(() => new RowBinaryEncoder(['x'], new Map([['x', 'IPv6']]))).toThrow(/unsupported column type IPv6/);
  });
});
