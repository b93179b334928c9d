import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BusSaturatedError, BusUnavailableError, type Bus, type OutgoingMessage } from '../../core/bus/index.ts';
import {
  decodeJson,
  decodeProtobuf,
  encodeProtobuf,
  MalformedOtlpError,
  type Signal,
  type SignalRequest,
} from '../../core/model/index.ts';
import { assertExposureAllowed, createAuthorizer, wwwAuthenticate, type Authorizer } from '../../core/auth/index.ts';
import { StoreError } from '../../core/store/index.ts';
import { createServer, schemeOf, type ListenerTls } from '../../core/tls/index.ts';
import { selfMetrics, type Logger } from '../../core/telemetry/index.ts';
import { resourceKey } from './resource-key.ts';
import { sendError, sendSuccess, type OtlpEncoding } from './otlp-response.ts';
import { HttpError, readBody } from './read-body.ts';

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
  private readonly authorizer: Authorizer;

  constructor(private readonly options: OtlpReceiverOptions) {
    this.authorizer = options.auth?.authorizer ?? createAuthorizer([]);
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
    this.options.logger.info(this.stats, 'OTLP/HTTP receiver stopped');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding: OtlpEncoding = contentType === 'application/json' ? 'json' : 'protobuf';
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
      const body = await readBody(req, this.options);
      const message = this.toMessage(signal, encoding, body);
      // A sampled span covers the ingest path up to durable (embedded: inserted).
      await selfMetrics.span('vigil.ingest', { 'vigil.signal': signal, 'vigil.receiver': 'otlp_http' }, () => this.options.bus.publish(this.options.topics[signal], [message]));
      this.stats.accepted += 1;
      sendSuccess(res, encoding);
    } catch (error) {
      this.fail(req, res, encoding, error);
    }
  }

  private toMessage(signal: Signal, encoding: OtlpEncoding, body: Buffer): OutgoingMessage {
    const decoded = encoding === 'json' ? decodeJson(signal, body.toString('utf8')) : decodeProtobuf(signal, body);
    return {
      signal,
      key: resourceKey(signal, decoded),
      decoded,
      size: body.length,
      // Protobuf bodies go on the wire as received; JSON is encoded only if a bus needs bytes.
      bytes: encoding === 'protobuf' ? () => body : () => encodeProtobuf(signal, decoded as SignalRequest[typeof signal]),
    };
  }

  private fail(req: IncomingMessage, res: ServerResponse, encoding: OtlpEncoding, error: unknown): void {
    const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(this.options.retryAfterMs / 1000))) };
    let status = 500;
    let message = 'internal error';
    let headers: Record<string, string> = {};
    if (error instanceof HttpError) {
      ({ status, message, headers } = error);
      this.stats[status === 413 ? 'too_large' : status === 400 ? 'malformed' : status === 401 || status === 403 ? 'unauthorized' : 'unsupported'] += 1;
    } else if (error instanceof MalformedOtlpError) {
      status = 400;
      message = error.message;
      this.stats.malformed += 1;
    } else if (error instanceof BusSaturatedError || error instanceof BusUnavailableError) {
      status = 503;
      message = error.message;
      headers = retryAfter;
      this.stats.saturated += 1;
    } else if (error instanceof StoreError && !error.retryable) {
      // The rows themselves were refused: retrying the same request cannot succeed.
      status = 400;
      message = `rejected by the store: ${error.message}`;
      this.stats.malformed += 1;
    } else {
      status = 503;
      message = `temporarily unable to store data: ${(error as Error).message}`;
      headers = retryAfter;
      this.stats.failed += 1;
      this.options.logger.warn({ err: (error as Error).message }, 'OTLP request failed; client will retry');
    }
    // Drain what is left of a refused body so the connection stays usable.
    if (!req.complete) req.resume();
    if (!res.headersSent) sendError(res, encoding, status, message, headers);
  }
}
