import { readFile } from 'node:fs/promises';
import type { Clock } from '../../core/clock/index.ts';
import type { Metric } from '../../core/model/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { cpuMetrics, readCpuTimes, type CpuTimes } from './scrapers/cpu.ts';
import { diskMetrics } from './scrapers/disk.ts';
import { filesystemMetrics } from './scrapers/filesystem.ts';
import { loadMetrics } from './scrapers/load.ts';
import { memoryMetrics } from './scrapers/memory.ts';
import { networkMetrics } from './scrapers/network.ts';
import { unixNanos, type ScrapeContext } from './scrapers/points.ts';
import { processMetrics } from './scrapers/processes.ts';

/**
 * Reads every /proc source once per scrape. A source that cannot be read is skipped, and
 * logged when it starts and stops failing rather than on every scrape, so one missing file
 * never costs the other metrics.
 */
export class HostScraper {
  private previousCpu: CpuTimes | undefined;
  private bootMs: number | undefined;
  private readonly failing = new Set<string>();

  constructor(
    private readonly procRoot: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async scrape(): Promise<Metric[]> {
    const now = this.clock.now();
    this.bootMs ??= (await this.read('uptime', () => this.readBootMs(now))) ?? now;
    const ctx: ScrapeContext = { procRoot: this.procRoot, timeNanos: unixNanos(now), startNanos: unixNanos(this.bootMs) };
    const results = await Promise.all([
      this.read('stat', async () => {
        const times = await readCpuTimes(this.procRoot);
        const metrics = cpuMetrics(ctx, times, this.previousCpu);
        this.previousCpu = times;
        return metrics;
      }),
      this.read('meminfo', () => memoryMetrics(ctx)),
      this.read('loadavg', () => loadMetrics(ctx)),
      this.read('[pid] directories', () => processMetrics(ctx)),
      this.read('mounts', () => filesystemMetrics(ctx)),
      this.read('diskstats', () => diskMetrics(ctx)),
      this.read('net/dev', () => networkMetrics(ctx)),
    ]);
    return results.flatMap((metrics) => metrics ?? []);
  }

  /** Boot time from uptime, on the injected clock so start and scrape times agree in tests. */
  private async readBootMs(now: number): Promise<number> {
    const uptimeSeconds = Number((await readFile(`${this.procRoot}/uptime`, 'utf8')).split(' ')[0]);
    if (!Number.isFinite(uptimeSeconds)) throw new Error(`${this.procRoot}/uptime: unexpected format`);
    return Math.round(now - uptimeSeconds * 1000);
  }

  private async read<T>(source: string, scrape: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await scrape();
      if (this.failing.delete(source)) this.logger.info({ source: `${this.procRoot}/${source}` }, 'host metric source readable again');
      return result;
    } catch (err) {
      if (!this.failing.has(source)) {
        this.failing.add(source);
        this.logger.warn({ source: `${this.procRoot}/${source}`, err: (err as Error).message }, 'cannot read host metric source; skipping its metrics');
      }
      return undefined;
    }
  }
}
