import { metrics, tracing } from '@opentelemetry/sdk-node';
import type { Logger } from './logger.ts';

type Env = Record<string, string | undefined>;
type OtlpSignal = 'metrics' | 'traces';

/** What the standard OTEL_* variables ask vigil to send its own telemetry to, besides its tables. */
export interface OtlpDestinations {
  metricReaders: metrics.MetricReader[];
  spanProcessors: tracing.SpanProcessor[];
  /** Endpoint per signal actually used, for the startup log. */
  endpoints: Partial<Record<OtlpSignal, string>>;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/**
 * OTLP is used when OTEL_{METRICS,TRACES}_EXPORTER names `otlp`, or when it is unset and an
 * OTLP endpoint variable is set: without either, vigil sends nothing anywhere (the SDK's own
 * default would be localhost:4318, vigil itself).
 */
export function wantsOtlp(env: Env, signal: OtlpSignal): boolean {
  const exporters = list(env[signal === 'metrics' ? 'OTEL_METRICS_EXPORTER' : 'OTEL_TRACES_EXPORTER']);
  if (exporters.length > 0) return exporters.includes('otlp');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]);
}

function protocol(env: Env, signal: OtlpSignal): 'grpc' | 'http/json' | 'http/protobuf' {
  const value = (env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  return value === 'grpc' || value === 'http/json' ? value : 'http/protobuf';
}

/** The endpoint the exporter will use, as the OTLP exporter spec resolves it. */
export function endpointFor(env: Env, signal: OtlpSignal): string {
  const specific = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (specific) return specific;
  const grpc = protocol(env, signal) === 'grpc';
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? (grpc ? 'http://localhost:4317' : 'http://localhost:4318');
  return grpc ? base : `${base.replace(/\/$/, '')}/v1/${signal}`;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

/** True when the endpoint is one of this process's own OTLP listeners (a loop, not a destination). */
export function pointsAtSelf(endpoint: string, ownPorts: readonly number[]): boolean {
  try {
    const url = new URL(endpoint);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return LOOPBACK.has(url.hostname) && ownPorts.includes(port);
  } catch {
    return false;
  }
}

async function metricExporter(kind: ReturnType<typeof protocol>): Promise<metrics.PushMetricExporter> {
  if (kind === 'grpc') return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter();
  if (kind === 'http/json') return new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter();
  return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter();
}

async function spanExporter(kind: ReturnType<typeof protocol>): Promise<tracing.SpanExporter> {
  if (kind === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (kind === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

/** Builds the OTLP exporters the environment asks for; the exporters read the rest of OTEL_*. */
export async function otlpFromEnv(env: Env, ownOtlpPorts: readonly number[], logger: Logger): Promise<OtlpDestinations> {
  const out: OtlpDestinations = { metricReaders: [], spanProcessors: [], endpoints: {} };
  for (const signal of ['metrics', 'traces'] as const) {
    if (!wantsOtlp(env, signal)) continue;
    const endpoint = endpointFor(env, signal);
    if (pointsAtSelf(endpoint, ownOtlpPorts)) {
      logger.warn({ signal, endpoint }, 'OTEL_* points vigil at its own OTLP receiver; not exporting there (its telemetry is already in its own tables)');
      continue;
    }
    out.endpoints[signal] = endpoint;
    if (signal === 'metrics') {
      const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000;
      out.metricReaders.push(
        new metrics.PeriodicExportingMetricReader({
          exporter: await metricExporter(protocol(env, signal)),
          exportIntervalMillis: interval,
          // The SDK refuses a timeout longer than the interval.
          exportTimeoutMillis: Math.min(Number(env.OTEL_METRIC_EXPORT_TIMEOUT) || 30_000, interval),
        }),
      );
    } else {
      out.spanProcessors.push(new tracing.BatchSpanProcessor(await spanExporter(protocol(env, signal))));
    }
  }
  return out;
}
