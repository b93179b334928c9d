import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { decodeProtobuf, encodeProtobuf, requestToRows, type ExportMetricsServiceRequest, type Metric } from '../../core/model/index.ts';
import { silentLogger, type Logger } from '../../core/telemetry/index.ts';
import { HostMetricsReceiver, type HostMetricsOptions } from './index.ts';

const FAKE_PROC = join(import.meta.dirname, 'testdata/proc');
// Rows from the fake /proc at a fixed time. Regenerate with UPDATE_GOLDEN=1 after a deliberate
// change, and review the diff.
const GOLDEN = join(import.meta.dirname, 'testdata/fake-proc.rows.json');

const metricsOf = (req: ExportMetricsServiceRequest): Metric[] => req.resourceMetrics![0]!.scopeMetrics![0]!.metrics!;
const byName = (req: ExportMetricsServiceRequest) => new Map(metricsOf(req).map((m) => [m.name!, m]));
const values = (m: Metric | undefined) =>
  Object.fromEntries(
    (m?.gauge?.dataPoints ?? m?.sum?.dataPoints ?? []).map((p) => [
      (p.attributes ?? []).map((a) => a.value!.stringValue).join('|'),
      p.asDouble ?? Number(p.asInt),
    ]),
  );
const receiver = (overrides: Partial<HostMetricsOptions> = {}) =>
  new HostMetricsReceiver({ intervalMs: 3_600_000, heartbeatIntervalMs: 3_600_000, hostName: 'node-test', logger: silentLogger, maxBufferedBatches: 3, emit: async () => {}, ...overrides });
