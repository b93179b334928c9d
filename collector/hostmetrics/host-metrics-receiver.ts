import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../core/clock/index.ts';
import type { ExportMetricsServiceRequest, Metric } from '../../core/model/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { cpuMetrics, readCpuTimes, type CpuTimes } from './scrapers/cpu.ts';
import { filesystemMetrics } from './scrapers/filesystem.ts';
import { diskMetrics, networkMetrics } from './scrapers/io.ts';
import { loadMetrics } from './scrapers/load.ts';
import { memoryMetrics } from './scrapers/memory.ts';
import { attrs, gauge, point, type ScrapeContext } from './scrapers/points.ts';

export interface HostMetricsOptions {
  intervalMs: number;
  heartbeatIntervalMs: number;
  hostName?: string;
  clock?: Clock;
  logger: Logger;
  /** Batches kept while emit fails; beyond it the oldest is dropped and counted. */
  maxBufferedBatches: number;
  /** Resolves once the batch is durable; rejects when the pipeline refuses it. */
  emit: (request: ExportMetricsServiceRequest) => Promise<void>;
  procRoot?: string;
}

export interface HostMetricsStats {
  emitted: number;
  dropped: number;
  buffered: number;
  lastError?: string;
}

const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/**
 * Host metrics from /proc, named by OpenTelemetry semantic conventions, plus the `vigil.agent.up`
 * heartbeat that node-down rules watch. When the pipeline refuses data, batches wait in a
 * bounded buffer; overflow drops the oldest, counted and logged.
 */
export class HostMetricsReceiver {
  private readonly clock: Clock;
  private readonly procRoot: string;
  private readonly host: string;
  private readonly buffer: ExportMetricsServiceRequest[] = [];
  private timers: NodeJS.Timeout[] = [];
  private previousCpu: CpuTimes | undefined;
  private bootMs: number | undefined;
  private flushing: Promise<void> | undefined;
  private readonly failedSources = new Set<string>();
  private loggedDrops = 0;
  private readonly counters: HostMetricsStats = { emitted: 0, dropped: 0, buffered: 0 };

  constructor(private readonly options: HostMetricsOptions) {
    this.clock = options.clock ?? systemClock;
    this.procRoot = options.procRoot ?? '/proc';
    this.host = options.hostName ?? hostname();
  }

  async start(): Promise<void> {
    if (this.timers.length > 0) return;
    this.timers.push(setInterval(() => void this.tick(() => this.collect()), this.options.intervalMs));
    this.timers.push(setInterval(() => void this.tick(async () => this.heartbeat()), this.options.heartbeatIntervalMs));
    void this.tick(() => this.collect());
    void this.tick(async () => this.heartbeat());
    this.options.logger.info({ host: this.host, intervalMs: this.options.intervalMs }, 'host metrics started');
  }

  /** Stops the timers and waits for an emit in flight. Idempotent; safe without start(). */
  async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.flushing;
  }

  stats(): HostMetricsStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /** One scrape of every source; a source that fails is logged once and skipped. */
  async collect(): Promise<ExportMetricsServiceRequest> {
    const now = this.clock.now();
    this.bootMs ??= await this.readBootMs(now);
    const ctx: ScrapeContext = { procRoot: this.procRoot, timeNanos: nanos(now), startNanos: nanos(this.bootMs) };
    const metrics: Metric[] = [];
    await this.source('cpu', async () => {
      const times = await readCpuTimes(this.procRoot);
      metrics.push(...cpuMetrics(times, this.previousCpu, ctx));
      this.previousCpu = times;
    });
    await this.source('memory', async () => void metrics.push(...(await memoryMetrics(ctx))));
    await this.source('load', async () => void metrics.push(...(await loadMetrics(ctx))));
    await this.source('filesystem', async () => void metrics.push(...(await filesystemMetrics(ctx))));
    await this.source('disk', async () => void metrics.push(...(await diskMetrics(ctx))));
    await this.source('network', async () => void metrics.push(...(await networkMetrics(ctx))));
    return this.request(metrics);
  }

  heartbeat(): ExportMetricsServiceRequest {
    return this.request([gauge('vigil.agent.up', '1', [point(1, {}, { procRoot: '', timeNanos: nanos(this.clock.now()), startNanos: '0' })])]);
  }

  private request(metrics: Metric[]): ExportMetricsServiceRequest {
    return {
      resourceMetrics: [
        {
          resource: { attributes: attrs({ 'host.name': this.host, 'service.name': 'vigil-agent', 'os.type': 'linux' }) },
          scopeMetrics: [{ scope: { name: 'vigil/hostmetrics', version: '0.1.0' }, metrics }],
        },
      ],
    };
  }

  private async source(name: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
      this.failedSources.delete(name);
    } catch (err) {
      if (!this.failedSources.has(name)) this.options.logger.warn({ source: name, err: (err as Error).message }, 'cannot read host metric source; skipping it');
      this.failedSources.add(name);
    }
  }

  private async readBootMs(now: number): Promise<number> {
    try {
      const uptime = Number((await readFile(`${this.procRoot}/uptime`, 'utf8')).split(' ')[0]);
      return now - uptime * 1000;
    } catch {
      return now;
    }
  }

  /** Never throws out of a timer: a failed scrape or emit is counted and logged. */
  private async tick(produce: () => Promise<ExportMetricsServiceRequest>): Promise<void> {
    try {
      this.enqueue(await produce());
      await (this.flushing ??= this.flush().finally(() => (this.flushing = undefined)));
    } catch (err) {
      this.counters.lastError = (err as Error).message;
    }
  }

  private enqueue(request: ExportMetricsServiceRequest): void {
    this.buffer.push(request);
    while (this.buffer.length > this.options.maxBufferedBatches) {
      this.buffer.shift();
      this.counters.dropped += 1;
    }
    if (this.counters.dropped !== this.loggedDrops) {
      this.options.logger.warn({ dropped: this.counters.dropped, bound: this.options.maxBufferedBatches }, 'pipeline refusing host metrics; dropped the oldest buffered batches');
      this.loggedDrops = this.counters.dropped;
    }
  }

  /** Sends buffered batches oldest first; stops at the first refusal and keeps the rest. */
  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      try {
        await this.options.emit(this.buffer[0]!);
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.counters.lastError) this.options.logger.warn({ err: message, buffered: this.buffer.length }, 'host metrics not accepted; buffering');
        this.counters.lastError = message;
        return;
      }
      this.buffer.shift();
      this.counters.emitted += 1;
    }
  }
}
