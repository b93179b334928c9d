/**
 * npm run bench:peer -- [--records N (per run, default 500000)] [--runs R (A/B pairs, default 3)]
 *                       [--clients 16] [--per-request 100] [--random-bodies] [--partitions 6]
 *                       [--kafka-client kafkajs|platformatic (vigil's producer; default vigil's own)]
 *                       [--producers N (vigil's bus.kafka.producers; default vigil's own)]
 *                       [--gzip-level 1-9 (vigil's and otelcol's producer gzip level, not the baseline's; default each one's own)]
 *                       [--otelcol-gzip-level 1-9 (otelcol's alone, over --gzip-level)]
 *                       [--vigil-kafka JSON, --baseline-kafka JSON (merged last into that side's bus.kafka, e.g. '{"compression_level":3}')]
 *                       [--baseline-root DIR (also run the vigil checked out at DIR, e.g. /work/main)]
 *                       [--vigil-node-args=ARGS, --baseline-node-args=ARGS (node flags of that side's processes, over VIGIL_CHILD_NODE_ARGS; with '=')]
 *                       [--vigil-log DIR (each vigil run's stdout lines, e.g. with VIGIL_CHILD_NODE_ARGS=--trace-gc, in DIR/<topic>.log)]
 *
 * vigil's collector side by side with the OpenTelemetry Collector, on one real Kafka broker and
 * the same load: OTLP/HTTP protobuf logs, `per-request` records of ~420 B per request from
 * `clients` connections at once, sent by a generator in its own process. After an uncounted
 * warm-up of the broker, runs alternate (vigil, otelcol, otelcol, vigil, vigil, …) so drift on
 * a shared machine hits both alike; each run gets a new collector process and a new, empty topic. Both answer 200 only once the records
 * are in Kafka with acks=all, gzip-compressed (scripts/otelcol/build.sh and bench/peer/otelcol.ts
 * say how the Collector is set up to match). After each run the topic is read back: its messages
 * and decoded log records must be exactly what was sent, and its segment files tell how the
 * messages were batched and compressed.
 *
 * Prints one JSON line per run, then a summary: medians of records/s, CPU-seconds per million
 * records for the collector (process and children) and for the broker's JVM (also less its idle
 * rate, measured for 3 s before each run, since slower runs are charged more of it), the collector's
 * peak RSS, the bytes per record each side wrote to the broker and its compression ratio (at one
 * nominal gzip level, zlib's and klauspost/compress's do not compress alike), and vigil/otelcol ratios. With --baseline-root, a third side runs the vigil of another
 * checkout in the same alternation (with the same config), and vigil/baseline ratios are printed
 * too: a change measured against its base in the same minutes. Without Go, or when the Collector does not build, it says
 * so and runs vigil alone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startKafka } from '../kafka/broker.ts';
import { startVigil, tempDir } from '../../test/support/vigil-process.ts';
import { buildOtelcol, startOtelcol } from './peer/otelcol.ts';
import { processTreeUsage } from './peer/process-tree-usage.ts';
import { recordBatches, type BatchCensus } from './peer/record-batches.ts';
import { countLogRecords, countMessages, createTopic } from './peer/topic-census.ts';
import { procUsage } from './proc-usage.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '3' },
    clients: { type: 'string', default: '16' },
    'per-request': { type: 'string', default: '100' },
    'random-bodies': { type: 'boolean', default: false },
    partitions: { type: 'string', default: '6' },
    'kafka-client': { type: 'string' },
    producers: { type: 'string' },
    'baseline-root': { type: 'string' },
    'gzip-level': { type: 'string' },
    'otelcol-gzip-level': { type: 'string' },
    'vigil-kafka': { type: 'string' },
    'baseline-kafka': { type: 'string' },
    'vigil-log': { type: 'string' },
    'vigil-node-args': { type: 'string' },
    'baseline-node-args': { type: 'string' },
  },
});
const records = Number(values.records);
const runs = Number(values.runs);
const partitions = Number(values.partitions);
const gzipLevel = values['gzip-level'] ? Number(values['gzip-level']) : undefined;
const otelcolGzipLevel = values['otelcol-gzip-level'] ? Number(values['otelcol-gzip-level']) : gzipLevel;
/** Per-side bus.kafka settings, for A/B runs of a knob (the same checkout as --baseline-root works too). */
const kafkaOverrides = { vigil: JSON.parse(values['vigil-kafka'] ?? '{}') as object, baseline: JSON.parse(values['baseline-kafka'] ?? '{}') as object };
/**
 * Sent to each collector before the clock starts. 20,000 as in bench:ingest: with 2,000, vigil's
 * measured run still paid for lazy module loading and the JIT compiling its hot path (V8's
 * compiler threads), which a long-running collector pays once; the Go binary has nothing to warm.
 */
