import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthorizer } from './authorizer.ts';

// Timing cannot be measured reliably enough on a shared machine to tell a naive `===` apart
// (measured: a naive compare of a 64 KiB token differs from a first-byte miss by a ratio of
// ~1.1–1.5, inside the noise). So this checks the property that makes the compare constant
// time: every configured token is compared, always, as fixed-length digests, with
// crypto.timingSafeEqual, whatever was presented and wherever it matches.
const calls = vi.hoisted(() => [] as Array<[NodeJS.ArrayBufferView, NodeJS.ArrayBufferView]>);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.push([a, b]);
    return real.timingSafeEqual(a, b);
  };
  return { ...real, timingSafeEqual, default: { ...real, timingSafeEqual } };
});

const tokens = [
  { name: 'a', secret: 'first-token-aaaaaaaaaaaaa', roles: ['read' as const] },
  { name: 'b', secret: 'second-token-bbbbbbbbbbbbbbbbbbbbbb', roles: ['ingest' as const] },
  { name: 'c', secret: 'third-token-ccccccccccccccccccccccccccccccccccc', roles: ['admin' as const] },
];

describe('token comparison', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  // [what is presented, expected status]
  const table: Array<[string, 'ok' | 401 | 403]> = [
    ['first-token-aaaaaaaaaaaaa', 'ok'], // matches the first token: the others are still compared
    ['third-token-ccccccccccccccccccccccccccccccccccc', 'ok'],
    ['second-token-bbbbbbbbbbbbbbbbbbbbbb', 403],
    ['first-token-aaaaaaaaaaaab', 401], // near miss, same length
    ['x', 401], // far shorter
    ['y'.repeat(4096), 401], // far longer
  ];
  it.each(table.map(([p, s]) => [p.length > 60 ? `${p.slice(0, 8)}… (${p.length} chars)` : p, p, s] as const))('%s: every token compared as 32-byte digests', (_label, presented, status) => {
    const auth = createAuthorizer(tokens);
    expect(auth.authorize(`Bearer ${presented}`, 'read').status).toBe(status);
    expect(calls.map(([a, b]) => [a.byteLength, b.byteLength])).toEqual(tokens.map(() => [32, 32]));
  });
});
