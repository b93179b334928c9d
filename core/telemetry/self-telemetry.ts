import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics as metricsApi, trace as traceApi } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { metrics, NodeSDK, resources, tracing } from '@opentelemetry/sdk-node';
import type { Logger } from './logger.ts';
import { otlpFromEnv } from './otlp-from-env.ts';
import { SelfMetricExporter, SelfSpanExporter, type SelfExportStats, type SelfSink } from './self-export.ts';
import { selfMetrics } from './self-metrics.ts';
import { SyncContextManager } from './sync-context-manager.ts';

export interface SelfTelemetryOptions {
  /** Into vigil's own tables; omitted: no self rows (e.g. a process with neither bus nor store). */
  sink?: SelfSink;
  intervalMs: number;
  prometheus: boolean;
  traceRatio: number;
  /** This process's OTLP listener ports: OTEL_* pointing there is a loop and is skipped. */
  ownOtlpPorts: readonly number[];
  serviceVersion: string;
  /** The role set, as service.instance.id's suffix and a resource attribute. */
  role: string;
  logger: Logger;
  env?: Record<string, string | undefined>;
}

/** A running self-telemetry: the /metrics handler and a shutdown that flushes. */
export interface SelfTelemetry {
  /** Serves the Prometheus text format; undefined when Prometheus is off. */
  readonly metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly stats: { metrics?: SelfExportStats; traces?: SelfExportStats };
  shutdown(): Promise<void>;
}

// Each series a label set; vigil's labels are bounded sets, this only guards against a bug.
const CARDINALITY_LIMIT = 2000;

/**
 * vigil instruments itself through @opentelemetry/sdk-node: metrics into its own tables (read
 * back through the same ingest path as any service's), on GET /metrics, and to OTLP when the
 * standard OTEL_* variables ask; sampled spans of the ingest path the same way.
 */
export async function startSelfTelemetry(options: SelfTelemetryOptions): Promise<SelfTelemetry> {
  const env = options.env ?? process.env;
  const logger = options.logger;
  const otlp = await otlpFromEnv(env, options.ownOtlpPorts, logger);
  const readers: metrics.MetricReader[] = [...otlp.metricReaders];
  const spanProcessors: tracing.SpanProcessor[] = [...otlp.spanProcessors];
  let metricExporter: SelfMetricExporter | undefined;
  let spanExporter: SelfSpanExporter | undefined;
  if (options.sink) {
    metricExporter = new SelfMetricExporter(options.sink, logger);
    readers.push(
      new metrics.PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: options.intervalMs,
        exportTimeoutMillis: options.intervalMs,
      }),
    );
    if (options.traceRatio > 0) {
      spanExporter = new SelfSpanExporter(options.sink, logger);
      // Bounded queue: spans beyond it are dropped by the processor, never buffered without end.
      spanProcessors.push(new tracing.BatchSpanProcessor(spanExporter, { maxQueueSize: 2048, scheduledDelayMillis: options.intervalMs }));
    }
  }
  let prometheus: PrometheusExporter | undefined;
  if (options.prometheus) {
    prometheus = new PrometheusExporter({ preventServerStart: true });
    readers.push(prometheus);
  }
  const host = hostname();
  const sdk = new NodeSDK({
    resource: resources.resourceFromAttributes({
      'service.name': 'vigil',
      'service.version': options.serviceVersion,
      'service.instance.id': `${host}/${process.pid}`,
      'host.name': host,
      'vigil.role': options.role,
    }),
    autoDetectResources: false,
    metricReaders: readers,
    views: [{ instrumentName: '*', aggregationCardinalityLimit: CARDINALITY_LIMIT }],
    spanProcessors,
    // telemetry.trace_ratio is applied by selfMetrics.span before a span is started (an
    // unsampled request then costs no span, trace id or sampler call); what it starts is kept.
    sampler: new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() }),
    // Not the default AsyncLocalStorage: it would turn on promise hooks process-wide at the first export (sync-context-manager.ts).
    contextManager: new SyncContextManager(),
    // vigil logs through pino; an OTel logger provider would only default to OTLP on localhost.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  // NodeSDK registers global providers; the facade binds to them, and a later instance in the
  // same process (tests) can register again after shutdown disables them.
  selfMetrics.bind(metricsApi.getMeter('vigil', options.serviceVersion), traceApi.getTracer('vigil', options.serviceVersion), options.traceRatio);
  logger.info(
    { selfTables: Boolean(options.sink), prometheus: options.prometheus, otlp: otlp.endpoints, traceRatio: options.traceRatio },
    'self-telemetry started',
  );
  let stopped = false;
  return {
    metricsHandler: prometheus ? (req, res) => prometheus.getMetricsRequestHandler(req, res) : undefined,
    stats: { metrics: metricExporter?.stats, traces: spanExporter?.stats },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      selfMetrics.unbind();
      try {
        await sdk.shutdown();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'self-telemetry did not flush cleanly');
      }
      metricsApi.disable();
      traceApi.disable();
    },
  };
}
