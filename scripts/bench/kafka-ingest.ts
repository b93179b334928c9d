/**
 * npm run bench:kafka -- [--leg collector|processor|both] [--seconds S] [--clients C]
 *                         [--per-request N] [--processor-records M] [--kafka-client kafkajs|platformatic]
 *                         [--max-bytes-in-flight B] [--fetch-bytes-per-partition F]
 *                         [--max-batch-messages N] [--vigil-root DIR]
 *                         [--vigil-log FILE (the processor's stdout lines, e.g. with VIGIL_CHILD_NODE_ARGS=--trace-gc)]
 *
 * The distributed path in two legs, measured apart against one real Kafka broker:
 * - collector leg: OTLP/HTTP protobuf logs (N records of ~400 B per request, C clients) →
 *   `vigil collector` → Kafka (acks=all, idempotent, gzip), no processor running; once with
 *   compressible bodies and once with random (incompressible) ones. A 200 means "in Kafka".
 * - processor leg: M records put in Kafka by the collector while no processor runs, then
 *   drained by `vigil processor` into chDB; in the same run the engine inserts the same rows
 *   pre-encoded (RowBinary from tmpfs, no JS work on the clock), as the ceiling. The drain is
 *   timed from the processor's start (its startup included) and, apart, from its first stored
 *   row, to the end of the merges it caused (as the engine's inserts are timed); the processor's in-flight bytes (processor.max_bytes_in_flight) and its inserts come
 *   from its stop log. The engine runs twice: at 50,000 rows per insert and at the processor's
 *   own mean insert size. `ratio_to_engine` divides the whole drain's rate (startup included) by
 *   the engine's; `ratio_to_engine_after_first_row` divides the steady-state rate (from the
 *   first stored row on: no module loading, no group join) by it.
 *   `--vigil-root` runs the processor (and the collector filling the backlog) from another
 *   checkout, e.g. /work/main, with this client, for before/after runs.
 * Prints JSON: records/s, CPU-s per million records for vigil and for the broker's JVM (from
 * /proc/<pid>/stat), peak RSS, and the load average at the start and end of each phase
 * (figures taken under contention are upper bounds on cost).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startKafka } from '../kafka/broker.ts';
import { execFileSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import type { VigilProcess } from '../../test/support/vigil-process.ts';
import { httpLogLoad } from './http-log-load.ts';
import { encodedLogRequests } from './log-request.ts';
import { procUsage } from './proc-usage.ts';
import { engineReinsert } from './engine-reinsert.ts';
import { fileCreateMicros } from './fs-probe.ts';
import { mergesSettled } from './merges-settled.ts';
import { threadCpu, threadCpuSince, type ThreadCpu } from './thread-cpu.ts';

const { values } = parseArgs({
  options: {
    leg: { type: 'string', default: 'both' },
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '16' },
    'per-request': { type: 'string', default: '100' },
    'processor-records': { type: 'string', default: '300000' },
    'kafka-client': { type: 'string' },
    bodies: { type: 'string', default: 'compressible,random' },
    'max-bytes-in-flight': { type: 'string' },
    'fetch-bytes-per-partition': { type: 'string' },
    'max-batch-messages': { type: 'string' },
    'vigil-root': { type: 'string' },
    'vigil-log': { type: 'string' },
  },
});
const vigilRoot = resolve(values['vigil-root'] ?? resolve(import.meta.dirname, '../..'));
const { startVigil, tempDir } = (await import(`${vigilRoot}/test/support/vigil-process.ts`)) as typeof import('../../test/support/vigil-process.ts');
const commit = execFileSync('git', ['-C', vigilRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const perRequest = Number(values['per-request']);
const processorRecords = Number(values['processor-records']);
const load = () => loadavg().map((n) => Number(n.toFixed(2)));

const kafka = await startKafka();
const brokerPid = kafka.nodes[0]!.pid;
const kafkaConfig = (logsTopic: string) => ({
  log_level: 'warn',
  bus: {
    kind: 'kafka',
    kafka: {
      brokers: [kafka.bootstrap],
      partitions: 6,
      client_id: 'bench',
      session_timeout: '6s',
      topics: { logs: logsTopic },
      ...(values['kafka-client'] ? { client: values['kafka-client'] } : {}),
      ...(values['fetch-bytes-per-partition'] ? { fetch_bytes_per_partition: Number(values['fetch-bytes-per-partition']) } : {}),
      ...(values['max-batch-messages'] ? { max_batch_messages: Number(values['max-batch-messages']) } : {}),
    },
  },
  ...(values['max-bytes-in-flight'] ? { processor: { max_bytes_in_flight: Number(values['max-bytes-in-flight']) } } : {}),
  collector: { hostmetrics: { enabled: false } },
  telemetry: { enabled: false },
});
const dirs: string[] = [];
const perMillion = (cpuSeconds: number, records: number) => Number(((cpuSeconds / records) * 1e6).toFixed(2));
const result: Record<string, unknown> = { vigil: `${vigilRoot} @ ${commit}`, clients, records_per_request: perRequest, kafka_client: values['kafka-client'] ?? 'default' };

try {
  if (values.leg !== 'processor') {
    const dir = tempDir('bench-collector');
    dirs.push(dir);
    const collector = await startVigil(dir, kafkaConfig('bench_collector_logs'), 'collector');
    const pid = collector.child.pid!;
    const leg: Record<string, unknown> = {};
    for (const kind of values.bodies.split(',') as Array<'compressible' | 'random'>) {
      const bodies = encodedLogRequests(256, perRequest, kind === 'random' ? 'random' : 'realistic');
      await httpLogLoad(collector.otlp, bodies.slice(0, 32), clients, { seconds: 2 }); // warm-up: connections, JIT, producer
      const loadBefore = load();
      const before = { vigil: procUsage(pid), broker: procUsage(brokerPid) };
      const run = await httpLogLoad(collector.otlp, bodies, clients, { seconds });
      const after = { vigil: procUsage(pid), broker: procUsage(brokerPid) };
      const records = run.requests * perRequest;
      leg[kind] = {
        records,
        bytes_per_record: Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length / perRequest),
        records_per_second: Math.round(records / run.seconds),
        retries_503: run.retries,
        cpu_seconds_per_million: {
          vigil: perMillion(after.vigil.cpuSeconds - before.vigil.cpuSeconds, records),
          broker: perMillion(after.broker.cpuSeconds - before.broker.cpuSeconds, records),
        },
        vigil_peak_rss_mb: Math.round(after.vigil.peakRssMb),
        load_average: { before: loadBefore, after: load() },
      };
    }
    await collector.stop();
    result.collector_leg = leg;
  }

  if (values.leg !== 'collector') {
    // The backlog: produced by a collector while no processor runs.
    const collectorDir = tempDir('bench-backlog');
    dirs.push(collectorDir);
    const collector = await startVigil(collectorDir, kafkaConfig('otlp_logs'), 'collector');
    const bodies = encodedLogRequests(Math.ceil(processorRecords / perRequest), perRequest, 'realistic');
    await httpLogLoad(collector.otlp, bodies, clients, { once: true });
    await collector.stop();

    // A broker in service has its group coordinator (__consumer_offsets) long before a processor
    // joins; this fresh one creates it at the first group lookup (~0.3 s here), which would
    // count as processor startup. Looked up once before the clock starts.
    const admin = new Kafka({ clientId: 'bench-warmup', brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.describeGroups(['bench-warmup']);
    await admin.disconnect();

    const processorDir = tempDir('bench-processor');
    dirs.push(processorDir);
    const fsAtStart = fileCreateMicros(processorDir);
    const loadBefore = load();
    const brokerBefore = procUsage(brokerPid);
    const t0 = performance.now();
    // log_level info: the processor's stop log carries its stats (in-flight bytes among them).
    const processor = await startVigil(processorDir, { ...kafkaConfig('otlp_logs'), log_level: 'info' }, 'processor');
    let peakRssMb = 0;
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, procUsage(processor.child.pid!).peakRssMb)), 250);
    const firstRow = await waitForRows(processor, processorRecords);
    // To the end of the merges the drain caused (skip indexes are built there), as the engine
    // baseline (engine-reinsert.ts) is timed.
    const allStoredAt = performance.now();
    const drainSeconds = ((await mergesSettled(processor.child.pid!, allStoredAt)) - t0) / 1000;
    clearInterval(sampler);
    const vigilCpu = procUsage(processor.child.pid!).cpuSeconds;
    const split = threadCpuSince(firstRow.threads, threadCpu(processor.child.pid!));
    const brokerCpu = procUsage(brokerPid).cpuSeconds - brokerBefore.cpuSeconds;
    const loadAfter = load();
    await processor.stop();
    if (values['vigil-log']) writeFileSync(values['vigil-log'], processor.logs.map((l) => (typeof l.raw === 'string' ? l.raw : JSON.stringify(l))).join('\n') + '\n');
    const stopped = processor.logs.find((l) => l.msg === 'processor stopped');
    const inFlight = stopped?.inFlight as { peakBytes: number; limitBytes: number; waits: number; overruns: number } | undefined;
    const inserts = (stopped?.tables as Record<string, { insertedRows: number; inserts: number }> | undefined)?.otel_logs;
    const meanRowsPerInsert = inserts && inserts.inserts > 0 ? Math.round(inserts.insertedRows / inserts.inserts) : undefined;
    const fsAtEnd = fileCreateMicros(processorDir);
    const engine = await engineReinsert(join(processorDir, 'clickhouse'), kafkaConfig('otlp_logs'), 'otel_logs');
    const engineSame = meanRowsPerInsert ? await engineReinsert(join(processorDir, 'clickhouse'), kafkaConfig('otlp_logs'), 'otel_logs', meanRowsPerInsert) : undefined;
    // The same, each insert with a dedup token as the processor's: what the token costs the engine.
    const engineSameTokens = meanRowsPerInsert ? await engineReinsert(join(processorDir, 'clickhouse'), kafkaConfig('otlp_logs'), 'otel_logs', meanRowsPerInsert, true) : undefined;
    const rate = processorRecords / drainSeconds;
    const steadyRate = (processorRecords - firstRow.rows) / (drainSeconds - (firstRow.at - t0) / 1000);
    const engineRate = engine.rows / engine.seconds;
    result.processor_leg = {
      records: processorRecords,
      records_per_second: Math.round(rate),
      seconds_to_first_row: Number(((firstRow.at - t0) / 1000).toFixed(2)),
      records_per_second_after_first_row: Math.round(steadyRate),
      drain_seconds: Number(drainSeconds.toFixed(2)),
      drain_seconds_to_last_row: Number(((allStoredAt - t0) / 1000).toFixed(2)),
      inserts: inserts?.inserts,
      mean_rows_per_insert: meanRowsPerInsert,
      cpu_seconds_per_million: {
        vigil_including_startup: perMillion(vigilCpu, processorRecords),
        vigil_after_first_row: perMillion(vigilCpu - firstRow.cpuSeconds, processorRecords - firstRow.rows),
        // Of vigil_after_first_row, by thread (thread-cpu.ts): JavaScript (main thread alone) and the embedded engine.
        vigil_after_first_row_js: perMillion(split.jsSeconds, processorRecords - firstRow.rows),
        vigil_after_first_row_js_main_thread: perMillion(split.jsMainSeconds, processorRecords - firstRow.rows),
        vigil_after_first_row_engine: perMillion(split.engineSeconds, processorRecords - firstRow.rows),
        broker: perMillion(brokerCpu, processorRecords),
      },
      vigil_peak_rss_mb: Math.round(peakRssMb),
      vigil_peak_rss_until_first_row_mb: Math.round(firstRow.rssMb),
      in_flight: inFlight && { peak_mb: Number((inFlight.peakBytes / 2 ** 20).toFixed(1)), limit_mb: Number((inFlight.limitBytes / 2 ** 20).toFixed(1)), waits: inFlight.waits, overruns: inFlight.overruns },
      engine_pre_encoded: { rows: engine.rows, rows_per_insert: 50_000, rows_per_second: Math.round(engineRate), cpu_seconds_per_million: perMillion(engine.cpuSeconds, engine.rows) },
      engine_pre_encoded_same_insert_size: engineSame && { rows_per_insert: meanRowsPerInsert, rows_per_second: Math.round(engineSame.rows / engineSame.seconds), cpu_seconds_per_million: perMillion(engineSame.cpuSeconds, engineSame.rows) },
      engine_pre_encoded_same_insert_size_with_tokens: engineSameTokens && { rows_per_second: Math.round(engineSameTokens.rows / engineSameTokens.seconds), cpu_seconds_per_million: perMillion(engineSameTokens.cpuSeconds, engineSameTokens.rows) },
      // Whole drain (processor startup and group join included) against the engine at 50,000 rows/insert.
      ratio_to_engine: Number((rate / engineRate).toFixed(2)),
      // Steady state (from the first stored row) against the same engine figure.
      ratio_to_engine_after_first_row: Number((steadyRate / engineRate).toFixed(2)),
      load_average: { before: loadBefore, after: loadAfter },
      // CPU µs per file created in a new directory beside the parts (fs-probe.ts), before and after the drain.
      fs_file_create_us: { start: fsAtStart, end: fsAtEnd },
    };
  }
} finally {
  await kafka.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result, null, 2) + '\n');

/** Waits for n rows; tells when the first rows showed up, how many, and the CPU and RSS then. */
async function waitForRows(p: VigilProcess, n: number): Promise<{ at: number; rows: number; cpuSeconds: number; rssMb: number; threads: ThreadCpu }> {
  let first: { at: number; rows: number; cpuSeconds: number; rssMb: number; threads: ThreadCpu } | undefined;
  for (;;) {
    const [row] = await p.query<{ n: string }>('SELECT count() AS n FROM otel_logs').catch(() => [{ n: '0' }]);
    const rows = Number(row!.n);
    if (rows > 0 && !first) {
      const usage = procUsage(p.child.pid!);
      first = { at: performance.now(), rows, cpuSeconds: usage.cpuSeconds, rssMb: usage.peakRssMb, threads: threadCpu(p.child.pid!) };
    }
    if (rows >= n) return first!;
    await new Promise((r) => setTimeout(r, 200));
  }
}
