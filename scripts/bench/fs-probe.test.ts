import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fileCreateMicros } from './fs-probe.ts';

const parent = mkdtempSync(join(tmpdir(), 'vigil-fs-probe-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

it('measures file creation in a new directory and leaves nothing behind', () => {
  const micros = fileCreateMicros(parent, 2, 3);
  expect(Number.isFinite(micros) && micros >= 0).toBe(true);
  expect(readdirSync(parent)).toEqual([]);
});
