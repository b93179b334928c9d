import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Signal } from '../../core/model/index.ts';

// The OTLP collector services (opentelemetry-proto, collector/*/v1/*_service.proto): one unary
// Export method each. Requests stay raw bytes here: the receiver decodes them itself with the
// project's protobufjs codec, so bad data is INVALID_ARGUMENT with a message (grpc-js would answer
// a throwing deserializer with INTERNAL) and protobuf goes on the Kafka wire as received.
const SERVICES: Record<Signal, string> = {
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
};

const identity = (bytes: Buffer): Buffer => bytes;

export function exportServiceDefinition(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: `/${SERVICES[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: 'export',
    },
  };
}
