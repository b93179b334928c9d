import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { requiredRole } from './required-role.ts';

// [method, path, role the request needs]; null: open to anyone.
const table: Array<[string, string, string | null]> = [
  ['GET', '/healthz', null],
  ['GET', '/readyz', null],
  ['POST', '/healthz', 'admin'],
  ['GET', '/api/v1/alerts', 'read'],
  ['GET', '/api/v1/rules', 'read'],
  ['GET', '/api/v1/silences', 'read'],
  ['GET', '/api/v1/status', 'read'],
  ['GET', '/metrics', 'read'],
  ['HEAD', '/api/v1/alerts', 'read'],
  ['POST', '/api/v1/query', 'read'],
  ['POST', '/api/v1/query/', 'admin'],
  ['POST', '/api/v1/silences', 'admin'],
  ['DELETE', '/api/v1/silences/abc', 'admin'],
  ['GET', '/api/v1/hooks', 'admin'],
  ['GET', '/api/v1/hooks/runs', 'admin'],
  ['GET', '/api/v1/hooksx', 'read'],
  ['POST', '/api/v1/some-new-endpoint', 'admin'],
  ['PUT', '/api/v1/query', 'admin'],
  ['OPTIONS', '/api/v1/query', 'admin'],
];

describe('requiredRole', () => {
  it.each(table)('%s %s → %s', (method, path, role) => {
    expect(requiredRole({ method, path } as Request)).toBe(role);
  });
});
