/**
 * npm run bench:ingest -- [--records N (default 200000)] [--per-request R (records per request, default 1000; --batch is the old name)]
 *                          [--clients C (clients sending at once, default 16; --concurrency is the old name)]
 *                          [--bodies realistic|random (random: incompressible 400 B bodies; default realistic)]
 *                          [--self-telemetry on|off (default on, as users run it)] [--protocol http|grpc (default http)]
 *                          [--latency-seconds S (length of the paced phase, default 5)]
 *                          [--max-delay D (processor.batch.max_delay, e.g. 5ms; default: vigil's own)]
 *                          [--regroup-delay D (processor.batch.regroup_delay, e.g. 0ms to turn it off; default: vigil's own)]
 *                          [--vigil-root DIR (run `vigil start` from another checkout, e.g. a worktree of main, to compare code)]
 *                          [--warmup W (records sent first and not measured, default 20000)]
 *                          [--transcode-workers N|auto (collector.otlp.transcode_workers; default: vigil's own)]
 *                          [--vigil-log FILE (vigil's stdout lines, e.g. with VIGIL_CHILD_NODE_ARGS=--trace-gc, written to FILE)]
 *
 * Sends N OTLP log records (~400 B each, a handful of attributes) through `vigil start` and prints
 * ONE JSON object (one line): sustained records/s with C clients; vigil's CPU per million records
 * split into the JavaScript side and the embedded engine (by thread, see thread-cpu.ts); peak RSS;
 * peak anonymous RSS (RssAnon: the heap, arenas and buffers, without the ~217 MB of chDB's shared-library
 * file pages that VmRSS counts), sampled every 50 ms; p50/p99 request-to-queryable at half the sustained rate (a 200 means inserted, so queryable).
 * The reference, in the same run: the engine alone inserting the same rows pre-encoded as
 * RowBinary (encoding before the clock), at 20,000 rows per insert (processor.batch.max_rows,
 * vigil's largest) and at vigil's own mean insert size in the run (at most 50 inserts of each).
 * Both sides are timed to the end of the merges their inserts caused (the engine builds skip
 * indexes there); the rates to the last answer / last insert are printed beside them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeProtobuf, requestToRows } from '../../core/model/index.ts';
import { engineBaseline } from './engine-baseline.ts';
import { grpcLogSender } from './grpc-log-sender.ts';
import { logRequest, type BodyKind } from './log-request.ts';
import { mergesSettled } from './merges-settled.ts';
import { procUsage } from './proc-usage.ts';
import { fileCreateMicros } from './fs-probe.ts';
import { threadCpu, threadCpuSince } from './thread-cpu.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'per-request': { type: 'string' },
    batch: { type: 'string' },
    clients: { type: 'string' },
    concurrency: { type: 'string' },
    bodies: { type: 'string', default: 'realistic' },
    'self-telemetry': { type: 'string', default: 'on' },
    protocol: { type: 'string', default: 'http' },
    'latency-seconds': { type: 'string', default: '5' },
    'vigil-root': { type: 'string' },
    'max-delay': { type: 'string' },
    'regroup-delay': { type: 'string' },
    warmup: { type: 'string', default: '20000' },
    'transcode-workers': { type: 'string' },
    'vigil-log': { type: 'string' },
  },
});
const total = Number(values.records);
const perRequest = Number(values['per-request'] ?? values.batch ?? 1000);
const clients = Number(values.clients ?? values.concurrency ?? 16);
const bodies: BodyKind = values.bodies === 'random' ? 'random' : 'realistic';
const protocol = values.protocol === 'grpc' ? 'grpc' : 'http';
const selfTelemetry = values['self-telemetry'] !== 'off';
const transcodeWorkers = values['transcode-workers'] === undefined ? undefined : values['transcode-workers'] === 'auto' ? 'auto' : Number(values['transcode-workers']);
const MAX_ROWS = 20_000; // processor.batch.max_rows default
const vigilRoot = resolve(values['vigil-root'] ?? resolve(import.meta.dirname, '../..'));
const { startVigil, tempDir } = (await import(`${vigilRoot}/test/support/vigil-process.ts`)) as typeof import('../../test/support/vigil-process.ts');
const commit = execFileSync('git', ['-C', vigilRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const loadAtStart = loadavg().map((n) => Number(n.toFixed(2)));

// The same request objects feed vigil (as protobuf) and the engine reference (as rows).
const decoded = Array.from({ length: Math.ceil(total / perRequest) }, (_, i) => logRequest(i, Math.min(perRequest, total - i * perRequest), bodies));
const requests = decoded.map((r) => Buffer.from(encodeProtobuf('logs', r)));
const bytesPerRecord = requests.reduce((n, r) => n + r.length, 0) / total;

async function sendHttp(otlp: string, body: Buffer): Promise<number> {
  const started = performance.now();
  for (;;) {
    const r = await fetch(`${otlp}/v1/logs`, { method: 'POST', body: body as unknown as BodyInit, headers: { 'Content-Type': 'application/x-protobuf' } });
    await r.arrayBuffer();
    if (r.status === 200) return performance.now() - started;
    if (r.status !== 503) throw new Error(`unexpected ${r.status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Sum and count of the vigil.store.insert.rows histogram for otel_logs, from vigil's /metrics. */
