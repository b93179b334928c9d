export { OtlpReceiver } from './otlp-receiver.ts';
export type { OtlpReceiverOptions, ReceiverStats } from './otlp-receiver.ts';
