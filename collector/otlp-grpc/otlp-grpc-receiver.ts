import { Server, status as Status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { assertExposureAllowed, createAuthorizer, type Authorizer } from '../../core/auth/index.ts';
import type { Bus } from '../../core/bus/index.ts';
import { RecordTooLargeError, type RejectReason, type Signal } from '../../core/model/index.ts';
import type { ListenerTls } from '../../core/tls/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { classifyIngestError, ingestProtobuf, partialSuccessProtobuf, type ReceiverStats } from '../otlp/index.ts';
import type { TranscodePool } from '../transcode-pool/index.ts';
import { grpcError } from './grpc-status.ts';
import { serverCredentials } from './server-credentials.ts';
import { exportServiceDefinition } from './service-definition.ts';

export interface OtlpGrpcReceiverOptions {
  host: string;
  port: number;
  /** Largest message accepted, after gzip decompression (grpc-js enforces it while inflating). */
  maxRecvMsgBytes: number;
  retryAfterMs: number;
  bus: Bus;
  topics: Record<Signal, string>;
  logger: Logger;
  /** Bearer tokens (role "ingest") in `authorization` metadata; without tokens the receiver is open, on loopback only. */
  auth?: { authorizer: Authorizer; allowAnonymous: boolean };
  tls?: ListenerTls;
  /** store.ttl_days: older records are rejected ("expired") and reported in partial_success. */
  ttlDays?: number;
  /** bus.kafka.max_message_bytes: over Kafka, larger requests are split by resource and scope. */
  maxMessageBytes?: number;
  /** Embedded mode: requests are transcoded on these worker threads (collector.otlp.transcode_workers). */
  transcodePool?: TranscodePool;
  /** How long shutdown waits for in-flight calls before cancelling them. */
  shutdownTimeoutMs?: number;
}

// An empty Export*ServiceResponse: every record stored (no partial_success).
const SUCCESS = Buffer.alloc(0);

/**
 * OTLP/gRPC receiver: the LogsService, MetricsService and TraceService Export methods, gzip
 * or uncompressed, on the same ingest path as OTLP/HTTP. A call succeeds only once the bus says
 * the request is durable; status codes follow the OTLP spec: INVALID_ARGUMENT for bad data
 * (never retried), RESOURCE_EXHAUSTED + RetryInfo when vigil is saturated, UNAVAILABLE + RetryInfo
 * when the bus or store cannot take data now, UNAUTHENTICATED / PERMISSION_DENIED for tokens.
 */
export class OtlpGrpcReceiver {
  private server: Server | undefined;
  private boundPort = 0;
  readonly stats: ReceiverStats = { accepted: 0, malformed: 0, too_large: 0, unsupported: 0, saturated: 0, failed: 0, unauthorized: 0 };
  /** Records in accepted requests, and those rejected (by reason) and reported in partial_success. */
  readonly records = { received: 0, rejected: 0, reasons: {} as Partial<Record<RejectReason, number>> };
  private readonly authorizer: Authorizer;

  constructor(private readonly options: OtlpGrpcReceiverOptions) {
    this.authorizer = options.auth?.authorizer ?? createAuthorizer([]);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const { host, port } = this.options;
    assertExposureAllowed(
      { name: 'OTLP/gRPC', setting: 'collector.otlp.grpc.host', host },
      { enabled: this.authorizer.enabled, allowAnonymous: this.options.auth?.allowAnonymous ?? false },
    );
    const credentials = await serverCredentials(this.options.tls, 'collector.otlp.grpc.tls');
    const server = new Server({
      'grpc.max_receive_message_length': this.options.maxRecvMsgBytes,
      // Answers are tiny; this only bounds what a misbehaving peer can make us buffer.
      'grpc.max_send_message_length': 1024 * 1024,
    });
    for (const signal of ['logs', 'metrics', 'traces'] as const) {
      server.addService(exportServiceDefinition(signal), {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void this.handle(signal, call, callback),
      });
    }
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => server.bindAsync(target, credentials, (err, bound) => (err ? reject(new Error(`OTLP/gRPC cannot listen on ${target}: ${err.message}`)) : resolve(bound))));
    this.server = server;
    this.options.logger.info({ address: this.address }, 'OTLP/gRPC receiver listening');
  }

  /** host:port as an SDK's OTEL_EXPORTER_OTLP_ENDPOINT takes it (http:// or https://). */
  get address(): string {
    if (!this.server) return '';
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `${this.options.tls ? 'https' : 'http'}://${host}:${this.boundPort}`;
  }

  get port(): number {
    return this.server ? this.boundPort : 0;
  }

  /** Stops taking calls, lets in-flight ones finish (bounded), then closes. Idempotent. */
  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.options.shutdownTimeoutMs ?? 15_000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.options.logger.info(this.stats, 'OTLP/gRPC receiver stopped');
  }

  private async handle(signal: Signal, call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    // Before decoding: an unauthenticated client gets no decoding work.
    const header = call.metadata.get('authorization')[0];
    const auth = this.authorizer.authorize(typeof header === 'string' ? header : undefined, 'ingest');
    if (auth.status !== 'ok') {
      this.stats.unauthorized += 1;
      callback(grpcError(auth.status === 401 ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED, auth.message));
      return;
    }
    try {
      const body = call.request;
      const result = await ingestProtobuf(signal, body, {
        bus: this.options.bus,
        topic: this.options.topics[signal],
        receiver: 'otlp_grpc',
        ttlDays: this.options.ttlDays,
        maxMessageBytes: this.options.maxMessageBytes,
        transcodePool: this.options.transcodePool,
      });
      this.stats.accepted += 1;
      this.records.received += result.records;
      if (result.rejected.count === 0) {
        callback(null, SUCCESS);
        return;
      }
      // Some records could not be stored: OK with partial_success, as OTLP/HTTP answers 200 with it.
      if (this.records.rejected === 0 || result.rejected.reasons.refused_by_store) this.options.logger.warn({ rejected: result.rejected.reasons }, result.rejected.message);
      this.records.rejected += result.rejected.count;
      for (const [reason, n] of Object.entries(result.rejected.reasons)) this.records.reasons[reason as RejectReason] = (this.records.reasons[reason as RejectReason] ?? 0) + n;
      callback(null, Buffer.from(partialSuccessProtobuf(result.rejected)));
    } catch (error) {
      if (error instanceof RecordTooLargeError) {
        this.stats.too_large += 1;
        callback(grpcError(Status.RESOURCE_EXHAUSTED, error.message));
        return;
      }
      const failure = classifyIngestError(error, this.options.retryAfterMs);
      if (failure.kind === 'malformed') {
        this.stats.malformed += 1;
        callback(grpcError(Status.INVALID_ARGUMENT, failure.message));
      } else if (failure.kind === 'saturated') {
        // Throttling: the spec's RESOURCE_EXHAUSTED, retryable because RetryInfo is present.
        this.stats.saturated += 1;
        callback(grpcError(Status.RESOURCE_EXHAUSTED, failure.message, failure.retryAfterMs));
      } else {
        this.stats[failure.cause === 'bus' ? 'saturated' : 'failed'] += 1;
        if (failure.cause === 'store') this.options.logger.warn({ err: failure.message }, 'OTLP/gRPC request failed; client will retry');
        callback(grpcError(Status.UNAVAILABLE, failure.message, failure.retryAfterMs));
      }
    }
  }
}
