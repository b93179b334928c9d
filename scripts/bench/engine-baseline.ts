import { existsSync } from 'node:fs';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../core/config/index.ts';
import { ChdbStore, migrate, schemaOptions } from '../../core/store/index.ts';
import { RowBinaryEncoder } from '../../core/store/row-binary/row-binary-encoder.ts';
import { insertSettingsClause } from '../../core/store/insert-settings.ts';
import { tempDir } from '../../test/support/vigil-process.ts';
import { mergesSettled } from './merges-settled.ts';
import { threadCpu, threadCpuSince, type ThreadCpu } from './thread-cpu.ts';

export interface EngineBaseline {
  rowsPerInsert: number;
  /** Rows over the time from the first insert to the end of the merges they caused. */
  rowsPerSecond: number;
  /** Rows over the time to the last insert's answer, merges still to come. */
  rowsPerSecondToLastInsert: number;
  /** CPU to the end of the merges. */
  cpuSecondsPerMillion: number;
  cpu: ThreadCpu;
}

/**
 * The reference for the pipeline: the engine alone (chDB, the schema `vigil start` migrates,
 * rollup views included) inserting the same rows, already encoded as RowBinary before the clock
 * starts, the way ChdbStore sends them: each batch written to a tmpfs file and inserted with
 * `INSERT … FROM INFILE … FORMAT RowBinary` and vigil's insert settings. CPU is this process's
 * (the engine runs in it; the JS side only writes the files and waits). Timed to the end of the
 * merges the inserts cause (skip indexes are built there), as the pipeline is.
 */
export async function engineBaseline(table: string, rows: readonly object[], rowsPerInsertList: number[], maxInserts = Infinity): Promise<EngineBaseline[]> {
  const dir = tempDir('bench-engine');
  const engine = new ChdbStore({ path: dir });
  await engine.start();
  try {
    const defaults = parseConfig({}, {});
    if (!defaults.ok) throw new Error('the default config does not parse');
    await migrate(engine, schemaOptions(defaults.config)); // exactly what `vigil start` creates
    const columns = Object.keys(rows[0]!);
    const types = new Map(
      (await engine.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = 'default' AND table = {t:String}`, { t: table })).map((c) => [c.name, c.type]),
    );
    const encoder = new RowBinaryEncoder(columns, types);
    const spool = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const insert = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) FROM INFILE '{file}' SETTINGS ${insertSettingsClause()} FORMAT RowBinary`;
    const results: EngineBaseline[] = [];
    let expected = 0;
    for (const rowsPerInsert of rowsPerInsertList) {
      // Small inserts cost the engine mostly per insert: `maxInserts` of them measure the rate.
      // At least 100,000 rows (the same rows again if the run was smaller), so a measurement
      // is never a single insert; dedup is off for untokened inserts, so repeats are all stored.
      const target = Math.min(rowsPerInsert * maxInserts, Math.max(rows.length, 100_000));
      const sample: object[] = [];
      for (let i = 0; sample.length < target; i = (i + 1) % rows.length) sample.push(rows[i]!);
      expected += sample.length;
      const payloads: Buffer[] = [];
      for (let i = 0; i < sample.length; i += rowsPerInsert) payloads.push(encoder.encode(sample.slice(i, i + rowsPerInsert)));
      const before = threadCpu(process.pid);
      const t0 = performance.now();
      for (const [i, payload] of payloads.entries()) {
        const file = join(spool, `vigil-bench-${process.pid}-${rowsPerInsert}-${i}.rowbinary`);
        await writeFile(file, payload);
        try {
          await engine.exec(insert.replace('{file}', file));
        } finally {
          await unlink(file).catch(() => {});
        }
      }
      const lastInsertAt = performance.now();
      const settledAt = await mergesSettled(process.pid, lastInsertAt);
      const cpu = threadCpuSince(before, threadCpu(process.pid));
      results.push({
        rowsPerInsert,
        rowsPerSecond: Math.round(sample.length / ((settledAt - t0) / 1000)),
        rowsPerSecondToLastInsert: Math.round(sample.length / ((lastInsertAt - t0) / 1000)),
        cpuSecondsPerMillion: Number(((cpu.totalSeconds / sample.length) * 1e6).toFixed(1)),
        cpu,
      });
    }
    const [stored] = await engine.query<{ n: string }>(`SELECT count() AS n FROM \`${table}\``);
    if (Number(stored!.n) !== expected) throw new Error(`engine baseline stored ${stored!.n} rows, expected ${expected}`);
    return results;
  } finally {
    await engine.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}
