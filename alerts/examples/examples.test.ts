import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeEphemeralStore } from '../testing/ephemeral-store.ts';
import { runRuleTestFiles } from '../testing/run-rule-tests.ts';

// The shipped example rules pass their own unit tests, through the code `vigil rules test` runs.
afterAll(closeEphemeralStore);

describe('example rules', () => {
  const files = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.test.yaml')).map((f) => join(import.meta.dirname, f));

  it('cover node down, high CPU, disk filling, error-log burst and SLO burn', () => {
    expect(files.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['node-down.test.yaml', 'high-cpu.test.yaml', 'disk-filling.test.yaml', 'error-burst.test.yaml', 'slo-burn.test.yaml']),
    );
  });

  it('pass their unit tests', async () => {
    const results = await runRuleTestFiles(files);
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(results.filter((r) => r.failures.length > 0)).toEqual([]);
  });
});
