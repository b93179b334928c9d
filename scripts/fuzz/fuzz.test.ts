import { describe, expect, it } from 'vitest';
import { fuzzInProcess, realColumnTypes } from './fuzz-in-process.ts';
import { fuzzHttp } from './fuzz-http.ts';
import { sdkSeeds } from './sdk-seeds.ts';

// The short CI version of `npm run fuzz`: the same harness and invariants, fewer inputs.
describe('fuzzing (short)', () => {
  it('decode → validate → rows → RowBinary: no crash, rows = records − rejected', async () => {
    const figures = fuzzInProcess(await sdkSeeds(), await realColumnTypes(), 5_000, 20261130);
    expect(figures.crashes).toEqual([]);
    expect(figures.accepted).toBeGreaterThan(1_000);
    expect(figures.rejected).toBeGreaterThan(0);
  }, 120_000);

  it('a real vigil start answers every mutated request 2xx or 4xx and stores sent − rejected', async () => {
    const figures = await fuzzHttp(await sdkSeeds(), 300, 20261201, 16);
    expect(figures.failures).toEqual([]);
    expect(figures.vigilAlive).toBe(true);
    expect(figures.stored).toBe(figures.sent - figures.rejected);
    expect(figures.byStatus['200']).toBeGreaterThan(0);
  }, 120_000);
});
