import { parseArgs } from 'node:util';
import { fuzzInProcess, realColumnTypes } from './fuzz-in-process.ts';
import { fuzzHttp } from './fuzz-http.ts';
import { sdkSeeds } from './sdk-seeds.ts';

// npm run fuzz -- --inputs 1000000 --http-inputs 50000 [--seed 1] [--concurrency 32]
// Prints one JSON object with the figures; exits 1 if any invariant broke.
const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '100000' },
    'http-inputs': { type: 'string' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
  },
});
const inputs = Number(values.inputs);
const httpInputs = Number(values['http-inputs'] ?? Math.ceil(inputs / 20));
const seed = Number(values.seed);

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled += 1;
  console.error('unhandled rejection:', reason);
});

const seeds = await sdkSeeds();
const types = await realColumnTypes();
// Progress on stderr, so a long campaign has figures even if it is stopped.
const inProcess = fuzzInProcess(seeds, types, inputs, seed, (f) => console.error(JSON.stringify({ progress: 'in-process', ...f })));
const http = httpInputs > 0 ? await fuzzHttp(seeds, httpInputs, seed + 1, Number(values.concurrency)) : undefined;
const ok = inProcess.crashCount === 0 && unhandled === 0 && (!http || http.failures.length === 0);
console.log(JSON.stringify({ seed, seeds: seeds.length, inProcess, http, unhandledRejections: unhandled, ok }, null, 2));
process.exit(ok ? 0 : 1);