async function insertRowsHistogram(api: string): Promise<{ sum: number; count: number } | undefined> {
  if (!selfTelemetry) return undefined;
  const text = await (await fetch(`${api}/metrics`)).text();
  const pick = (suffix: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`vigil_store_insert_rows_${suffix}`) && l.includes('otel_logs') && l.includes('"ok"'))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  return { sum: pick('sum'), count: pick('count') };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const dir = tempDir('bench');
const fsAtStart = fileCreateMicros(dir);
const vigil = await startVigil(dir, {
  log_level: 'warn',
  collector: { hostmetrics: { enabled: false }, ...(transcodeWorkers !== undefined ? { otlp: { transcode_workers: transcodeWorkers } } : {}) },
  telemetry: { enabled: selfTelemetry },
  // Written as JSON: an option not given is left out, and vigil's default applies.
  processor: { batch: { max_delay: values['max-delay'], regroup_delay: values['regroup-delay'] } },
});
const pid = vigil.child.pid!;
// VmHWM is the kernel's peak of VmRSS; no peak of RssAnon is kept, so it is sampled.
const memoryOf = () => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
};
const idleMemory = memoryOf();
let peakAnonMb = idleMemory.anon;
let fileAtPeakAnonMb = idleMemory.file;
const memorySampler = setInterval(() => {
  try {
    const m = memoryOf();
    if (m.anon > peakAnonMb) [peakAnonMb, fileAtPeakAnonMb] = [m.anon, m.file];
  } catch {
    // vigil has exited
  }
}, 50);
const grpc = protocol === 'grpc' ? grpcLogSender(String(vigil.logs.find((l) => l.msg === 'vigil started')?.otlpGrpc)) : undefined;
const send = (body: Buffer) => (grpc ? grpc.send(body) : sendHttp(vigil.otlp, body));

// Warm-up, not measured: vigil loads some modules on first use and V8 compiles the hot path
// during the first requests, ~1.5 s of CPU that a short run would charge to every record.
const warmupRequests = requests.slice(0, Math.min(requests.length, Math.ceil(Number(values.warmup) / perRequest)));
let warm = 0;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (warm < warmupRequests.length) await send(warmupRequests[warm++]!);
  }),
);
const warmupRecords = decoded.slice(0, warmupRequests.length).reduce((n, r) => n + r.resourceLogs![0]!.scopeLogs![0]!.logRecords!.length, 0);

// Phase 1: as fast as the pipeline takes it, `clients` requests at a time.
const histogramBefore = await insertRowsHistogram(vigil.api);
const cpuBefore = threadCpu(pid);
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < requests.length) await send(requests[next++]!);
  }),
);
const lastAnswerAt = performance.now();
// Timed to the end of the merges the run caused (skip indexes are built there), as the engine
// baseline is; the rate to the last answer is reported beside it.
const settledAt = await mergesSettled(pid, lastAnswerAt);
const cpu = threadCpuSince(cpuBefore, threadCpu(pid));
const histogramAfter = await insertRowsHistogram(vigil.api);
const rate = total / ((settledAt - t0) / 1000);
const rateToLastAnswer = total / ((lastAnswerAt - t0) / 1000);
const meanRowsPerInsert =
  histogramBefore && histogramAfter && histogramAfter.count > histogramBefore.count
    ? Math.round((histogramAfter.sum - histogramBefore.sum) / (histogramAfter.count - histogramBefore.count))
    : undefined;

// Phase 2: latency at half the sustained rate, paced, for --latency-seconds (at least 50 requests).
const interval = (perRequest / (rate / 2)) * 1000;
const pacedCount = Math.min(requests.length, Math.max(50, Math.round((Number(values['latency-seconds']) * 1000) / interval)));
const latencies: number[] = [];
await Promise.all(
  requests.slice(0, pacedCount).map(
    (body, i) =>
      new Promise<void>((res, rej) =>
        setTimeout(() => send(body).then((ms) => void latencies.push(ms), rej).then(res), i * interval),
      ),
  ),
);
latencies.sort((a, b) => a - b);

