import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { VigilConfig } from '../../core/config/index.ts';
import type { ExportMetricsServiceRequest, Metric } from '../../core/model/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { fetchPage, ScrapeError, type FetchOptions, type ScrapeFailure } from './fetch-page.ts';
import { mapFamilies } from './map-families.ts';
import { ExpositionError, parseExposition, SampleLimitError } from './parse-exposition.ts';
import { SeriesState } from './series-state.ts';

export interface PrometheusReceiverOptions {
  scrapeConfigs: ScrapeConfig[];
  logger: Logger;
  /** Resolves when the request is durable; a refusal drops this scrape (the next one carries the totals). */
  emit(request: ExportMetricsServiceRequest, approxBytes: number): Promise<void>;
  now?: () => number;
  /** False: no timers; scrapes happen only through scrapeNow() (tests, benchmarks). */
  schedule?: boolean;
}

export interface PrometheusStats {
  scrapes: number;
  failed: Record<ScrapeFailure, number>;
  /** Scrapes the pipeline refused (saturated or down): dropped, counted. */
  delivery_failures: number;
}

interface Target {
  job: ScrapeConfig;
  instance: string;
  fetch: FetchOptions;
  labels: Array<[string, string]>;
  series: SeriesState;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  /** Last outcome logged, so a target failing every 15 s is logged when it changes, not each time. */
  lastLogged?: string;
}

/** One scrape job as the config schema yields it (durations in ms, defaults filled). */
export type ScrapeConfig = VigilConfig['collector']['prometheus']['scrape_configs'][number];

const SCOPE = { name: 'vigil/prometheus', version: '0.1.0' };

/**
 * Scrapes Prometheus /metrics endpoints (static_configs) on their interval and hands each scrape
 * to the pipeline as one OTLP metrics request, with Prometheus's `up`, `scrape_duration_seconds`
 * and `scrape_samples_scraped` per target. A failed scrape (timeout, refused, HTTP error,
 * unparseable, over body_size_limit or sample_limit) is up = 0, staleness markers for the
 * target's series, a count by reason, and one log line when the target's state changes.
 */
