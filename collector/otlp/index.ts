export { OtlpReceiver } from './otlp-receiver.ts';
export type { OtlpReceiverOptions, ReceiverStats } from './otlp-receiver.ts';
export { classifyIngestError } from './classify-ingest-error.ts';
export type { IngestFailure } from './classify-ingest-error.ts';
export { ingestProtobuf, ingestRequest } from './ingest-request.ts';
export { partialSuccessProtobuf } from './otlp-response.ts';