const WARMUP_RECORDS = 20_000;
const IDLE_SAMPLE_MS = 3000;
const BROKER_WARMUP_RECORDS = 100_000;
const GENERATOR = resolve(import.meta.dirname, 'peer/load-generator.ts');

type Side = 'vigil' | 'otelcol' | 'baseline';
interface RunResult {
  side: Side;
  run: number;
  records: number;
  records_per_second: number;
  seconds: number;
  retries: number;
  collector_cpu_seconds_per_million: number;
  collector_main_thread_cpu_seconds_per_million: number;
  broker_cpu_seconds_per_million: number;
  broker_cpu_seconds_per_million_less_idle: number;
  broker_idle_cpu_seconds_per_second: number;
  collector_peak_rss_mb: number;
  collector_processes: number;
  kafka_messages: number;
  kafka_log_records: number;
  kafka_batches: BatchCensus;
  /** Log bytes per log record (warm-up included, as in the topic): what the producer wrote to the broker. */
  kafka_bytes_per_record: number;
  /** Uncompressed over compressed record bytes. */
  kafka_compression_ratio: number;
  load_average_1m: [number, number];
}

const log = (msg: string) => process.stderr.write(`bench:peer: ${msg}\n`);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

log('building the OpenTelemetry Collector (scripts/otelcol/build.sh)…');
const otelcol = buildOtelcol();
if ('unavailable' in otelcol) log(`no OpenTelemetry Collector to compare with (${otelcol.unavailable}): running vigil alone`);
const sides: Side[] = 'binary' in otelcol ? ['vigil', 'otelcol'] : ['vigil'];
// The other checkout's own process starter: its ROOT is where its bin/vigil.cjs is.
const baselineRoot = values['baseline-root'] ? resolve(values['baseline-root']) : undefined;
const startBaseline = baselineRoot ? ((await import(join(baselineRoot, 'test/support/vigil-process.ts'))) as { startVigil: typeof startVigil }).startVigil : undefined;
if (startBaseline) sides.push('baseline');

