import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig, redactConfig } from '../../core/config/index.ts';
import { loadOrExit } from './load-or-exit.ts';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Check or print the configuration');

  config
    .command('check')
    .description('Validate a config file (and VIGIL_* env overrides); print every problem with its path')
    .argument('[file]', 'YAML config file (default: vigil.yaml if present, else built-in defaults)')
    .action(async (file?: string) => {
      const result = await loadConfig(file);
      if (result.ok) {
        process.stdout.write(`${file ?? '(defaults)'}: ok\n`);
        return;
      }
      for (const p of result.problems) process.stdout.write(`${p.path}: ${p.message}\n`);
      process.exitCode = 1;
    });

  config
    .command('print')
    .description('Print the effective configuration (defaults, file and env overrides), secrets redacted')
    .option('-c, --config <file>', 'YAML config file')
    .action(async (opts: { config?: string }) => {
      const effective = await loadOrExit(opts.config);
      process.stdout.write(stringify(redactConfig(effective)));
    });
}
