import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { realColumnTypes } from './fuzz-in-process.ts';
import { sdkSeeds } from './sdk-seeds.ts';
import { fuzzTranscode, type DifferentialFigures } from './transcode-differential.ts';

// npm run fuzz:transcode -- --inputs 1000000 [--seed 1] [--workers 2]
// The transcoder against the reference path on every input; prints one JSON object and exits 1
// on any mismatch. With --workers N the inputs are split over N processes (seeds seed…seed+N−1).
const { values } = parseArgs({
  options: { inputs: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' }, workers: { type: 'string', default: '1' } },
});
const seed = Number(values.seed);
const inputs = Number(values.inputs);
const workers = Math.max(1, Number(values.workers));

async function runWorker(part: number, partSeed: number): Promise<DifferentialFigures> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--inputs', String(part), '--seed', String(partSeed)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out) as DifferentialFigures;
}

let figures: DifferentialFigures;
const started = performance.now();
if (workers === 1) {
  figures = fuzzTranscode(await sdkSeeds(), await realColumnTypes(), inputs, seed, (f) => console.error(JSON.stringify({ progress: true, seed, ...f })));
} else {
  const parts = await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(Math.ceil(inputs / workers), seed + i)));
  figures = parts.reduce((a, b) => ({
    inputs: a.inputs + b.inputs,
    mismatches: a.mismatches + b.mismatches,
    malformed: a.malformed + b.malformed,
    transcoderPath: a.transcoderPath + b.transcoderPath,
    referencePath: a.referencePath + b.referencePath,
    records: a.records + b.records,
    rejected: a.rejected + b.rejected,
    rows: a.rows + b.rows,
    bySource: Object.fromEntries([...new Set([...Object.keys(a.bySource), ...Object.keys(b.bySource)])].map((k) => [k, (a.bySource[k] ?? 0) + (b.bySource[k] ?? 0)])),
    firstMismatches: [...a.firstMismatches, ...b.firstMismatches].slice(0, 10),
    seconds: (performance.now() - started) / 1000,
  }));
}
console.log(JSON.stringify({ seed, workers, ...figures, ok: figures.mismatches === 0 }, null, 2));
process.exit(figures.mismatches === 0 ? 0 : 1);