/** Starts the load generator; resolves once it has encoded everything and sent its warm-up. */
async function startGenerator(otlp: string, records: number) {
  const args = ['--import', 'tsx', GENERATOR, '--url', otlp, '--records', String(records), '--clients', String(values.clients), '--per-request', String(values['per-request']), '--warmup-records', String(WARMUP_RECORDS)];
  if (values['random-bodies']) args.push('--random-bodies');
  const child = spawn(process.execPath, args, { cwd: resolve(import.meta.dirname, '../..'), stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`load generator exited with ${await exited}`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error('load generator did not say ready');
  return {
    go: async () => {
      child.stdin!.write('go\n');
      const result = JSON.parse(await next()) as { requests: number; warmup_requests: number; seconds: number; retries: number };
      await exited;
      return result;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

async function startCollector(side: Side, dir: string, brokers: string, topic: string) {
  if (side === 'otelcol') return startOtelcol((otelcol as { binary: string }).binary, dir, brokers, topic, otelcolGzipLevel);
  const config = {
    log_level: 'warn',
    bus: { kind: 'kafka', kafka: { brokers: brokers.split(','), partitions, client_id: 'bench-peer-vigil', topics: { logs: topic }, ...(values['kafka-client'] ? { client: values['kafka-client'] } : {}), ...(values.producers ? { producers: Number(values.producers) } : {}), ...(gzipLevel && side === 'vigil' ? { compression_level: gzipLevel } : {}), ...kafkaOverrides[side] } },
    collector: { hostmetrics: { enabled: false } },
  };
  // Both starters read VIGIL_CHILD_NODE_ARGS when they spawn: a side's own flags are set just for its start.
  const nodeArgs = values[side === 'baseline' ? 'baseline-node-args' : 'vigil-node-args'];
  const inherited = process.env.VIGIL_CHILD_NODE_ARGS;
  if (nodeArgs !== undefined) process.env.VIGIL_CHILD_NODE_ARGS = nodeArgs;
  try {
    return await (side === 'baseline' ? startBaseline! : startVigil)(join(dir, 'data'), config, 'collector');
  } finally {
    if (inherited === undefined) delete process.env.VIGIL_CHILD_NODE_ARGS;
    else process.env.VIGIL_CHILD_NODE_ARGS = inherited;
  }
}

async function runOnce(side: Side, run: number, records: number, brokers: string, brokerPid: number, logDir: string): Promise<RunResult> {
  const topic = run === 0 ? 'bench_peer_broker_warmup' : `bench_peer_${side}_${run}`;
  await createTopic(brokers, topic, partitions);
  const dir = tempDir(`peer-${side}`);
  const collector = await startCollector(side, dir, brokers, topic);
  const pid = collector.child.pid!;
  const loadBefore = loadavg()[0]!;
  try {
    const generator = await startGenerator(collector.otlp, records);
    // The broker spends CPU when nothing is produced (KRaft heartbeats, GC); a slower run would
    // be charged more of it, so its idle rate is measured here and also reported subtracted.
    const idle = procUsage(brokerPid).cpuSeconds;
    await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
    const idlePerSecond = (procUsage(brokerPid).cpuSeconds - idle) / (IDLE_SAMPLE_MS / 1000);
    const before = { collector: processTreeUsage(pid), broker: procUsage(brokerPid) };
    const sent = await generator.go();
    const after = { collector: processTreeUsage(pid), broker: procUsage(brokerPid) };
    await collector.stop();
    if (values['vigil-log'] && 'logs' in collector) {
      mkdirSync(values['vigil-log'], { recursive: true });
      writeFileSync(join(values['vigil-log'], `${topic}.log`), collector.logs.map((l) => (typeof l.raw === 'string' ? l.raw : JSON.stringify(l))).join('\n') + '\n');
    }
    const messages = await countMessages(brokers, topic);
    const expectedMessages = sent.requests + sent.warmup_requests;
    if (messages !== expectedMessages) throw new Error(`${side} wrote ${messages} messages to ${topic}, expected ${expectedMessages} (one per request)`);
    const logRecords = messages === 0 ? 0 : await countLogRecords(brokers, topic, messages);
    if (logRecords !== records + WARMUP_RECORDS) throw new Error(`${side} wrote ${logRecords} log records to ${topic}, expected ${records + WARMUP_RECORDS}`);
    const batches = recordBatches(logDir, topic);
    if (batches.messages !== messages) throw new Error(`${topic}'s segment files hold ${batches.messages} messages, its offsets say ${messages}`);
    const perMillion = (cpu: number) => round((cpu / records) * 1e6, 2);
    return {
      side,
      run,
      records,
      records_per_second: Math.round(records / sent.seconds),
      seconds: round(sent.seconds, 2),
      retries: sent.retries,
      collector_cpu_seconds_per_million: perMillion(after.collector.cpuSeconds - before.collector.cpuSeconds),
      collector_main_thread_cpu_seconds_per_million: perMillion(after.collector.mainThreadCpuSeconds - before.collector.mainThreadCpuSeconds),
      broker_cpu_seconds_per_million: perMillion(after.broker.cpuSeconds - before.broker.cpuSeconds),
      broker_cpu_seconds_per_million_less_idle: perMillion(after.broker.cpuSeconds - before.broker.cpuSeconds - idlePerSecond * sent.seconds),
      broker_idle_cpu_seconds_per_second: round(idlePerSecond, 3),
      collector_peak_rss_mb: Math.round(after.collector.peakRssMb),
      collector_processes: after.collector.processes,
      kafka_messages: messages,
      kafka_log_records: logRecords,
      kafka_batches: batches,
      kafka_bytes_per_record: round(batches.bytes / logRecords, 1),
      kafka_compression_ratio: round(batches.uncompressed_bytes / batches.bytes, 2),
      load_average_1m: [round(loadBefore, 2), round(loadavg()[0]!, 2)],
    };
  } finally {
    if (collector.child.exitCode === null) collector.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const METRICS = ['records_per_second', 'collector_cpu_seconds_per_million', 'collector_main_thread_cpu_seconds_per_million', 'broker_cpu_seconds_per_million', 'broker_cpu_seconds_per_million_less_idle', 'collector_peak_rss_mb', 'kafka_bytes_per_record', 'kafka_compression_ratio'] as const;

const kafka = await startKafka();
const results: RunResult[] = [];
try {
  const brokerPid = kafka.nodes[0]!.pid;
  const logDir = join(kafka.dataDir, 'node-1', 'data');
  // A new JVM spends its first minute compiling: without this, whichever side runs first would
  // be charged a cold broker. Not counted.
  log(`broker warm-up: ${Math.min(records, BROKER_WARMUP_RECORDS)} records through ${sides[0]}, not counted`);
  await runOnce(sides[0]!, 0, Math.min(records, BROKER_WARMUP_RECORDS), kafka.bootstrap, brokerPid, logDir);
  for (let run = 1; run <= runs; run++) {
    // A B, B A, A B, …: neither side always follows the other.
    for (const side of run % 2 ? sides : [...sides].reverse()) {
      log(`run ${run}/${runs}: ${side}, ${records} records${values['random-bodies'] ? ', random bodies' : ''}`);
      const result = await runOnce(side, run, records, kafka.bootstrap, brokerPid, logDir);
      results.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }
} finally {
  await kafka.stop();
}

const medians = Object.fromEntries(
  sides.map((side) => {
    const mine = results.filter((r) => r.side === side);
    return [side, Object.fromEntries(METRICS.map((k) => [k, round(median(mine.map((r) => r[k])), 2)]))];
  }),
) as Record<Side, Record<(typeof METRICS)[number], number>>;
const ratio = medians.otelcol ? Object.fromEntries(METRICS.map((k) => [k, round(medians.vigil[k] / medians.otelcol[k], 2)])) : undefined;
const baselineRatio = medians.baseline ? Object.fromEntries(METRICS.map((k) => [k, round(medians.vigil[k] / medians.baseline[k], 2)])) : undefined;
process.stdout.write(
  `${JSON.stringify(
    {
      summary: {
        records_per_run: records,
        runs_per_side: runs,
        per_request: Number(values['per-request']),
        clients: Number(values.clients),
        bodies: values['random-bodies'] ? 'random' : 'compressible',
        vigil_kafka_client: values['kafka-client'] ?? 'kafkajs (default)',
        gzip_level: gzipLevel ?? 'each side\'s default (vigil and baseline: their checkout\'s bus.kafka.compression_level default, zlib 3 since session 6 and 6 before; otelcol: franz-go -1 = klauspost/compress 5)',
        ...(otelcolGzipLevel !== gzipLevel ? { otelcol_gzip_level: otelcolGzipLevel } : {}),
        ...(values['vigil-kafka'] ? { vigil_kafka: kafkaOverrides.vigil } : {}),
        ...(values['baseline-kafka'] ? { baseline_kafka: kafkaOverrides.baseline } : {}),
        ...(values['vigil-node-args'] !== undefined ? { vigil_node_args: values['vigil-node-args'] } : {}),
        ...(values['baseline-node-args'] !== undefined ? { baseline_node_args: values['baseline-node-args'] } : {}),
        otelcol: 'binary' in otelcol ? 'otelcol-vigil-peer 0.165.0 (otlp receiver → kafka exporter, acks=all, gzip, no batch processor, no sending queue)' : `not run: ${otelcol.unavailable}`,
        median: medians,
        ratio_vigil_over_otelcol: ratio,
        ...(baselineRoot ? { baseline_root: baselineRoot, ratio_vigil_over_baseline: baselineRatio } : {}),
        load_average: loadavg().map((n) => round(n, 2)),
      },
    },
    null,
    2,
  )}\n`,
);
