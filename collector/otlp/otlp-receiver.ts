import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '../../core/bus/index.ts';
import { decodeJson, RecordTooLargeError, type RejectReason, type Signal } from '../../core/model/index.ts';
import { assertExposureAllowed, createAuthorizer, wwwAuthenticate, type Authorizer } from '../../core/auth/index.ts';
import { createServer, schemeOf, type ListenerTls } from '../../core/tls/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { classifyIngestError } from './classify-ingest-error.ts';
import { sendError, sendSuccess, type OtlpEncoding } from './otlp-response.ts';
import { HttpError, readBody } from './read-body.ts';
import { ByteBudget } from './byte-budget.ts';
import { ingestProtobuf, ingestRequest } from './ingest-request.ts';
import { SlabPool, type SlabLease } from './slab-pool.ts';
import type { TranscodePool } from '../transcode-pool/index.ts';

export interface OtlpReceiverOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  retryAfterMs: number;
  bus: Bus;
  topics: Record<Signal, string>;
  logger: Logger;
  /** Bearer tokens (role "ingest"); without it (or with no tokens) the receiver is open, on loopback only. */
  auth?: { authorizer: Authorizer; allowAnonymous: boolean };
  tls?: ListenerTls;
  /** store.ttl_days: older records are rejected ("expired") and reported, not dropped unseen. */
  ttlDays?: number;
  /** collector.otlp.max_inflight_bytes: request bytes read and decoded at once (default: maxDecompressedBytes). */
  maxInflightBytes?: number;
  /** bus.kafka.max_message_bytes: over Kafka, larger requests are split by resource and scope. */
  maxMessageBytes?: number;
  /** Embedded mode: protobuf requests are transcoded on these worker threads (collector.otlp.transcode_workers). */
  transcodePool?: TranscodePool;
}

const PATHS: Record<string, Signal> = { '/v1/logs': 'logs', '/v1/metrics': 'metrics', '/v1/traces': 'traces' };

/** Outcome counts by a bounded set of reasons (never raw messages). */
export type ReceiverStats = Record<'accepted' | 'malformed' | 'too_large' | 'unsupported' | 'saturated' | 'failed' | 'unauthorized', number>;

/**
 * OTLP/HTTP receiver: POST /v1/logs|metrics|traces in protobuf or JSON, optionally gzipped.
 * Answers 2xx only once the bus says the data is durable, so the SDK's own retry covers every
 * failure; 503 + Retry-After when the pipeline is saturated or the store is unavailable.
 */
export class OtlpReceiver {
  private server: Server | undefined;
  readonly stats: ReceiverStats = { accepted: 0, malformed: 0, too_large: 0, unsupported: 0, saturated: 0, failed: 0, unauthorized: 0 };
  /** Records sent in accepted requests, and those rejected (by reason) and reported in partial_success. */
  readonly records = { received: 0, rejected: 0, reasons: {} as Partial<Record<RejectReason, number>> };
  private readonly authorizer: Authorizer;
  private readonly budget: ByteBudget;
  private lastLoggedReasons = '';
  /**
   * Embedded mode (in-process bus, transcoding on this thread): bodies and their RowBinary blocks
   * go in reused slabs, held until the request is answered (slab-pool.ts says why).
   */
  private readonly slabs: SlabPool | undefined;

  constructor(private readonly options: OtlpReceiverOptions) {
    this.authorizer = options.auth?.authorizer ?? createAuthorizer([]);
    this.budget = new ByteBudget(options.maxInflightBytes ?? options.maxDecompressedBytes);
    // Not with transcode workers (a body moved to a worker would take its whole slab along) nor
    // over Kafka (the producer may hold the bytes past the answer).
    this.slabs = options.bus.kind === 'in_process' && !options.transcodePool ? new SlabPool() : undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    assertExposureAllowed(
      { name: 'OTLP/HTTP', setting: 'collector.otlp.host', host: this.options.host },
      { enabled: this.authorizer.enabled, allowAnonymous: this.options.auth?.allowAnonymous ?? false },
    );
    const server = await createServer((req, res) => void this.handle(req, res), this.options.tls, 'collector.otlp.tls');
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    this.options.logger.info({ address: this.address }, 'OTLP/HTTP receiver listening');
  }

