export { OtlpGrpcReceiver } from './otlp-grpc-receiver.ts';
export type { OtlpGrpcReceiverOptions } from './otlp-grpc-receiver.ts';
export { retryDelayMs } from './grpc-status.ts';
