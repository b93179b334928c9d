import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../core/clock/index.ts';
import type { ExportMetricsServiceRequest, Metric } from '../../core/model/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { DeliveryQueue, type DeliveryStats } from './delivery-queue.ts';
import { HostScraper } from './host-scraper.ts';
import { attributes, gauge, unixNanos } from './scrapers/points.ts';

export interface HostMetricsOptions {
  intervalMs: number;
  /** How often `vigil.agent.up` is sent; absent rules detect a down node by its silence. */
  heartbeatIntervalMs: number;
  /** Defaults to os.hostname(). */
  hostName?: string;
  clock?: Clock;
  logger: Logger;
  /** Batches kept while emit rejects; past it the oldest is dropped and counted. */
  maxBufferedBatches: number;
  /** Resolves once the batch is accepted downstream; rejects when the pipeline refuses it. */
  emit: (request: ExportMetricsServiceRequest) => Promise<void>;
  /** Defaults to /proc; tests point it at a fake tree. */
  procRoot?: string;
}

export type HostMetricsStats = DeliveryStats;

const SCOPE_NAME = 'vigil/hostmetrics';

/**
 * Host metrics from /proc, named by the OpenTelemetry semantic conventions (as the Collector's
 * hostmetrics receiver names them), plus the `vigil.agent.up` heartbeat. Both go through one
 * bounded buffer, so batches reach the pipeline in the order they were taken.
 */
export class HostMetricsReceiver {
  private readonly clock: Clock;
  private readonly host: string;
  private readonly scraper: HostScraper;
  private readonly queue: DeliveryQueue<ExportMetricsServiceRequest>;
  private readonly ticks = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private scraping = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HostMetricsOptions) {
    for (const key of ['intervalMs', 'heartbeatIntervalMs'] as const) {
      if (!(options[key] > 0)) throw new RangeError(`hostmetrics ${key} must be positive, got ${options[key]}`);
    }
    if (!Number.isInteger(options.maxBufferedBatches) || options.maxBufferedBatches < 0) {
      throw new RangeError(`hostmetrics maxBufferedBatches must be a whole number ≥ 0, got ${options.maxBufferedBatches}`);
    }
    this.clock = options.clock ?? systemClock;
    this.host = options.hostName ?? hostname();
    this.scraper = new HostScraper(options.procRoot ?? '/proc', this.clock, options.logger);
    this.queue = new DeliveryQueue({ maxBuffered: options.maxBufferedBatches, deliver: options.emit, logger: options.logger });
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.stopping;
    if (this.running) return; // another start() won while this one waited
    this.running = true;
    this.stopping = undefined;
    this.timers = [
      setInterval(() => this.tick(() => this.scrapeAndSend()), this.options.intervalMs),
      setInterval(() => this.tick(() => this.beat()), this.options.heartbeatIntervalMs),
    ];
    // Right away too, so a new node shows up (and is up) without waiting a whole interval.
    this.tick(() => this.scrapeAndSend());
    this.tick(() => this.beat());
    this.options.logger.info({ host: this.host, intervalMs: this.options.intervalMs, heartbeatIntervalMs: this.options.heartbeatIntervalMs }, 'host metrics started');
  }

  /** Stops the timers, waits for scrapes and emits in flight, then tries once more to send what is buffered. */
  shutdown(): Promise<void> {
    if (!this.running) return this.stopping ?? Promise.resolve();
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.stopping = this.drain();
    return this.stopping;
  }

  stats(): HostMetricsStats {
    return this.queue.stats();
  }

  /** One scrape of every /proc source, as an OTLP request. Advances the CPU utilization baseline. */
  async collect(): Promise<ExportMetricsServiceRequest> {
    return this.request(await this.scraper.scrape());
  }

  private async drain(): Promise<void> {
    await Promise.all(this.ticks);
    await this.queue.flush();
    const stats = this.stats();
    if (stats.buffered > 0) this.options.logger.warn({ ...stats }, 'host metrics stopped with batches the pipeline did not accept');
    else this.options.logger.info({ ...stats }, 'host metrics stopped');
  }

  /** Runs timer work; nothing escapes a timer, and shutdown can wait for what is in flight. */
  private tick(work: () => Promise<void>): void {
    if (!this.running) return;
    const done: Promise<void> = work()
      .catch((err: unknown) => this.options.logger.warn({ err: (err as Error).message }, 'host metrics tick failed'))
      .finally(() => this.ticks.delete(done));
    this.ticks.add(done);
  }

  private async scrapeAndSend(): Promise<void> {
    // A scrape slower than the interval (a hung network mount) must not pile up more of them.
    if (this.scraping) {
      this.options.logger.debug('previous host metrics scrape still running; skipping this one');
      return;
    }
    this.scraping = true;
    try {
      this.queue.push(await this.collect());
    } finally {
      this.scraping = false;
    }
    await this.queue.flush();
  }

  /** No /proc reads here: the heartbeat must stay cheap and keep beating when scrapes struggle. */
  private async beat(): Promise<void> {
    const now = unixNanos(this.clock.now());
    const up = gauge({ timeNanos: now, startNanos: now }, { name: 'vigil.agent.up', unit: '1', description: '1 while the vigil agent on this host runs.' }, [{ value: 1 }]);
    this.queue.push(this.request([up]));
    await this.queue.flush();
  }

  private request(metrics: Metric[]): ExportMetricsServiceRequest {
    return {
      resourceMetrics: [
        {
          resource: { attributes: attributes({ 'host.name': this.host, 'service.name': 'vigil-agent', 'os.type': 'linux' }) },
          scopeMetrics: [{ scope: { name: SCOPE_NAME }, metrics }],
        },
      ],
    };
  }
}
