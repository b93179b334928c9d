import { credentials, makeGenericClientConstructor, Metadata, status as Status, type Client, type ServiceError } from '@grpc/grpc-js';
import { exportServiceDefinition } from '../../collector/otlp-grpc/service-definition.ts';

type ExportClient = Client & { Export(body: Buffer, metadata: Metadata, options: object, cb: (err: ServiceError | null) => void): void };

/**
 * Sends pre-encoded ExportLogsServiceRequest bytes over OTLP/gRPC on one channel (HTTP/2
 * multiplexes the concurrent calls, as an SDK's exporter does), retrying what the OTLP spec
 * calls retryable. Resolves with the latency of the call that succeeded, in ms.
 */
export function grpcLogSender(endpoint: string): { send(body: Buffer): Promise<number>; close(): void } {
  const Ctor = makeGenericClientConstructor(exportServiceDefinition('logs'), 'logs');
  const client = new Ctor(endpoint.replace(/^https?:\/\//, ''), credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as ExportClient;
  const once = (body: Buffer) => new Promise<ServiceError | null>((resolve) => client.Export(body, new Metadata(), {}, (err) => resolve(err)));
  return {
    async send(body) {
      const started = performance.now();
      for (;;) {
        const err = await once(body);
        if (!err) return performance.now() - started;
        if (err.code !== Status.RESOURCE_EXHAUSTED && err.code !== Status.UNAVAILABLE) throw new Error(`unexpected gRPC status ${err.code}: ${err.details}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    },
    close: () => client.close(),
  };
}
