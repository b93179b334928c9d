export { FilelogReceiver } from './filelog-receiver.ts';
export type { FilelogOptions, FilelogStats } from './filelog-receiver.ts';