/** Polls with the real setTimeout (tests fake only setInterval) until the condition holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
function recordingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}
const ALL_METRICS = [
  'system.cpu.utilization', 'system.cpu.time', 'system.memory.usage', 'system.memory.utilization', 'system.cpu.load_average.1m',
  'system.cpu.load_average.5m', 'system.cpu.load_average.15m', 'system.filesystem.usage', 'system.filesystem.utilization',
  'system.disk.io', 'system.network.io', 'system.process.count',
];

afterEach(() => void vi.useRealTimers());

describe('host metrics from a fake /proc (golden)', () => {
  const NOW = 1_763_856_000_000;

  it('reports exact values named and typed by the semantic conventions', async () => {
    const m = byName(await receiver({ procRoot: FAKE_PROC, clock: new FakeClock(NOW) }).collect());
    expect(values(m.get('system.cpu.time'))).toEqual({ user: 10, nice: 0, system: 5, idle: 80, iowait: 3, irq: 0, softirq: 2, steal: 0 });
    expect(values(m.get('system.cpu.utilization'))).toMatchObject({ user: 0.1, system: 0.05, idle: 0.8, iowait: 0.03, softirq: 0.02 });
    expect(values(m.get('system.memory.usage'))).toEqual({ used: 600 * 1024, free: 100 * 1024, cached: 250 * 1024, buffered: 50 * 1024 });
    expect(values(m.get('system.memory.utilization'))).toEqual({ used: 0.6, free: 0.1, cached: 0.25, buffered: 0.05 });
    expect([1, 5, 15].map((w) => values(m.get(`system.cpu.load_average.${w}m`))[''])).toEqual([0.5, 0.25, 0.1]);
    expect(values(m.get('system.process.count'))).toEqual({ '': 3 }); // pid dirs 1, 42, 4567
    expect(values(m.get('system.disk.io'))).toEqual({
      'sda|read': 2000 * 512, 'sda|write': 800 * 512, 'sda1|read': 1800 * 512, 'sda1|write': 700 * 512, 'dm-0|read': 400 * 512, 'dm-0|write': 160 * 512,
    });
    expect(values(m.get('system.network.io'))).toEqual({ 'lo|receive': 1000, 'lo|transmit': 1000, 'eth0|receive': 5000, 'eth0|transmit': 7000 });
    expect(m.get('system.cpu.time')).toMatchObject({ unit: 's', sum: { isMonotonic: true, aggregationTemporality: 2 } });
    expect(m.get('system.memory.usage')).toMatchObject({ unit: 'By', sum: { isMonotonic: false, aggregationTemporality: 2 } });
    expect(m.get('system.memory.usage')!.sum!.dataPoints![0]).toMatchObject({ asInt: String(600 * 1024) });
    // Cumulative sums count from boot: now - uptime (1000 s in the fake /proc/uptime).
    expect(m.get('system.disk.io')!.sum!.dataPoints![0]!.startTimeUnixNano).toBe(`${BigInt(NOW - 1_000_000) * 1_000_000n}`);
  });

  it('becomes the golden exporter rows', async () => {
    const req = await receiver({ procRoot: FAKE_PROC, clock: new FakeClock(NOW) }).collect();
    // statfs reads the machine's real disks for the fake mounts, so those numbers are not golden
    // (scrapers.test.ts checks them with a fake statfs).
    const rows = requestToRows('metrics', req).map((t) => ({ ...t, rows: t.rows.filter((r) => !(r as { MetricName: string }).MetricName.startsWith('system.filesystem.')) }));
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, JSON.stringify(rows, null, 2) + '\n');
    expect(JSON.parse(JSON.stringify(rows))).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
    // The bus carries requests as OTLP protobuf: int64 strings and timestamps must survive it.
    expect(requestToRows('metrics', decodeProtobuf('metrics', encodeProtobuf('metrics', req)))).toEqual(requestToRows('metrics', req));
  });

  it('skips an unreadable source and logs it once, not every scrape', async () => {
    const { logger, lines } = recordingLogger();
    const r = receiver({ procRoot: join(import.meta.dirname, 'testdata/no-such-proc'), logger });
    expect(metricsOf(await r.collect())).toEqual([]);
    const warnings = lines.filter((l) => l.level === 40).length;
    await r.collect();
    expect(warnings).toBeGreaterThan(0);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(warnings);
  });
});

describe('host metrics from the real /proc', () => {
  it('reports every metric with plausible values; CPU shares sum to 1 after two scrapes', async () => {
    const r = receiver({ hostName: undefined });
    await r.collect();
    await new Promise((res) => setTimeout(res, 100));
    const req = await r.collect();
    const m = byName(req);
    for (const name of ALL_METRICS) expect(m.has(name), name).toBe(true);
    const { hostname } = await import('node:os');
    expect(req.resourceMetrics![0]!.resource!.attributes).toContainEqual({ key: 'host.name', value: { stringValue: hostname() } });
    const cpu = Object.values(values(m.get('system.cpu.utilization')));
    for (const v of cpu) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(cpu.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(values(m.get('system.memory.usage')).used).toBeGreaterThan(0);
    expect(values(m.get('system.process.count'))['']).toBeGreaterThan(1);
    for (const v of Object.values(values(m.get('system.filesystem.utilization')))) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('lands in otel_metrics_gauge and otel_metrics_sum with the exporter columns filled in', async () => {
    const tables = requestToRows('metrics', await receiver().collect());
    expect(tables.map((t) => t.table).sort()).toEqual(['otel_metrics_gauge', 'otel_metrics_sum']);
    for (const t of tables) {
      for (const row of t.rows as Array<Record<string, any>>) {
        expect(row).toMatchObject({ ServiceName: 'vigil-agent', ScopeName: 'vigil/hostmetrics', ResourceAttributes: { 'host.name': 'node-test', 'os.type': 'linux' } });
        expect(row.MetricUnit).not.toBe('');
        expect(row.MetricDescription).not.toBe('');
        expect(row.TimeUnix).toMatch(/^1\d{18}$/);
        expect(Number.isFinite(row.Value)).toBe(true);
        if (t.table === 'otel_metrics_sum') expect(row).toMatchObject({ StartTimeUnix: expect.stringMatching(/^1\d{18}$/), AggregationTemporality: 2 });
      }
    }
  });
});

describe('buffering, heartbeat and lifecycle', () => {
  const beatTimes = (sent: ExportMetricsServiceRequest[]) =>
    sent.flatMap(metricsOf).filter((m) => m.name === 'vigil.agent.up').map((m) => Number(BigInt(String(m.gauge!.dataPoints![0]!.timeUnixNano)) / 1_000_000n));

  it('keeps refused batches up to the bound, drops the oldest, counts exactly and retries oldest first', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const t0 = Date.now();
    const { logger, lines } = recordingLogger();
    let accept = false;
    const sent: ExportMetricsServiceRequest[] = [];
    const r = receiver({ procRoot: FAKE_PROC, heartbeatIntervalMs: 50, logger, emit: async (req) => {
      if (!accept) throw new Error('pipeline saturated');
      sent.push(req);
    } });
    await r.start();
    await until(() => r.stats().buffered === 2); // the first scrape and the first heartbeat
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(50);
    expect(r.stats()).toEqual({ emitted: 0, dropped: 4, buffered: 3, lastError: 'pipeline saturated' });
    accept = true;
    await vi.advanceTimersByTimeAsync(50); // one more heartbeat overflows, then all three go out
    await until(() => r.stats().buffered === 0);
    expect(r.stats()).toMatchObject({ emitted: 3, dropped: 5, buffered: 0 });
    expect(beatTimes(sent)).toEqual([t0 + 200, t0 + 250, t0 + 300]);
    await r.shutdown();
    expect(lines.filter((l) => /dropping the oldest/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /refused by the pipeline/.test(l.msg))).toHaveLength(1);
  });

  it('sends vigil.agent.up = 1 at the heartbeat interval', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const t0 = Date.now();
    const sent: ExportMetricsServiceRequest[] = [];
    // No /proc at all: the heartbeat reads none, so it keeps beating.
    const r = receiver({ procRoot: join(import.meta.dirname, 'testdata/no-such-proc'), heartbeatIntervalMs: 50, emit: async (req) => void sent.push(req) });
    await r.start();
    await vi.advanceTimersByTimeAsync(1000);
    await r.shutdown();
    expect(beatTimes(sent)).toEqual(Array.from({ length: 21 }, (_, i) => t0 + 50 * i));
    const beat = sent.flatMap(metricsOf).find((m) => m.name === 'vigil.agent.up')!;
    expect(beat).toMatchObject({ unit: '1', gauge: { dataPoints: [{ asDouble: 1 }] } });
    expect(sent[0]!.resourceMetrics![0]!.resource!.attributes).toEqual([
      { key: 'host.name', value: { stringValue: 'node-test' } },
      { key: 'service.name', value: { stringValue: 'vigil-agent' } },
      { key: 'os.type', value: { stringValue: 'linux' } },
    ]);
  });

  it('shutdown waits for an emit in flight, then no timer fires again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const r = receiver({ procRoot: FAKE_PROC, heartbeatIntervalMs: 10, emit: async () => void (calls++ === 0 && (await gate)) });
    await r.start();
    await until(() => calls === 1);
    let stopped = false;
    const stopping = r.shutdown().then(() => (stopped = true));
    await new Promise((res) => setTimeout(res, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(r.stats()).toMatchObject({ emitted: 2, buffered: 0 }); // the heartbeat and the first scrape
    await new Promise((res) => setTimeout(res, 50));
    expect(calls).toBe(2);
  });

  it('shutdown is safe without start, twice, and concurrently', async () => {
    const r = receiver({ procRoot: FAKE_PROC });
    await r.shutdown();
    await r.start();
    await Promise.all([r.shutdown(), r.shutdown()]);
    await r.shutdown();
  });

  it('rejects intervals and bounds that cannot work', () => {
    expect(() => receiver({ intervalMs: 0 })).toThrow(/intervalMs must be positive/);
    expect(() => receiver({ heartbeatIntervalMs: Number.NaN })).toThrow(/heartbeatIntervalMs/);
    expect(() => receiver({ maxBufferedBatches: -1 })).toThrow(/maxBufferedBatches/);
  });
});
