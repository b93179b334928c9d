/**
 * npm run bench:self-telemetry -- [--requests N] [--ratio R]
 *
 * What self-telemetry adds to one ingest request, in-process and without the pipeline's noise:
 * the CPU time of the per-request calls the receiver and processor make (a sampled span around
 * the publish, an insert record per batch) with self-telemetry off (no-op meter and tracer) and
 * on (the NodeSDK with its self-table, Prometheus and span exporters into a sink that drops),
 * plus one metrics collection and export. Prints JSON; compare per-request microseconds with
 * the pipeline's cost per request (bench:ingest: CPU-seconds per million records × batch size).
 */
import { parseArgs } from 'node:util';
import { selfMetrics, silentLogger, startSelfTelemetry } from '../../core/telemetry/index.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, ratio: { type: 'string', default: '0.01' } } });
const requests = Number(values.requests);

async function perRequestMicros(): Promise<number> {
  const cpu = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    await selfMetrics.span('vigil.ingest', { 'vigil.signal': 'logs', 'vigil.receiver': 'otlp_http' }, async () => {});
    // One batch insert per request: the heaviest case (batches usually hold many requests).
    selfMetrics.insert('otel_logs', 1000, 0.004, 'ok');
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / requests;
}

await perRequestMicros(); // warm up the JIT on the no-op path
const off = await perRequestMicros();
let exported = 0;
const telemetry = await startSelfTelemetry({
  sink: async () => void (exported += 1),
  intervalMs: 3_600_000,
  prometheus: true,
  traceRatio: Number(values.ratio),
  ownOtlpPorts: [],
  serviceVersion: 'bench',
  role: 'bench',
  logger: silentLogger,
  env: {},
});
await perRequestMicros();
const on = await perRequestMicros();
const cpu = process.cpuUsage();
await telemetry.shutdown(); // one final collection and export of every series
const exportUsage = process.cpuUsage(cpu);
const exportMs = (exportUsage.user + exportUsage.system) / 1000;
process.stdout.write(
  JSON.stringify(
    {
      requests,
      trace_ratio: Number(values.ratio),
      cpu_us_per_request_off: Number(off.toFixed(2)),
      cpu_us_per_request_on: Number(on.toFixed(2)),
      added_cpu_us_per_request: Number((on - off).toFixed(2)),
      final_collection_and_export_cpu_ms: Number(exportMs.toFixed(1)),
      exports: exported,
    },
    null,
    2,
  ) + '\n',
);
