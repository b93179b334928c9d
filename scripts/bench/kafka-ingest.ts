/**
 * npm run bench:kafka -- [--records N] [--backlog M]
 *
 * The ingest benchmark through the distributed path: OTLP → `vigil collector` → a real Kafka
 * broker → `vigil processor` → ClickHouse (chDB). Prints JSON: end-to-end records/s, CPU-seconds
 * per million records for collector, processor and broker, p50/p99 ingest→queryable at a
 * moderate rate, and the processor's peak RSS while draining a backlog of M records that were
 * produced while it was stopped (memory must stay bounded whatever the backlog).
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startKafka } from '../kafka/broker.ts';
import { sendLogs } from '../../test/support/otlp-load.ts';
import { startVigil, tempDir, type VigilProcess } from '../../test/support/vigil-process.ts';
import { procUsage } from './proc-usage.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' }, backlog: { type: 'string', default: '500000' } } });
const total = Number(values.records);
const backlog = Number(values.backlog);

const kafka = await startKafka();
const config = {
  log_level: 'warn',
  bus: { kind: 'kafka', kafka: { brokers: [kafka.bootstrap], partitions: 6, client_id: 'bench', session_timeout: '6s' } },
  collector: { hostmetrics: { enabled: false } },
};
const dirs = [tempDir('bench-collector'), tempDir('bench-processor')];
const collector = await startVigil(dirs[0]!, config, 'collector');
let processor = await startVigil(dirs[1]!, config, 'processor');
const brokerPid = kafka.nodes[0]!.pid;

const count = async (p: VigilProcess, service: string) => Number((await p.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ServiceName = '${service}'`))[0]!.n);
const waitFor = async (p: VigilProcess, service: string, n: number) => {
  while ((await count(p, service)) < n) await new Promise((r) => setTimeout(r, 100));
};
const usage = () => ({ collector: procUsage(collector.child.pid!), processor: procUsage(processor.child.pid!), broker: procUsage(brokerPid) });

// Throughput, end to end.
const before = usage();
const t0 = performance.now();
await sendLogs(() => collector.otlp, 'throughput', total, 1000, 4);
await waitFor(processor, 'throughput', total);
const seconds = (performance.now() - t0) / 1000;
const after = usage();
const perMillion = (k: 'collector' | 'processor' | 'broker') => Number((((after[k].cpuSeconds - before[k].cpuSeconds) / total) * 1e6).toFixed(1));

// Latency: single requests at a moderate pace, each polled until queryable.
const latencies: number[] = [];
for (let i = 0; i < 30; i++) {
  const service = `latency-${i}`;
  const started = performance.now();
  await sendLogs(() => collector.otlp, service, 100, 100, 1);
  await waitFor(processor, service, 100);
  latencies.push(performance.now() - started);
  await new Promise((r) => setTimeout(r, 100));
}
latencies.sort((a, b) => a - b);

// Backlog: produced while the processor is down, then drained; sample RSS while draining.
await processor.stop();
await sendLogs(() => collector.otlp, 'backlog', backlog, 1000, 4);
processor = await startVigil(dirs[1]!, config, 'processor');
let peakRssMb = 0;
const d0 = performance.now();
const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, procUsage(processor.child.pid!).peakRssMb)), 250);
await waitFor(processor, 'backlog', backlog);
clearInterval(sampler);
const drainSeconds = (performance.now() - d0) / 1000;

process.stdout.write(
  JSON.stringify(
    {
      records: total,
      records_per_second: Math.round(total / seconds),
      cpu_seconds_per_million: { collector: perMillion('collector'), processor: perMillion('processor'), broker: perMillion('broker') },
      ingest_to_queryable_ms: { p50: Math.round(latencies[15]!), p99: Math.round(latencies[29]!) },
      backlog_records: backlog,
      backlog_drain_records_per_second: Math.round(backlog / drainSeconds),
      processor_peak_rss_mb_while_draining: Math.round(peakRssMb),
    },
    null,
    2,
  ) + '\n',
);
await collector.kill();
await processor.kill();
await kafka.stop();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
