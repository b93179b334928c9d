import { loadConfig, type VigilConfig } from '../../core/config/index.ts';

/** Loads config or prints every problem with its path and exits 2: bad config fails at startup. */
export async function loadOrExit(file: string | undefined, overrides: (raw: VigilConfig) => void = () => {}): Promise<VigilConfig> {
  const result = await loadConfig(file);
  if (!result.ok) {
    for (const p of result.problems) process.stderr.write(`${p.path}: ${p.message}\n`);
    process.stderr.write(`vigil: invalid configuration${file ? ` in ${file}` : ''} (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'})\n`);
    process.exit(2);
  }
  overrides(result.config);
  return result.config;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`expected a port number, got "${value}"`);
  return port;
}
