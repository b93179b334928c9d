// A transcode worker that dies, as a worker hit by a fatal bug or out of memory would, when a
// request holds the cue; otherwise it is the real worker. Its listener runs before the real one.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

const CUE = Buffer.from('CRASH-THIS-TRANSCODE-WORKER');
parentPort.on('message', (job) => {
  if (Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength).includes(CUE)) process.exit(70);
});
register();
await import('../transcode-worker.ts');