grpc?.close();
const peakRssMb = Math.round(procUsage(pid).peakRssMb);
clearInterval(memorySampler);
if (values['vigil-log']) writeFileSync(values['vigil-log'], vigil.logs.map((l) => (typeof l.raw === 'string' ? l.raw : JSON.stringify(l))).join('\n') + '\n');
const [stored] = await vigil.query<{ n: string }>('SELECT count() AS n FROM otel_logs');
await vigil.stop();
const fsAtEnd = fileCreateMicros(dir);
rmSync(dir, { recursive: true, force: true });
const resent = decoded.slice(0, pacedCount).reduce((n, r) => n + r.resourceLogs![0]!.scopeLogs![0]!.logRecords!.length, 0);

// The reference, after vigil has stopped so the two never share the cores.
const rows = decoded.flatMap((r) => requestToRows('logs', r)[0]!.rows);
const engineSizes = [MAX_ROWS, ...(meanRowsPerInsert && meanRowsPerInsert !== MAX_ROWS ? [meanRowsPerInsert] : [])];
const engine = await engineBaseline('otel_logs', rows, engineSizes, 50);
const perMillion = (s: number) => Number(((s / total) * 1e6).toFixed(1));
const ratio = (engineRate: number) => Number((rate / engineRate).toFixed(2));
const jsPerMillion = perMillion(cpu.jsSeconds);
const p99 = Math.round(percentile(latencies, 99));

process.stdout.write(
  JSON.stringify({
    vigil_commit: commit,
    records: total,
    records_per_request: perRequest,
    clients,
    bodies,
    protocol,
    self_telemetry: selfTelemetry,
    max_delay: values['max-delay'] ?? 'default',
    regroup_delay: values['regroup-delay'] ?? 'default',
    transcode_workers: transcodeWorkers ?? 'default',
    bytes_per_record_protobuf: Math.round(bytesPerRecord),
    load_average_at_start: loadAtStart,
    load_average_at_end: loadavg().map((n) => Number(n.toFixed(2))),
    // CPU µs to create a file in a new directory beside the engine's parts (fs-probe.ts): 10–20 on
    // a quiet file system, up to ~1,000 in a churned block group of these machines' ext4.
    fs_file_create_us: { start: fsAtStart, end: fsAtEnd },
    vigil: {
      // Records over the time to the end of the merges they caused; to_last_answer: to the last 2xx.
      records_per_second: Math.round(rate),
      records_per_second_to_last_answer: Math.round(rateToLastAnswer),
      // js counts every JS thread (main, worker_threads, V8's helpers); js_main_thread is the event loop alone.
      cpu_seconds_per_million: { total: perMillion(cpu.totalSeconds), js: jsPerMillion, js_main_thread: perMillion(cpu.jsMainSeconds), engine: perMillion(cpu.engineSeconds) },
      cpu_seconds_by_thread_name: cpu.byName,
      // The JS side's threads one by one (main first): V8's GC and compiler helpers and libuv pool
      // threads chDB has not run on yet (the spool files' writes) are all called `node`.
      js_threads_cpu_seconds: Object.entries(cpu.byThread)
        .filter(([, t]) => t.name === 'node' && t.seconds > 0)
        .sort(([a, x], [b, y]) => (a === cpu.mainTid ? -1 : b === cpu.mainTid ? 1 : y.seconds - x.seconds))
        .map(([, t]) => Number(t.seconds.toFixed(2))),
      mean_rows_per_insert: meanRowsPerInsert ?? null,
      peak_rss_mb: peakRssMb,
      // RssAnon: what vigil allocated (V8 heap, buffers, the engine's arenas), without mapped files.
      peak_anon_rss_mb: Math.round(peakAnonMb),
      file_rss_at_peak_anon_mb: Math.round(fileAtPeakAnonMb),
      idle_anon_rss_mb: Math.round(idleMemory.anon),
      latency_at_half_rate_ms: { p50: Math.round(percentile(latencies, 50)), p99, requests: latencies.length },
      // Phase 1 sends every record once; the latency phase resends the first requests.
      stored_exact: Number(stored!.n) === total + resent + warmupRecords,
    },
    engine_pre_encoded: engine.map((e) => ({
      rows_per_insert: e.rowsPerInsert,
      rows_per_second: e.rowsPerSecond,
      rows_per_second_to_last_insert: e.rowsPerSecondToLastInsert,
      cpu_seconds_per_million: e.cpuSecondsPerMillion,
    })),
    ratio_to_engine: ratio(engine[0]!.rowsPerSecond),
    ratio_to_engine_same_insert_size: engine[1] ? ratio(engine[1].rowsPerSecond) : null,
    goals: {
      ratio_at_least_0_6: ratio(engine[0]!.rowsPerSecond) >= 0.6,
      js_at_most_4_cpu_s_per_million: jsPerMillion <= 4,
      p99_at_half_rate_at_most_1_s: p99 <= 1000,
      peak_rss_at_most_400_mb: peakRssMb <= 400,
    },
  }) + '\n',
);
