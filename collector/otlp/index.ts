export { OtlpReceiver } from './otlp-receiver.ts';
export type { OtlpReceiverOptions, ReceiverStats } from './otlp-receiver.ts';
export { classifyIngestError, otlpMessage, publishOtlp } from './publish-request.ts';
export type { IngestFailure } from './publish-request.ts';
