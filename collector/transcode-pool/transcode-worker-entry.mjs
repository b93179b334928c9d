// The file a TranscodePool worker thread starts from. Plain JavaScript on purpose: a worker
// thread does not inherit the TypeScript loader that bin/vigil.js (npm start), `node --import
// tsx` (benchmarks) or vitest (tests) gave the main thread, so it registers tsx itself, the
// same way bin/vigil.js does, before loading the worker's TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./transcode-worker.ts');
