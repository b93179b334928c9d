export { TranscodePool, TranscodeWorkerLostError, transcodeWorkerCount } from './transcode-pool.ts';
export type { PoolTranscoded, TranscodePoolOptions } from './transcode-pool.ts';
export { replayRejections } from './replayable-tally.ts';
