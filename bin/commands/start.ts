import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { createLogger } from '../../core/telemetry/index.ts';
import { loadOrExit, parsePort } from './load-or-exit.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run collector, processor and API in one process (embedded ClickHouse, in-process bus)')
    .option('-c, --config <file>', 'YAML config file (default: ./vigil.yaml if present)')
    .option('--data-dir <dir>', 'where the embedded ClickHouse keeps its data (default ./data)')
    .option('--otlp-port <port>', 'OTLP/HTTP port (default 4318)', parsePort)
    .option('--http-port <port>', 'API port (default 8080)', parsePort)
    .action(async (opts: { config?: string; dataDir?: string; otlpPort?: number; httpPort?: number }) => {
      const file = opts.config ?? (existsSync('vigil.yaml') ? 'vigil.yaml' : undefined);
      const config = await loadOrExit(file, (c) => {
        if (opts.dataDir) c.data_dir = opts.dataDir;
        if (opts.otlpPort !== undefined) c.collector.otlp.port = opts.otlpPort;
        if (opts.httpPort !== undefined) c.api.port = opts.httpPort;
      });
      const logger = createLogger(config.log_level);
      // Loaded here, not at the top: `vigil --help` should not load the engine and receivers.
      const { VigilInstance } = await import('../instance.ts');
      const instance = new VigilInstance(config, logger);
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
    });
}