  get address(): string {
    const info = this.server?.address() as AddressInfo | null | undefined;
    if (!info) return '';
    return `${schemeOf(this.options.tls)}://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Stops accepting connections and waits for in-flight requests. Idempotent. */
  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    this.options.logger.info({ ...this.stats, records: this.records }, 'OTLP/HTTP receiver stopped');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding: OtlpEncoding = contentType === 'application/json' ? 'json' : 'protobuf';
    let reserved = 0;
    let lease: SlabLease | undefined;
    try {
      const path = (req.url ?? '').split('?')[0]!;
      const signal = PATHS[path];
      if (!signal) throw new HttpError(404, `unknown path ${path}: use /v1/logs, /v1/metrics or /v1/traces`);
      // Before the body is read: an unauthenticated client gets no decompression or decoding work.
      const auth = this.authorizer.authorize(req.headers.authorization, 'ingest');
      if (auth.status !== 'ok') throw new HttpError(auth.status, auth.message, { 'WWW-Authenticate': wwwAuthenticate(auth) });
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed: use POST`, { Allow: 'POST' });
      if (contentType !== 'application/json' && contentType !== 'application/x-protobuf') {
        throw new HttpError(415, `unsupported Content-Type "${contentType}": use application/x-protobuf or application/json`);
      }
      // Admission before work: the declared size is reserved before a byte is read; a body
      // without Content-Length reserves chunk by chunk.
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared <= this.options.maxRequestBytes) {
        if (!this.budget.tryReserve(declared)) throw this.overBudget();
        reserved = declared;
      }
      const reserve = (bytes: number) => (Number.isFinite(declared) ? true : this.budget.tryReserve(bytes) && ((reserved += bytes), true));
      lease = this.slabs?.lease();
      const body = await readBody(req, { maxRequestBytes: this.options.maxRequestBytes, maxDecompressedBytes: this.options.maxDecompressedBytes, reserve, allocate: lease?.allocate });
      const options = {
        bus: this.options.bus,
        topic: this.options.topics[signal],
        receiver: 'otlp_http' as const,
        ttlDays: this.options.ttlDays,
        maxMessageBytes: this.options.maxMessageBytes,
        transcodePool: this.options.transcodePool,
        allocate: lease?.allocate,
      };
      const result =
        encoding === 'json' ? await ingestRequest(signal, decodeJson(signal, body.toString('utf8')), undefined, body.length, options) : await ingestProtobuf(signal, body, options);
      this.stats.accepted += 1;
      this.countRecords(result.records, result.rejected);
      sendSuccess(res, encoding, signal, result.rejected);
    } catch (error) {
      const refused = error instanceof HttpError && error.status === 503 ? this.overBudget() : error;
      this.fail(req, res, encoding, error instanceof RecordTooLargeError ? new HttpError(413, error.message) : refused);
    } finally {
      // Answered (or failed): nothing reads the body or its blocks any more.
      lease?.release();
      this.budget.release(reserved);
    }
  }

  private overBudget(): HttpError {
    const retryAfter = String(Math.max(1, Math.ceil(this.options.retryAfterMs / 1000)));
    return new HttpError(503, `too many request bytes in flight (collector.otlp.max_inflight_bytes is ${this.budget.limit}): retry later`, {
      'Retry-After': retryAfter,
      Connection: 'close',
    });
  }

  private countRecords(received: number, rejected: { count: number; reasons: Partial<Record<RejectReason, number>>; message: string }): void {
    this.records.received += received;
    if (rejected.count === 0) return;
    // Never per record: a line with counts and the first example whenever the reasons change.
    const reasons = Object.keys(rejected.reasons).sort().join(',');
    if (reasons !== this.lastLoggedReasons) this.options.logger.warn({ rejected: rejected.reasons, total: this.records.rejected + rejected.count }, rejected.message);
    this.lastLoggedReasons = reasons;
    this.records.rejected += rejected.count;
    for (const [reason, n] of Object.entries(rejected.reasons)) this.records.reasons[reason as RejectReason] = (this.records.reasons[reason as RejectReason] ?? 0) + n;
  }

  private fail(req: IncomingMessage, res: ServerResponse, encoding: OtlpEncoding, error: unknown): void {
    const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(this.options.retryAfterMs / 1000))) };
    let status = 500;
    let message = 'internal error';
    let headers: Record<string, string> = {};
    if (error instanceof HttpError) {
      ({ status, message, headers } = error);
      this.stats[status === 413 ? 'too_large' : status === 400 ? 'malformed' : status === 401 || status === 403 ? 'unauthorized' : status === 503 ? 'saturated' : 'unsupported'] += 1;
    } else {
      const failure = classifyIngestError(error, this.options.retryAfterMs);
      message = failure.message;
      if (failure.kind === 'malformed') {
        status = 400;
        this.stats.malformed += 1;
      } else {
        status = 503;
        headers = retryAfter;
        if (failure.cause === 'bus') {
          this.stats.saturated += 1;
        } else {
          this.stats.failed += 1;
          this.options.logger.warn({ err: message }, 'OTLP request failed; client will retry');
        }
      }
    }
    // Drain what is left of a refused body so the connection stays usable.
    if (!req.complete) req.resume();
    if (!res.headersSent) sendError(res, encoding, status, message, headers);
  }
}
