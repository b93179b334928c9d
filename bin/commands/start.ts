import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createLogger, resolveLogFormat, type LogFormat } from '../../core/telemetry/index.ts';
import { formatBanner } from './banner.ts';
import type { Roles } from '../instance.ts';
import { loadOrExit, parsePort } from './load-or-exit.ts';

interface RunOptions {
  config?: string;
  dataDir?: string;
  otlpPort?: number;
  otlpGrpcPort?: number;
  httpPort?: number;
  kafka?: string;
  logFormat?: LogFormat;
}

/** `vigil start` (everything in one process) and the distributed roles `collector`, `processor`. */
export function registerStartCommand(program: Command): void {
  withRunOptions(
    program.command('start').description('Run collector, processor and API in one process (embedded ClickHouse, in-process bus by default)'),
  ).action((opts: RunOptions) => run(opts, { collector: true, processor: true, alerts: true, api: true }));

  withRunOptions(
    program.command('collector').description('Distributed: run the receivers (OTLP, host metrics) and produce to Kafka'),
  ).action((opts: RunOptions) => run(opts, { collector: true, processor: false, alerts: false, api: false }));

  withRunOptions(
    program.command('processor').description('Distributed: consume from Kafka as a member of the processor group and insert into ClickHouse; serves the API'),
  ).action((opts: RunOptions) => run(opts, { collector: false, processor: true, alerts: false, api: true }));

  withRunOptions(
    program.command('alerts').description('Distributed: evaluate alert rules over ClickHouse and serve /api/v1/alerts and /api/v1/rules'),
  ).action((opts: RunOptions) => run(opts, { collector: false, processor: false, alerts: true, api: true }));
}

function withRunOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML config file (default: ./vigil.yaml if present)')
    .option('--data-dir <dir>', 'where the embedded ClickHouse keeps its data (default ./data)')
    .option('--otlp-port <port>', 'OTLP/HTTP port (default 4318)', parsePort)
    .option('--otlp-grpc-port <port>', 'OTLP/gRPC port (default 4317)', parsePort)
    .option('--http-port <port>', 'API port (default 8080)', parsePort)
    .option('--kafka <brokers>', 'use Kafka as the bus: comma-separated host:port list')
    .addOption(
      new Option('--log-format <format>', 'json lines, or readable lines for a person (default: pretty on a terminal, json otherwise)').choices(['json', 'pretty']),
    );
}

async function run(opts: RunOptions, roles: Roles): Promise<void> {
  const file = opts.config ?? (existsSync('vigil.yaml') ? 'vigil.yaml' : undefined);
  if (opts.kafka) process.env.VIGIL_KAFKA_BROKERS = opts.kafka;
  const config = await loadOrExit(file, (c) => {
    if (opts.dataDir) c.data_dir = opts.dataDir;
    if (opts.otlpPort !== undefined) c.collector.otlp.port = opts.otlpPort;
    if (opts.otlpGrpcPort !== undefined) c.collector.otlp.grpc.port = opts.otlpGrpcPort;
    if (opts.httpPort !== undefined) c.api.port = opts.httpPort;
    if (opts.logFormat) c.log_format = opts.logFormat;
  });
  const format = resolveLogFormat(config.log_format);
  const logger = createLogger(config.log_level, format);
  // Loaded here, not at the top: `vigil --help` should not load the engine and receivers.
  const { VigilInstance } = await import('../instance.ts');
  let instance: InstanceType<typeof VigilInstance>;
  try {
    instance = new VigilInstance(config, logger, roles);
  } catch (err) {
    process.stderr.write(`vigil: ${(err as Error).message}\n`);
    process.exit(2);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: flushing pending data');
    await instance.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await instance.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'vigil failed to start');
    await instance.shutdown();
    process.exit(1);
  }
  if (format === 'pretty') {
    // `otlpGrpc` is the OTLP/gRPC receiver where this build has one.
    const grpc = (instance as { otlpGrpc?: { address?: string } }).otlpGrpc?.address;
    process.stdout.write(formatBanner({ api: instance.api?.address, otlpHttp: instance.otlp?.address, otlpGrpc: grpc, dataDir: config.data_dir, storeKind: config.store.kind }));
  }
}
