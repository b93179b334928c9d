import {
  createNoopMeter,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableResult,
  type Tracer,
} from '@opentelemetry/api';

/** Outcome counts a receiver keeps by a bounded set of reasons; `accepted` is the success. */
export type ReceiverCounts = Readonly<Record<string, number>> & { readonly accepted: number };

/** Counts a processor keeps per table (what `Processor.stats()` returns). */
export interface ProcessorCounts {
  malformed: number;
  tables: Record<string, { insertedRows: number; failedRows: number }>;
  /** processor.max_bytes_in_flight: bytes held now, the limit, batches that waited for room, batches larger than the limit. */
  inFlight?: { bytes: number; limitBytes: number; waits: number; overruns: number };
}

export type Outcome = 'ok' | 'failed';

const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ROWS_BUCKETS = [1, 10, 100, 500, 1000, 5000, 10_000, 20_000, 50_000, 100_000];

/**
 * The one way vigil's components report on themselves. Call sites are one line each; until
 * self-telemetry starts (and after it stops) every call goes to a no-op meter and tracer, so
 * libraries and tests pay nothing. Attributes are bounded sets (receiver, signal, table, reason,
 * outcome, rule), never raw messages, so the exported series stay bounded.
 */
export class SelfMetrics {
  private meter: Meter = createNoopMeter();
  private tracer: Tracer = trace.getTracer('vigil-noop');
  /** telemetry.trace_ratio: the share of span() calls that start a span (0 while unbound). */
  private traceRatio = 0;
  private receivers = new Map<string, () => ReceiverCounts>();
  private processors = new Set<() => ProcessorCounts>();
  private gauges = new Map<string, () => number>();
  private insertRows!: Histogram;
  private insertSeconds!: Histogram;
  private busLagSeconds!: Histogram;
  private ruleSeconds!: Histogram;
  private ruleFailures!: Counter;
  private notifications!: Counter;
  private hookRuns!: Counter;

  constructor() {
    this.createInstruments();
  }

  /**
   * Points every instrument at a real meter and tracer (self-telemetry started); `traceRatio`
   * of span() calls start a span, and the tracer's sampler should keep what it is given.
   */
  bind(meter: Meter, tracer: Tracer, traceRatio = 1): void {
    this.meter = meter;
    this.tracer = tracer;
    this.traceRatio = traceRatio;
    this.createInstruments();
  }

  /** Back to no-ops (self-telemetry stopped); sources registered stay registered. */
  unbind(): void {
    this.bind(createNoopMeter(), trace.getTracer('vigil-noop'), 0);
  }

  /** A receiver's running outcome counts, read at each collection (no cost per request). */
  observeReceiver(receiver: string, counts: () => ReceiverCounts): () => void {
    this.receivers.set(receiver, counts);
    return () => this.receivers.delete(receiver);
  }

  observeProcessor(counts: () => ProcessorCounts): () => void {
    this.processors.add(counts);
    return () => this.processors.delete(counts);
  }

  /** A gauge read at collection, e.g. the in-process bus's pending bytes. */
  observeGauge(name: 'bus.pending_bytes' | 'alerts.firing', read: () => number): () => void {
    this.gauges.set(name, read);
    return () => this.gauges.delete(name);
  }

  /** One insert of a batch into a table: its size and how long the store took. */
  insert(table: string, rows: number, seconds: number, outcome: Outcome): void {
    this.insertRows.record(rows, { table, outcome });
    this.insertSeconds.record(seconds, { table, outcome });
  }

  /** How long a message waited on the bus before the processor took it. */
  busLag(topic: string, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.busLagSeconds.record(seconds, { topic });
  }

  ruleEvaluation(group: string, rule: string, seconds: number, outcome: Outcome): void {
    this.ruleSeconds.record(seconds, { group, rule, outcome });
    if (outcome === 'failed') this.ruleFailures.add(1, { group, rule });
  }

  notification(integration: string, outcome: 'sent' | 'failed'): void {
    this.notifications.add(1, { integration, outcome });
  }

  hookRun(hook: string, outcome: string): void {
    this.hookRuns.add(1, { hook, outcome });
  }

