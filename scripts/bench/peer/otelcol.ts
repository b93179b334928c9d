/**
 * The OpenTelemetry Collector side of bench:peer: scripts/otelcol/build.sh builds it from the Go
 * module proxy (once), and startOtelcol runs it with the configuration that makes its 200 mean
 * what vigil's does: the record is in Kafka, acknowledged by all in-sync replicas.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../kafka/broker.ts';

const BUILD = resolve(import.meta.dirname, '../../otelcol/build.sh');

/** The binary's path, or why there is none (no Go, or the build failed): the benchmark then runs vigil alone. */
export function buildOtelcol(): { binary: string } | { unavailable: string } {
  const built = spawnSync('bash', [BUILD], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (built.status === 0) return { binary: built.stdout.trim().split(' ').pop()! };
  if (built.status === 3) return { unavailable: 'go not found on PATH' };
  return { unavailable: `scripts/otelcol/build.sh failed (exit ${built.status}): ${(built.stderr || built.stdout || String(built.error)).trim().slice(-1500)}` };
}

/**
 * otlp receiver (HTTP only, loopback) → kafka exporter, nothing between them: no batch processor,
 * and no sending queue, so the receiver answers only after the produce request was acknowledged.
 * acks=all and gzip as vigil's producer; the record key is the resource's hash as vigil's is.
 */
export function otelcolConfig(options: { httpPort: number; metricsPort: number; brokers: string; topic: string; gzipLevel?: number }): Record<string, unknown> {
  return {
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${options.httpPort}` } } } },
    exporters: {
      kafka: {
        brokers: options.brokers.split(','),
        client_id: 'bench-peer-otelcol',
        logs: { topic: options.topic, encoding: 'otlp_proto' },
        partition_logs_by_resource_attributes: true,
        // compression_params.level: franz-go's gzip level (default -1, its own default) when bench:peer sets one for both sides.
        producer: { required_acks: 'all', compression: 'gzip', ...(options.gzipLevel ? { compression_params: { level: options.gzipLevel } } : {}), allow_auto_topic_creation: false },
        sending_queue: { enabled: false },
      },
    },
    service: {
      // Its own metrics stay on, as they are by default (vigil's self-telemetry is on too), on a free port.
      telemetry: {
        logs: { level: 'warn' },
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: options.metricsPort } } } }] },
      },
      pipelines: { logs: { receivers: ['otlp'], exporters: ['kafka'] } },
    },
  };
}

export interface OtelcolProcess {
  otlp: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the collector and resolves once its OTLP/HTTP endpoint answers (receivers start after exporters). */
export async function startOtelcol(binary: string, dir: string, brokers: string, topic: string, gzipLevel?: number): Promise<OtelcolProcess> {
  const httpPort = await freePort();
  const configFile = join(dir, 'otelcol.yaml');
  writeFileSync(configFile, stringify(otelcolConfig({ httpPort, metricsPort: await freePort(), brokers, topic, gzipLevel })));
  const child = spawn(binary, ['--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const otlp = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`otelcol exited with ${child.exitCode} before serving: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`otelcol did not serve ${otlp} within 30 s: ${stderr}`);
    }
    const answered = await fetch(`${otlp}/v1/logs`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    otlp,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
