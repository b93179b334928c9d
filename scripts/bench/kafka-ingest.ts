/**
 * npm run bench:kafka -- [--leg collector|processor|both] [--seconds S] [--clients C]
 *                         [--per-request N] [--processor-records M] [--kafka-client kafkajs|platformatic]
 *                         [--max-bytes-in-flight B] [--fetch-bytes-per-partition F]
 *
 * The distributed path in two legs, measured apart against one real Kafka broker:
 * - collector leg: OTLP/HTTP protobuf logs (N records of ~400 B per request, C clients) →
 *   `vigil collector` → Kafka (acks=all, idempotent, gzip), no processor running; once with
 *   compressible bodies and once with random (incompressible) ones. A 200 means "in Kafka".
 * - processor leg: M records put in Kafka by the collector while no processor runs, then
 *   drained by `vigil processor` into chDB; in the same run the engine inserts the same rows
 *   pre-encoded (RowBinary from tmpfs, no JS work on the clock), as the ceiling. The drain is
 *   timed from the processor's start (its startup included) and, apart, from its first stored
 *   row; the processor's in-flight bytes (processor.max_bytes_in_flight) come from its stop log.
 * Prints JSON: records/s, CPU-s per million records for vigil and for the broker's JVM (from
 * /proc/<pid>/stat), peak RSS, and the load average at the start and end of each phase
 * (figures taken under contention are upper bounds on cost).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startKafka } from '../kafka/broker.ts';
import { startVigil, tempDir, type VigilProcess } from '../../test/support/vigil-process.ts';
import { httpLogLoad } from './http-log-load.ts';
import { encodedLogRequests } from './log-request.ts';
import { procUsage } from './proc-usage.ts';
import { engineReinsert } from './engine-reinsert.ts';

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
  },
});
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
    },
  },
  ...(values['max-bytes-in-flight'] ? { processor: { max_bytes_in_flight: Number(values['max-bytes-in-flight']) } } : {}),
  collector: { hostmetrics: { enabled: false } },
  telemetry: { enabled: false },
});
const dirs: string[] = [];
const perMillion = (cpuSeconds: number, records: number) => Number(((cpuSeconds / records) * 1e6).toFixed(2));
const result: Record<string, unknown> = { clients, records_per_request: perRequest, kafka_client: values['kafka-client'] ?? 'default' };

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

    const processorDir = tempDir('bench-processor');
    dirs.push(processorDir);
    const loadBefore = load();
    const brokerBefore = procUsage(brokerPid);
    const t0 = performance.now();
    // log_level info: the processor's stop log carries its stats (in-flight bytes among them).
    const processor = await startVigil(processorDir, { ...kafkaConfig('otlp_logs'), log_level: 'info' }, 'processor');
    let peakRssMb = 0;
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, procUsage(processor.child.pid!).peakRssMb)), 250);
    const firstRow = await waitForRows(processor, processorRecords);
    const drainSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const vigilCpu = procUsage(processor.child.pid!).cpuSeconds;
    const brokerCpu = procUsage(brokerPid).cpuSeconds - brokerBefore.cpuSeconds;
    const loadAfter = load();
    await processor.stop();
    const inFlight = processor.logs.find((l) => l.msg === 'processor stopped')?.inFlight as { peakBytes: number; limitBytes: number; waits: number; overruns: number } | undefined;
    const engine = await engineReinsert(join(processorDir, 'clickhouse'), kafkaConfig('otlp_logs'), 'otel_logs');
    const rate = processorRecords / drainSeconds;
    result.processor_leg = {
      records: processorRecords,
      records_per_second: Math.round(rate),
      seconds_to_first_row: Number(((firstRow.at - t0) / 1000).toFixed(2)),
      records_per_second_after_first_row: Math.round((processorRecords - firstRow.rows) / (drainSeconds - (firstRow.at - t0) / 1000)),
      cpu_seconds_per_million: {
        vigil_including_startup: perMillion(vigilCpu, processorRecords),
        vigil_after_first_row: perMillion(vigilCpu - firstRow.cpuSeconds, processorRecords - firstRow.rows),
        broker: perMillion(brokerCpu, processorRecords),
      },
      vigil_peak_rss_mb: Math.round(peakRssMb),
      vigil_peak_rss_until_first_row_mb: Math.round(firstRow.rssMb),
      in_flight: inFlight && { peak_mb: Number((inFlight.peakBytes / 2 ** 20).toFixed(1)), limit_mb: Number((inFlight.limitBytes / 2 ** 20).toFixed(1)), waits: inFlight.waits, overruns: inFlight.overruns },
      engine_pre_encoded: { rows: engine.rows, rows_per_second: Math.round(engine.rows / engine.seconds), cpu_seconds_per_million: perMillion(engine.cpuSeconds, engine.rows) },
      ratio_to_engine: Number((rate / (engine.rows / engine.seconds)).toFixed(2)),
      load_average: { before: loadBefore, after: loadAfter },
    };
  }
} finally {
  await kafka.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result, null, 2) + '\n');

/** Waits for n rows; tells when the first rows showed up, how many, and the CPU and RSS then. */
async function waitForRows(p: VigilProcess, n: number): Promise<{ at: number; rows: number; cpuSeconds: number; rssMb: number }> {
  let first: { at: number; rows: number; cpuSeconds: number; rssMb: number } | undefined;
  for (;;) {
    const [row] = await p.query<{ n: string }>('SELECT count() AS n FROM otel_logs').catch(() => [{ n: '0' }]);
    const rows = Number(row!.n);
    if (rows > 0 && !first) {
      const usage = procUsage(p.child.pid!);
      first = { at: performance.now(), rows, cpuSeconds: usage.cpuSeconds, rssMb: usage.peakRssMb };
    }
    if (rows >= n) return first!;
    await new Promise((r) => setTimeout(r, 200));
  }
}