  /**
   * Runs `work` inside a span of the ingest path for `traceRatio` of the calls, picked at random
   * (what the SDK's TraceIdRatioBasedSampler did from the random trace id). Deciding here, an
   * unsampled call, 99% at the default ratio and one per request, costs no span object, ids,
   * sampler call or extra promise.
   */
  span<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
    if (this.traceRatio < 1 && !(Math.random() < this.traceRatio)) return work();
    return this.spanOf(name, attributes, work);
  }

  private async spanOf<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(name, { attributes });
    if (!span.isRecording()) return work();
    try {
      return await work();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  }

  private createInstruments(): void {
    const m = this.meter;
    this.insertRows = m.createHistogram('vigil.store.insert.rows', {
      description: 'Rows per insert (batch size)',
      unit: '{row}',
      advice: { explicitBucketBoundaries: ROWS_BUCKETS },
    });
    this.insertSeconds = m.createHistogram('vigil.store.insert.duration', {
      description: 'Time the store took to acknowledge an insert, retries included',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.busLagSeconds = m.createHistogram('vigil.bus.lag', {
      description: 'Age of a bus message when the processor took it',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.ruleSeconds = m.createHistogram('vigil.rule.evaluation.duration', {
      description: 'Time one rule query and state update took',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.ruleFailures = m.createCounter('vigil.rule.evaluation.failures', { description: 'Rule evaluations that failed', unit: '{evaluation}' });
    this.notifications = m.createCounter('vigil.notifications', { description: 'Notifications by integration and outcome', unit: '{notification}' });
    this.hookRuns = m.createCounter('vigil.hook.runs', { description: 'Failover hook runs by outcome', unit: '{run}' });

    const received = m.createObservableCounter('vigil.receiver.received', { description: 'Requests a receiver got', unit: '{request}' });
    const accepted = m.createObservableCounter('vigil.receiver.accepted', { description: 'Requests stored (durable) and answered with success', unit: '{request}' });
    const rejected = m.createObservableCounter('vigil.receiver.rejected', { description: 'Requests refused, by reason', unit: '{request}' });
    m.addBatchObservableCallback(
      (result) => {
        for (const [receiver, read] of this.receivers) {
          const counts = read();
          let total = 0;
          for (const [reason, n] of Object.entries(counts)) {
            total += n;
            if (reason !== 'accepted') result.observe(rejected, n, { receiver, reason });
          }
          result.observe(accepted, counts.accepted, { receiver });
          result.observe(received, total, { receiver });
        }
      },
      [received, accepted, rejected],
    );
    const rows = m.createObservableCounter('vigil.processor.rows', { description: 'Rows inserted or failed, by table', unit: '{row}' });
    const malformed = m.createObservableCounter('vigil.processor.malformed', { description: 'Bus messages that could not be decoded', unit: '{message}' });
    // The byte budget of consumed-but-not-stored Kafka batches: how close the processor runs to
    // it, how often the consumer paused for room, and batches let through although larger.
    const inFlight = m.createObservableGauge('vigil.processor.in_flight_bytes', { description: 'Bytes of consumed batches not yet stored (processor.max_bytes_in_flight)', unit: 'By' });
    const inFlightLimit = m.createObservableGauge('vigil.processor.in_flight_limit_bytes', { description: 'processor.max_bytes_in_flight', unit: 'By' });
    const inFlightWaits = m.createObservableCounter('vigil.processor.in_flight_waits', { description: 'Batches that waited for room in processor.max_bytes_in_flight', unit: '{batch}' });
    const inFlightOverruns = m.createObservableCounter('vigil.processor.in_flight_overruns', {
      description: 'Batches larger than processor.max_bytes_in_flight, stored alone',
      unit: '{batch}',
    });
    m.addBatchObservableCallback(
      (result) => {
        for (const read of this.processors) {
          const counts = read();
          result.observe(malformed, counts.malformed);
          for (const [table, t] of Object.entries(counts.tables)) {
            result.observe(rows, t.insertedRows, { table, outcome: 'ok' });
            result.observe(rows, t.failedRows, { table, outcome: 'failed' });
          }
          if (counts.inFlight) {
            result.observe(inFlight, counts.inFlight.bytes);
            result.observe(inFlightLimit, counts.inFlight.limitBytes);
            result.observe(inFlightWaits, counts.inFlight.waits);
            result.observe(inFlightOverruns, counts.inFlight.overruns);
          }
        }
      },
      [rows, malformed, inFlight, inFlightLimit, inFlightWaits, inFlightOverruns],
    );
    m.createObservableGauge('vigil.bus.pending_bytes', { description: 'Bytes accepted but not yet stored (in-process bus)', unit: 'By' }).addCallback((r) =>
      this.observe(r, 'bus.pending_bytes'),
    );
    m.createObservableGauge('vigil.alerts.firing', { description: 'Alerts firing now', unit: '{alert}' }).addCallback((r) => this.observe(r, 'alerts.firing'));
  }

  private observe(result: ObservableResult, name: string): void {
    const read = this.gauges.get(name);
    if (read) result.observe(read());
  }
}

/** The process's self-metrics: every component reports here. */
export const selfMetrics = new SelfMetrics();