export class PrometheusReceiver {
  readonly stats: PrometheusStats = { scrapes: 0, failed: { timeout: 0, connection: 0, http_status: 0, too_large: 0, invalid: 0, too_many_series: 0 }, delivery_failures: 0 };
  private targets: Target[] = [];
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly options: PrometheusReceiverOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    // Secrets and certificates are read once, here: a missing file fails startup with its path.
    this.targets = this.options.scrapeConfigs.flatMap((job, i) => job.static_configs.flatMap((sc) => sc.targets.map((instance) => this.target(job, i, instance, sc.labels))));
    this.stopped = false;
    for (const target of this.options.schedule === false ? [] : this.targets) {
      // Targets are spread over the interval by a hash of their identity, as Prometheus does.
      const offset = parseInt(createHash('sha256').update(`${target.job.job_name}/${target.instance}`).digest('hex').slice(0, 8), 16) % target.job.scrape_interval;
      this.schedule(target, offset);
    }
    if (this.targets.length > 0) this.options.logger.info({ targets: this.targets.length, jobs: this.options.scrapeConfigs.map((c) => c.job_name) }, 'Prometheus receiver scraping');
  }

  /** Stops scheduling and waits for scrapes in flight (each bounded by its timeout). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.targets) clearTimeout(t.timer);
    await Promise.allSettled(this.targets.map((t) => t.running));
    this.options.logger.info(this.stats, 'Prometheus receiver stopped');
  }

  /** Scrapes every target once now (joining a scrape already running), e.g. in tests. */
  async scrapeNow(): Promise<void> {
    await Promise.all(this.targets.map((t) => (t.running ??= this.scrape(t).finally(() => (t.running = undefined)))));
  }

  private schedule(target: Target, delayMs: number): void {
    if (this.stopped) return;
    target.timer = setTimeout(() => {
      const started = this.now();
      // A scrape still running at the next tick is not overlapped (it ends at its timeout anyway).
      if (!target.running) target.running = this.scrape(target).finally(() => (target.running = undefined));
      this.schedule(target, Math.max(0, target.job.scrape_interval - (this.now() - started)));
    }, delayMs);
    target.timer.unref();
  }

  private target(job: ScrapeConfig, index: number, instance: string, staticLabels: Record<string, string>): Target {
    const setting = `collector.prometheus.scrape_configs[${index}]`;
    const read = (file: string, key: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new Error(`${setting}.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    let authorization: string | undefined;
    if (job.basic_auth) {
      const password = job.basic_auth.password_file ? read(job.basic_auth.password_file, 'basic_auth.password_file').toString('utf8').trim() : (job.basic_auth.password ?? '');
      authorization = `Basic ${Buffer.from(`${job.basic_auth.username}:${password}`).toString('base64')}`;
    } else if (job.authorization) {
      const credentials = job.authorization.credentials_file ? read(job.authorization.credentials_file, 'authorization.credentials_file').toString('utf8').trim() : job.authorization.credentials;
      authorization = `${job.authorization.type} ${credentials}`;
    }
    const tls = job.tls_config;
    const labels: Array<[string, string]> = Object.entries(staticLabels).filter(([k]) => k !== 'job' && k !== 'instance');
    return {
      job,
      instance,
      labels,
      series: new SeriesState(),
      fetch: {
        url: new URL(`${job.scheme}://${instance}${job.metrics_path}`),
        timeoutMs: job.scrape_timeout,
        maxBytes: job.body_size_limit,
        authorization,
        tls: tls && {
          ca: tls.ca_file ? read(tls.ca_file, 'tls_config.ca_file') : undefined,
          cert: tls.cert_file ? read(tls.cert_file, 'tls_config.cert_file') : undefined,
          key: tls.key_file ? read(tls.key_file, 'tls_config.key_file') : undefined,
          servername: tls.server_name,
          rejectUnauthorized: !tls.insecure_skip_verify,
        },
      },
    };
  }

  /** One scrape of one target, never throwing: every outcome becomes rows and counts. */
  private async scrape(target: Target): Promise<void> {
    const started = this.now();
    let metrics: Metric[];
    let up = 1;
    let samples = 0;
    try {
      const page = await fetchPage(target.fetch);
      const families = parseExposition(page.text, page.openMetrics, { maxSamples: target.job.sample_limit });
      for (const f of families) samples += f.samples.length;
      metrics = mapFamilies(families, { nowMs: started, targetLabels: target.labels, honorLabels: target.job.honor_labels, series: target.series });
      metrics.push(...target.series.endScrape(started));
      this.logOutcome(target, 'up');
    } catch (err) {
      const reason: ScrapeFailure = err instanceof ScrapeError ? err.reason : err instanceof SampleLimitError ? 'too_many_series' : 'invalid';
      if (!(err instanceof ScrapeError) && !(err instanceof ExpositionError)) this.options.logger.error({ err: (err as Error).stack }, 'Prometheus scrape hit a bug');
      up = 0;
      this.stats.failed[reason] += 1;
      metrics = target.series.fail(started);
      this.logOutcome(target, reason, (err as Error).message);
    }
    this.stats.scrapes += 1;
    const time = `${BigInt(started) * 1_000_000n}`;
    const gauge = (name: string, value: number, description: string, unit = ''): Metric => ({ name, description, unit, gauge: { dataPoints: [{ attributes: this.targetAttributes(target), timeUnixNano: time, asDouble: value }] } });
    metrics.push(
      gauge('up', up, 'The scraping was successful (1) or not (0)'),
      gauge('scrape_duration_seconds', (this.now() - started) / 1000, 'Duration of the scrape', 's'),
      gauge('scrape_samples_scraped', samples, 'The number of samples the target exposed'),
    );
    try {
      // ~100 protobuf bytes a sample with its labels: the bus's memory bound needs only an estimate.
      await this.options.emit(this.request(target, metrics), 1024 + 100 * Math.max(samples, target.series.size));
    } catch (err) {
      this.stats.delivery_failures += 1;
      this.logOutcome(target, 'not_delivered', (err as Error).message);
    }
  }

  private targetAttributes(target: Target) {
    return target.labels.map(([key, value]) => ({ key, value: { stringValue: value } }));
  }

  private request(target: Target, metrics: Metric[]): ExportMetricsServiceRequest {
    const { hostname, port } = target.fetch.url;
    const attributes = [
      ['service.name', target.job.job_name],
      ['service.instance.id', target.instance],
      ['server.address', hostname.replace(/^\[|\]$/g, '')],
      ['server.port', port || (target.job.scheme === 'https' ? '443' : '80')],
      ['url.scheme', target.job.scheme],
    ].map(([key, value]) => ({ key: key!, value: { stringValue: value! } }));
    return { resourceMetrics: [{ resource: { attributes }, scopeMetrics: [{ scope: SCOPE, metrics }] }] };
  }

  private logOutcome(target: Target, outcome: string, detail?: string): void {
    if (target.lastLogged === outcome) return;
    const first = target.lastLogged === undefined;
    target.lastLogged = outcome;
    const fields = { job: target.job.job_name, instance: target.instance, outcome, ...(detail ? { detail: detail.slice(0, 300) } : {}) };
    if (outcome === 'up') {
      if (!first) this.options.logger.info(fields, 'Prometheus target is up again');
    } else {
      this.options.logger.warn(fields, 'Prometheus scrape failed; up = 0 until it succeeds (logged again only when this changes)');
    }
  }
}
