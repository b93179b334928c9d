/**
 * The engine's own ceiling for a table: the rows a vigil process stored, exported as RowBinary
 * to tmpfs (encoding off the clock), then inserted into a fresh data directory with the same
 * schema (same config → same migrations, rollup views attached) in chunks of `chunkRows`.
 *
 *   const { rows, seconds, cpuSeconds } = await engineReinsert(stoppedVigilDataDir, config, 'otel_logs');
 *
 * chDB allows one data directory per process, so the insert runs in a child process
 * (this file, run as a script) whose CPU is the engine's alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../core/config/index.ts';
import { ChdbStore, migrate, schemaOptions } from '../../core/store/index.ts';
import { insertSettingsClause } from '../../core/store/insert-settings.ts';
import { mergesSettled } from './merges-settled.ts';

export interface EngineReinsert {
  rows: number;
  seconds: number;
  cpuSeconds: number;
}

/**
 * `dedupTokens`: each insert carries a token of its own (as the processor's Kafka batches do),
 * with the settings ChdbStore sends, so the cost of the token is measured apart.
 */
export async function engineReinsert(dataDir: string, config: unknown, table: string, chunkRows = 50_000, dedupTokens = false): Promise<EngineReinsert> {
  const spool = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vigil-reinsert-'));
  try {
    const source = new ChdbStore({ path: dataDir });
    await source.start();
    const [{ n }] = (await source.query<{ n: string }>(`SELECT count() AS n FROM ${table}`)) as [{ n: string }];
    for (let offset = 0, i = 0; offset < Number(n); offset += chunkRows, i++) {
      await source.exec(`SELECT * FROM ${table} ORDER BY Timestamp LIMIT ${chunkRows} OFFSET ${offset} INTO OUTFILE '${join(spool, `${String(i).padStart(5, '0')}.rowbinary`)}' FORMAT RowBinary`);
    }
    await source.shutdown();
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, spool, table, JSON.stringify(config)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return { ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<EngineReinsert, 'rows'>), rows: Number(n) };
  } finally {
    rmSync(spool, { recursive: true, force: true });
  }
}

// As a child process: migrate a fresh directory, insert every spooled file, report time and CPU.
if (process.argv[1] === import.meta.filename) {
  const [spool, table, configJson, tokens] = process.argv.slice(2) as [string, string, string, string];
  const parsed = parseConfig(JSON.parse(configJson));
  if (!parsed.ok) throw new Error(`bad config: ${JSON.stringify(parsed.problems)}`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-'));
  const store = new ChdbStore({ path: dir });
  await store.start();
  await migrate(store, schemaOptions(parsed.config));
  const files = readdirSync(spool).sort();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const file of files) {
    const settings = tokens === 'tokens' ? ` SETTINGS ${insertSettingsClause({ dedupToken: `reinsert/${file}` })}` : '';
    await store.exec(`INSERT INTO ${table} FROM INFILE '${join(spool, file)}'${settings} FORMAT RowBinary`);
  }
  // To the end of the merges these inserts caused (skip indexes are built there), as bench:ingest.
  const seconds = ((await mergesSettled(process.pid, performance.now())) - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
}
