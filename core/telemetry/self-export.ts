import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { core, metrics, type tracing } from '@opentelemetry/sdk-node';
import type { Logger } from './logger.ts';

/**
 * Where vigil's own telemetry goes: the OTLP protobuf bytes of one export request, handed to
 * vigil's own ingest path (the bus, or the store when this process has no bus). Resolves when
 * the rows are durable, as for any other sender.
 */
export type SelfSink = (signal: 'metrics' | 'traces', bytes: Uint8Array) => Promise<void>;

/** What the self exporters dropped (never through the instruments: that would feed itself). */
export interface SelfExportStats {
  exported: number;
  dropped: number;
}

/**
 * Runs one export at a time through the sink: an export that finds the previous one still in
 * flight is dropped and counted, so a slow store can never pile up self-telemetry, and nothing
 * an export does is recorded back into the export it is part of.
 */
class OneAtATime {
  private busy = false;
  private lastError = '';
  readonly stats: SelfExportStats = { exported: 0, dropped: 0 };

  constructor(
    private readonly signal: 'metrics' | 'traces',
    private readonly sink: SelfSink,
    private readonly logger: Logger,
  ) {}

  run(bytes: Uint8Array | undefined, done: (result: core.ExportResult) => void): void {
    if (!bytes || this.busy) {
      this.drop(bytes ? 'previous self-export still in flight' : 'could not serialize', done);
      return;
    }
    this.busy = true;
    this.sink(this.signal, bytes).then(
      () => {
        this.busy = false;
        this.stats.exported += 1;
        if (this.lastError) this.logger.info({ signal: this.signal }, 'self-telemetry export recovered');
        this.lastError = '';
        done({ code: core.ExportResultCode.SUCCESS });
      },
      (err: Error) => {
        this.busy = false;
        this.drop(err.message, done, err);
      },
    );
  }

  private drop(reason: string, done: (result: core.ExportResult) => void, error?: Error): void {
    this.stats.dropped += 1;
    // Logged when the reason changes, not on every interval.
    if (reason !== this.lastError) this.logger.warn({ signal: this.signal, dropped: this.stats.dropped, reason }, 'self-telemetry export dropped');
    this.lastError = reason;
    done({ code: core.ExportResultCode.FAILED, error: error ?? new Error(reason) });
  }
}

/** Metrics into vigil's own otel_metrics_* tables. */
export class SelfMetricExporter implements metrics.PushMetricExporter {
  private readonly queue: OneAtATime;

  constructor(sink: SelfSink, logger: Logger) {
    this.queue = new OneAtATime('metrics', sink, logger);
  }

  get stats(): SelfExportStats {
    return this.queue.stats;
  }

  export(resourceMetrics: metrics.ResourceMetrics, done: (result: core.ExportResult) => void): void {
    this.queue.run(ProtobufMetricsSerializer.serializeRequest(resourceMetrics), done);
  }

  /** Cumulative, like the OTLP exporters' default, so rate rules read it as any counter. */
  selectAggregationTemporality(): metrics.AggregationTemporality {
    return metrics.AggregationTemporality.CUMULATIVE;
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** Sampled spans of the ingest path into vigil's own otel_traces. */
export class SelfSpanExporter implements tracing.SpanExporter {
  private readonly queue: OneAtATime;

  constructor(sink: SelfSink, logger: Logger) {
    this.queue = new OneAtATime('traces', sink, logger);
  }

  get stats(): SelfExportStats {
    return this.queue.stats;
  }

  export(spans: tracing.ReadableSpan[], done: (result: core.ExportResult) => void): void {
    this.queue.run(ProtobufTraceSerializer.serializeRequest(spans), done);
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}
