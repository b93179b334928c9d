import { describe, expect, it } from 'vitest';
import { realColumnTypes } from './fuzz-in-process.ts';
import { sdkSeeds } from './sdk-seeds.ts';
import { fuzzTranscode } from './transcode-differential.ts';

// The short CI version of `npm run fuzz:transcode`: the same inputs and comparison, fewer of them.
describe('transcoder differential fuzzing (short)', () => {
  it('gives byte-identical rows, rejections and malformed verdicts to the reference path', async () => {
    const figures = fuzzTranscode(await sdkSeeds(), await realColumnTypes(), 6_000, 20261201);
    expect(figures.firstMismatches).toEqual([]);
    expect(figures.mismatches).toBe(0);
    // The comparison covered every outcome: rows, rejections, malformed input, both paths.
    expect(figures.rows).toBeGreaterThan(1_000);
    expect(figures.rejected).toBeGreaterThan(0);
    expect(figures.malformed).toBeGreaterThan(0);
    expect(figures.transcoderPath).toBeGreaterThan(figures.referencePath);
  }, 180_000);
});
