import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type { Signal } from '../../core/model/index.ts';

/** One payload as an SDK sends it: its signal, encoding and bytes. */
export interface Seed {
  signal: Signal;
  encoding: 'protobuf' | 'json';
  bytes: Uint8Array;
  /** The same request as parsed OTLP/JSON, for structural mutation. */
  document: unknown;
}

/** A reader that collects on demand, so the metrics are exported exactly when asked. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * Real payloads: the OpenTelemetry JS SDK (logs, traces, every metric instrument) serialized by
 * its own OTLP serializers (protobuf and JSON, as its http/protobuf and http/json exporters send
 * them), plus the golden OTLP/JSON requests of core/model/testdata.
 */
export async function sdkSeeds(): Promise<Seed[]> {
  const resource = resourceFromAttributes({ 'service.name': 'fuzz-seed', 'host.name': 'fuzz-host', 'service.instance.id': 'i-1' });

  const logExporter = new InMemoryLogRecordExporter();
  const loggers = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor(logExporter)] });
  const spanExporter = new InMemorySpanExporter();
  const tracers = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const reader = new OnDemandReader();
  const meters = new MeterProvider({ resource, readers: [reader] });

  const tracer = tracers.getTracer('fuzz-tracer', '1.0.0');
  const logger = loggers.getLogger('fuzz-logger', '2.0.0');
  const meter = meters.getMeter('fuzz-meter');
  const counter = meter.createCounter('orders', { unit: '1' });
  const updown = meter.createUpDownCounter('queue.depth');
  const histogram = meter.createHistogram('latency', { unit: 'ms' });
  meter.createObservableGauge('temperature').addCallback((r) => r.observe(21.5, { room: 'a' }));
  for (let i = 0; i < 6; i++) {
    tracer.startActiveSpan(`op-${i}`, (span) => {
      span.setAttribute('seq', i);
      span.addEvent('step', { n: i });
      logger.emit({ severityNumber: SeverityNumber.INFO + (i % 4) * 4, severityText: ['INFO', 'WARN', 'ERROR', 'FATAL'][i % 4], body: i % 2 ? `line ${i}` : { structured: { n: i, list: [1, 'a'] } }, attributes: { seq: i, ok: i % 2 === 0 } });
      counter.add(i + 1, { kind: i % 2 ? 'a' : 'b' });
      updown.add(i % 2 ? -1 : 2);
      histogram.record(i * 12.5, { route: '/x' });
      const child = tracer.startSpan('child');
      child.end();
      span.end();
    });
  }
  const { resourceMetrics } = await reader.collect();
  const logs = logExporter.getFinishedLogRecords();
  const spans = spanExporter.getFinishedSpans();

  const seeds: Seed[] = [];
  // Each request in both encodings, sharing one JSON document.
  const add = (signal: Signal, protobuf: Uint8Array | undefined, json: Uint8Array | undefined) => {
    const document = JSON.parse(Buffer.from(json!).toString('utf8'));
    if (protobuf) seeds.push({ signal, encoding: 'protobuf', bytes: protobuf, document });
    seeds.push({ signal, encoding: 'json', bytes: json!, document });
  };
  // Small requests as well as the whole export, as batching SDKs send both.
  for (const part of [logs, logs.slice(0, 1)]) add('logs', ProtobufLogsSerializer.serializeRequest(part), JsonLogsSerializer.serializeRequest(part));
  for (const part of [spans, spans.slice(0, 2)]) add('traces', ProtobufTraceSerializer.serializeRequest(part), JsonTraceSerializer.serializeRequest(part));
  add('metrics', ProtobufMetricsSerializer.serializeRequest(resourceMetrics), JsonMetricsSerializer.serializeRequest(resourceMetrics));
  const testdata = join(import.meta.dirname, '../../core/model/testdata');
  for (const signal of ['logs', 'metrics', 'traces'] as const) add(signal, undefined, readFileSync(join(testdata, `${signal}.json`)));
  await Promise.all([loggers.shutdown(), tracers.shutdown(), meters.shutdown()]);
  return seeds;
}
