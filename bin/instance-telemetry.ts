import { Router } from 'express';
import { InProcessBus, type Bus } from '../core/bus/index.ts';
import type { VigilConfig } from '../core/config/index.ts';
import { decodeProtobuf, requestToRows } from '../core/model/index.ts';
import type { Store } from '../core/store/index.ts';
import { selfMetrics, startSelfTelemetry, type Logger, type ProcessorCounts, type SelfSink, type SelfTelemetry } from '../core/telemetry/index.ts';

/** What of a running instance its self-telemetry reads; getters, since some parts start later. */
export interface TelemetrySources {
  bus?: Bus;
  store?: Store;
  otlpPorts: () => number[];
  receivers: Array<[name: string, stats: () => { accepted: number } & Record<string, number>]>;
  processorStats?: () => ProcessorCounts;
  firingAlerts: () => number | undefined;
  roles: string;
}

/**
 * The sink into vigil's own tables: through the bus when this process has one (the same path
 * as any service's data: batching, acknowledgement, Kafka in distributed mode), otherwise
 * straight into the store (an `alerts` or API-only process).
 */
function selfSink(config: VigilConfig, bus: Bus | undefined, store: Store | undefined): SelfSink | undefined {
  const topics = { metrics: config.bus.kafka.topics.metrics, traces: config.bus.kafka.topics.spans };
  if (bus) {
    return (signal, bytes) =>
      bus.publish(topics[signal], [{ signal, key: 'vigil-self', decoded: decodeProtobuf(signal, bytes), size: bytes.length, bytes: () => bytes }]);
  }
  if (store) {
    return async (signal, bytes) => {
      for (const { table, rows } of requestToRows(signal, decodeProtobuf(signal, bytes))) await store.insertRows(table, rows);
    };
  }
  return undefined;
}

/** vigil's self-telemetry as one component of an instance: started after the processor, stopped before it. */
export class InstanceTelemetry {
  private running?: SelfTelemetry;
  private unregister: Array<() => void> = [];

  constructor(
    private readonly config: VigilConfig,
    private readonly sources: TelemetrySources,
    /** The instance's API routes; /metrics is added here before the API starts. */
    private readonly apiRoutes: Router[],
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.config.telemetry.enabled && process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
  }

  async start(): Promise<void> {
    if (this.running || !this.enabled) return;
    const t = this.config.telemetry;
    const { bus, store } = this.sources;
    this.running = await startSelfTelemetry({
      sink: t.self_tables ? selfSink(this.config, bus, store) : undefined,
      intervalMs: t.interval,
      prometheus: t.prometheus,
      traceRatio: t.trace_ratio,
      ownOtlpPorts: [this.config.collector.otlp.port, this.config.collector.otlp.grpc.port, ...this.sources.otlpPorts()],
      serviceVersion: '0.1.0',
      role: this.sources.roles,
      logger: this.logger,
    });
    for (const [name, stats] of this.sources.receivers) this.unregister.push(selfMetrics.observeReceiver(name, stats));
    if (this.sources.processorStats) this.unregister.push(selfMetrics.observeProcessor(this.sources.processorStats));
    if (bus instanceof InProcessBus) this.unregister.push(selfMetrics.observeGauge('bus.pending_bytes', () => bus.pending));
    this.unregister.push(selfMetrics.observeGauge('alerts.firing', () => this.sources.firingAlerts() ?? 0));
    const handler = this.running.metricsHandler;
    // GET: the API's role table makes it a `read` endpoint once tokens are configured.
    if (handler) this.apiRoutes.push(Router().get('/metrics', (req, res) => handler(req, res)));
  }

  /** Flushes a last export into the tables; idempotent, safe without start(). */
  async shutdown(): Promise<void> {
    for (const off of this.unregister.splice(0)) off();
    const running = this.running;
    this.running = undefined;
    await running?.shutdown();
  }
}
