import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/index.ts';
import { encodeProtobuf } from '../../core/model/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Processor } from '../../processor/index.ts';
import { FilelogReceiver, type FilelogOptions } from './filelog-receiver.ts';

// The receiver against the real pipeline: in-process bus, processor, embedded ClickHouse.
const root = mkdtempSync(join(tmpdir(), 'vigil-filelog-'));
const store = new ChdbStore({ path: join(root, 'db') });
const bus = new InProcessBus({ maxPendingBytes: 64 << 20, retryAfterMs: 100 });
const topics = { logs: 'otlp_logs', metrics: 'otlp_metrics', traces: 'otlp_spans' };
const processor = new Processor({ bus, store, topics, batch: { maxRows: 20_000, maxDelayMs: 50, retryForMs: 5000 }, logger: silentLogger });

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  await bus.start();
  await processor.start();
});
afterAll(async () => {
  await processor.shutdown();
  await store.shutdown();
  rmSync(root, { recursive: true, force: true });
});

let seq = 0;
function receiver(dir: string, extra: Partial<FilelogOptions> = {}) {
  const service = `svc-${++seq}`;
  const r = new FilelogReceiver({
    include: [join(dir, '*.log*')],
    exclude: [],
    startAt: 'beginning',
    pollIntervalMs: 20,
    fingerprintBytes: 64,
    maxLineBytes: 64 * 1024,
    maxBatchBytes: 256 * 1024,
    parser: { type: 'none', timestamp_field: 'timestamp', severity_field: 'level', body_field: 'message' },
    serviceName: service,
    checkpointFile: join(dir, '.checkpoints', 'c.json'),
    logger: silentLogger,
    emit: (request, dedupToken, size) =>
      bus.publish('otlp_logs', [{ signal: 'logs', key: 'f', decoded: request, size, dedupToken, bytes: () => encodeProtobuf('logs', request) }]),
    ...extra,
  });
  return { r, service };
}
const newDir = (name: string) => {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
};
let debug: (() => unknown) | undefined;
async function until(probe: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(debug?.(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function lines(service: string) {
  const [row] = await store.query<{ n: string; u: string; s: string }>(
    "SELECT count() AS n, uniqExact(Body) AS u, toString(sum(toUInt64OrZero(extract(Body, 'line (\\\\d+)')))) AS s FROM otel_logs WHERE ServiceName = {s:String}",
    { s: service },
  );
  return { n: Number(row!.n), unique: Number(row!.u), sum: BigInt(row!.s) };
}
const expectedSum = (n: number) => (BigInt(n) * BigInt(n - 1)) / 2n;

/** Writes `total` numbered lines at ~10k lines/s, calling rotate() every `every` lines. */
async function writeLines(path: string, total: number, every: number, rotate: () => void) {
  for (let i = 0; i < total; i += 100) {
    appendFileSync(path, Array.from({ length: 100 }, (_, k) => `2026-11-23T05:00:00Z INFO line ${i + k} ${'x'.repeat(40)}\n`).join(''));
    if ((i + 100) % every === 0) rotate();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('rotation', () => {
  it('rename rotation under ~10k lines/s: every line exactly once', async () => {
    const dir = newDir('rename');
    const log = join(dir, 'app.log');
    const { r, service } = receiver(dir);
    await r.start();
    let n = 0;
    await writeLines(log, 20_000, 3000, () => {
      renameSync(log, join(dir, `app.log.${++n}`));
    });
    debug = () => r.stats;
    await until(async () => (await lines(service)).n >= 20_000);
    await new Promise((res) => setTimeout(res, 500));
    await r.shutdown();
    expect(await lines(service)).toEqual({ n: 20_000, unique: 20_000, sum: expectedSum(20_000) });
  });

  it('copytruncate rotation: every line exactly once', async () => {
    const dir = newDir('copytruncate');
    const log = join(dir, 'app.log');
    const { r, service } = receiver(dir);
    await r.start();
    let n = 0;
    await writeLines(log, 20_000, 3000, () => {
      copyFileSync(log, join(dir, `app.log.${++n}`));
      truncateSync(log, 0);
    });
    await until(async () => (await lines(service)).n >= 20_000);
    await new Promise((res) => setTimeout(res, 500));
    await r.shutdown();
    expect(await lines(service)).toEqual({ n: 20_000, unique: 20_000, sum: expectedSum(20_000) });
  });

  it('a restart continues from the checkpoint: nothing lost, nothing repeated', async () => {
    const dir = newDir('restart');
    const log = join(dir, 'app.log');
    writeFileSync(log, Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
    const first = receiver(dir);
    await first.r.start();
    await until(async () => (await lines(first.service)).n >= 5000);
    await first.r.shutdown();
    appendFileSync(log, Array.from({ length: 5000 }, (_, i) => `line ${5000 + i}\n`).join(''));
    const second = receiver(dir, { serviceName: first.service });
    await second.r.start();
    await until(async () => (await lines(first.service)).n >= 10_000);
    await new Promise((res) => setTimeout(res, 300));
    await second.r.shutdown();
    expect(await lines(first.service)).toEqual({ n: 10_000, unique: 10_000, sum: expectedSum(10_000) });
  });
});

describe('bad input is counted and the receiver keeps going', () => {
  it('a 10 MB line, binary garbage, a deleted file, a truncated file and unreadable paths', async () => {
    const dir = newDir('bad');
    mkdirSync(join(dir, 'dir.log')); // matched by the glob, not a file
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling.log'));
    writeFileSync(join(dir, 'big.log'), `${'y'.repeat(10 * 1024 * 1024)}\nline after big\n`);
    writeFileSync(join(dir, 'garbage.log'), Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), Buffer.from(' binary\nok line\n')]));
    writeFileSync(join(dir, 'gone.log'), 'line 1 of gone\n');
    writeFileSync(join(dir, 'shrink.log'), 'first content that is long enough\n');
    const { r, service } = receiver(dir);
    await r.start();
    // All six lines stored (the long one's head, the line after it, the two garbage lines, gone's
    // and shrink's) before the files change: a line truncated away before it was read is gone.
    await until(async () => (await lines(service)).n >= 6);
    unlinkSync(join(dir, 'gone.log'));
    truncateSync(join(dir, 'shrink.log'), 0);
    appendFileSync(join(dir, 'shrink.log'), 'new\n');
    await until(async () => {
      const rows = await store.query<{ b: string }>("SELECT Body AS b FROM otel_logs WHERE ServiceName = {s:String} AND Body = 'new'", { s: service });
      return rows.length === 1;
    });
    // The unreadable paths are retried on every poll (and counted each time), not given up on.
    await until(async () => r.stats.read_errors >= 2);
    await r.shutdown();
    expect(r.stats.truncated_lines).toBe(1);
    expect(r.stats.invalid_utf8_lines).toBe(1);
    expect(r.stats.read_errors).toBeGreaterThanOrEqual(2);
    const bodies = (await store.query<{ b: string; l: number }>('SELECT Body AS b, length(Body) AS l FROM otel_logs WHERE ServiceName = {s:String}', { s: service }));
    expect(bodies.find((x) => x.b === 'line after big')).toBeTruthy();
    expect(bodies.find((x) => x.l === 64 * 1024)).toBeTruthy(); // the long line, cut to max_line_bytes
    expect(bodies.some((x) => x.b.includes('\uFFFD'))).toBe(true);
    expect(bodies.map((x) => x.b)).toEqual(expect.arrayContaining(['ok line', 'line 1 of gone', 'first content that is long enough', 'new']));
    expect(existsSync(join(dir, 'dir.log'))).toBe(true);
  });
});

describe('multiline and parsers', () => {
  it('Java stack traces become one record each', async () => {
    const dir = newDir('multiline');
    writeFileSync(
      join(dir, 'java.log'),
      [
        '2026-11-23 05:00:00 ERROR request failed',
        'java.lang.IllegalStateException: boom',
        '\tat com.example.Foo.bar(Foo.java:10)',
        '\tat com.example.Main.main(Main.java:3)',
        'Caused by: java.io.IOException: disk',
        '\t... 2 more',
        '2026-11-23 05:00:01 INFO recovered',
        '',
      ].join('\n'),
    );
    const { r, service } = receiver(dir, { multiline: { line_start_pattern: '^\\d{4}-\\d{2}-\\d{2} ', max_lines: 100, max_bytes: 65536, flush_timeout: 200 } });
    await r.start();
    await until(async () => (await lines(service)).n >= 2);
    await r.shutdown();
    const rows = await store.query<{ Body: string; SeverityText: string }>('SELECT Body, SeverityText FROM otel_logs WHERE ServiceName = {s:String} ORDER BY Body', { s: service });
    expect(rows).toHaveLength(2);
    expect(rows[0]!.Body.split('\n')).toHaveLength(6);
    expect(rows[0]!.Body).toContain('Caused by: java.io.IOException');
    expect(rows.map((x) => x.SeverityText)).toEqual(['ERROR', 'INFO']);
  });

  it('JSON lines set attributes, time and severity; a regex sets named groups', async () => {
    const dir = newDir('json');
    writeFileSync(join(dir, 'app.log'), '{"timestamp":"2026-11-23T05:00:00.250Z","level":"WARN","message":"disk slow","disk":"sda","ms":12}\nnot json\n');
    const { r, service } = receiver(dir, { parser: { type: 'json', timestamp_field: 'timestamp', severity_field: 'level', body_field: 'message' } });
    await r.start();
    await until(async () => (await lines(service)).n >= 2);
    await r.shutdown();
    expect(r.stats.parse_failures).toBe(1);
    const [row] = await store.query<Record<string, any>>("SELECT Body, SeverityText, SeverityNumber, LogAttributes, toString(Timestamp) AS t FROM otel_logs WHERE ServiceName = {s:String} AND Body = 'disk slow'", { s: service });
    expect(row).toMatchObject({ SeverityText: 'WARN', SeverityNumber: 13, LogAttributes: { disk: 'sda', ms: '12' }, t: '2026-11-23 05:00:00.250000000' });

    const rdir = newDir('regex');
    writeFileSync(join(rdir, 'access.log'), '10.0.0.1 GET /cart 500\n');
    const rx = receiver(rdir, { parser: { type: 'regex', regex: '^(?<client>\\S+) (?<method>\\S+) (?<path>\\S+) (?<status>\\d+)$', timestamp_field: 'timestamp', severity_field: 'level', body_field: 'message' } });
    await rx.r.start();
    await until(async () => (await lines(rx.service)).n >= 1);
    await rx.r.shutdown();
    const [hit] = await store.query<Record<string, any>>('SELECT LogAttributes FROM otel_logs WHERE ServiceName = {s:String}', { s: rx.service });
    expect(hit!.LogAttributes).toEqual({ client: '10.0.0.1', method: 'GET', path: '/cart', status: '500' });
  });
});

describe('backpressure', () => {
  it('pauses reading while the pipeline refuses data, then delivers everything exactly once', async () => {
    const dir = newDir('backpressure');
    writeFileSync(join(dir, 'app.log'), Array.from({ length: 3000 }, (_, i) => `line ${i}\n`).join(''));
    let refusing = true;
    let offered = 0;
    const inner = receiver(dir);
    const service = inner.service;
    const { r } = receiver(dir, {
      serviceName: service,
      maxBatchBytes: 4096,
      emit: async (request, dedupToken, size) => {
        offered += 1;
        if (refusing) throw new Error('pipeline saturated');
        await bus.publish('otlp_logs', [{ signal: 'logs', key: 'f', decoded: request, size, dedupToken, bytes: () => encodeProtobuf('logs', request) }]);
      },
    });
    await r.start();
    await new Promise((res) => setTimeout(res, 300));
    // While refused, each poll offers the same first batch again and reads no further.
    expect(r.stats.delivery_failures).toBeGreaterThan(3);
    expect(r.stats.lines).toBe(0);
    expect(offered).toBe(r.stats.delivery_failures);
    refusing = false;
    await until(async () => (await lines(service)).n >= 3000, 30_000);
    await new Promise((res) => setTimeout(res, 300));
    await r.shutdown();
    expect(await lines(service)).toEqual({ n: 3000, unique: 3000, sum: expectedSum(3000) });
  });
});
