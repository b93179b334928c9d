export { Processor } from './processor.ts';
export type { ProcessorOptions, ProcessorStats } from './processor.ts';
export type { BatchOptions } from './table-batcher.ts';
