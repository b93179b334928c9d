import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { requestToRows, type ExportMetricsServiceRequest, type Metric } from '../../core/model/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { HostMetricsReceiver } from './host-metrics-receiver.ts';

const FAKE_PROC = join(import.meta.dirname, 'testdata/proc');
const metricsOf = (req: ExportMetricsServiceRequest): Metric[] => req.resourceMetrics![0]!.scopeMetrics![0]!.metrics!;
const byName = (req: ExportMetricsServiceRequest) => new Map(metricsOf(req).map((m) => [m.name!, m]));
const values = (m: Metric | undefined) =>
  Object.fromEntries(
    (m?.gauge?.dataPoints ?? m?.sum?.dataPoints ?? []).map((p) => [p.attributes!.map((a) => a.value!.stringValue).join('|'), p.asDouble]),
  );

const receiver = (overrides: Partial<ConstructorParameters<typeof HostMetricsReceiver>[0]> = {}) =>
  new HostMetricsReceiver({
    intervalMs: 60_000,
    heartbeatIntervalMs: 60_000,
    hostName: 'node-test',
    logger: silentLogger,
    maxBufferedBatches: 3,
    emit: async () => {},
    ...overrides,
  });

describe('host metrics from a fake /proc (golden)', () => {
  it('reports exact values named by the semantic conventions', async () => {
    const r = receiver({ procRoot: FAKE_PROC, clock: new FakeClock(1_763_856_000_000) });
    const req = await r.collect();
    const m = byName(req);
    expect(values(m.get('system.cpu.time'))).toMatchObject({ user: 10, system: 5, idle: 80, iowait: 3, softirq: 2 });
    expect(values(m.get('system.cpu.utilization'))).toMatchObject({ user: 0.1, system: 0.05, idle: 0.8, iowait: 0.03, softirq: 0.02 });
    expect(values(m.get('system.memory.usage'))).toEqual({ used: 600 * 1024, free: 100 * 1024, buffered: 50 * 1024, cached: 250 * 1024 });
    expect(values(m.get('system.cpu.load_average.1m'))).toEqual({ '': 0.5 });
    expect(values(m.get('system.cpu.load_average.15m'))).toEqual({ '': 0.1 });
    expect(values(m.get('system.process.count'))).toEqual({ '': 123 });
    expect(values(m.get('system.disk.io'))).toEqual({ 'sda|read': 2000 * 512, 'sda|write': 800 * 512 });
    expect(values(m.get('system.network.io'))).toEqual({ 'lo|receive': 1000, 'lo|transmit': 1000, 'eth0|receive': 5000, 'eth0|transmit': 7000 });
    const fs = m.get('system.filesystem.usage')!.sum!.dataPoints!;
    expect(fs.map((p) => p.attributes!.find((a) => a.key === 'system.filesystem.mountpoint')!.value!.stringValue)).toEqual(['/', '/']);
    expect(m.get('system.cpu.time')!.sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 2 });
    expect(m.get('system.memory.usage')!.sum).toMatchObject({ isMonotonic: false });
    // Cumulative sums start at boot: now - uptime.
    expect(m.get('system.cpu.time')!.sum!.dataPoints![0]!.startTimeUnixNano).toBe(`${(1_763_856_000_000 - 1_000_000) * 1_000_000}`);
  });

  it('maps into the exporter tables with host.name on every row', async () => {
    const req = await receiver({ procRoot: FAKE_PROC }).collect();
    const tables = requestToRows('metrics', req);
    expect(tables.map((t) => t.table).sort()).toEqual(['otel_metrics_gauge', 'otel_metrics_sum']);
    for (const t of tables) for (const row of t.rows as Array<Record<string, any>>) {
      expect(row.ResourceAttributes['host.name']).toBe('node-test');
      expect(row.ServiceName).toBe('vigil-agent');
      expect(row.TimeUnix).toMatch(/^\d{19}$/);
    }
  });
});

describe('host metrics from the real /proc', () => {
  it('reports every metric with plausible values; CPU shares sum to 1 between scrapes', async () => {
    const r = receiver();
    await r.collect();
    await new Promise((res) => setTimeout(res, 200));
    const m = byName(await r.collect());
    for (const name of [
      'system.cpu.utilization', 'system.cpu.time', 'system.memory.usage', 'system.memory.utilization', 'system.cpu.load_average.1m',
      'system.cpu.load_average.5m', 'system.cpu.load_average.15m', 'system.filesystem.usage', 'system.filesystem.utilization',
      'system.network.io', 'system.process.count',
    ]) expect(m.has(name), name).toBe(true);
    const cpu = Object.values(values(m.get('system.cpu.utilization'))) as number[];
    for (const v of cpu) expect(v).toBeGreaterThanOrEqual(0);
    const total = cpu.reduce((a, b) => a + b, 0);
    expect(total === 0 || Math.abs(total - 1) < 1e-9).toBe(true);
    expect(values(m.get('system.memory.usage')).used).toBeGreaterThan(0);
  });
});

describe('buffering and heartbeats', () => {
  it('keeps refused batches up to the bound, drops the oldest and counts exactly', async () => {
    let accept = false;
    const got: ExportMetricsServiceRequest[] = [];
    const r = receiver({
      procRoot: FAKE_PROC,
      heartbeatIntervalMs: 20,
      emit: async (req) => {
        if (!accept) throw new Error('pipeline saturated');
        got.push(req);
      },
    });
    await r.start();
    await new Promise((res) => setTimeout(res, 200));
    const refused = r.stats();
    expect(refused.buffered).toBe(3);
    expect(refused.dropped).toBeGreaterThan(0);
    expect(refused.lastError).toBe('pipeline saturated');
    accept = true;
    await new Promise((res) => setTimeout(res, 100));
    await r.shutdown();
    const after = r.stats();
    expect(after.buffered).toBe(0);
    // Nothing is lost without being counted: every batch produced was emitted or dropped.
    expect(after.emitted).toBe(got.length);
    expect(after.emitted).toBeGreaterThanOrEqual(3);
  });

  it('sends vigil.agent.up at the heartbeat interval', async () => {
    const beats: string[] = [];
    const r = receiver({
      procRoot: FAKE_PROC,
      heartbeatIntervalMs: 25,
      emit: async (req) => {
        for (const m of metricsOf(req)) if (m.name === 'vigil.agent.up') beats.push(String(m.gauge!.dataPoints![0]!.asDouble));
      },
    });
    await r.start();
    await new Promise((res) => setTimeout(res, 140));
    await r.shutdown();
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(beats.length).toBeLessThanOrEqual(8);
    expect(new Set(beats)).toEqual(new Set(['1']));
  });

  it('shutdown is safe without start and twice', async () => {
    const r = receiver();
    await r.shutdown();
    await r.start();
    await r.shutdown();
    await r.shutdown();
  });
});
