import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface SpawnedClickHouseFake {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs the TEST FAKE ClickHouse HTTP server in a child process (chDB allows one engine per
 * process, so the test process can keep its own), and waits until it listens.
 */
export async function spawnClickHouseHttpFake(dataDir: string): Promise<SpawnedClickHouseFake> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'test/support/clickhouse-http/run.ts'), '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).once('line', (line) => res((JSON.parse(line) as { url: string }).url));
    void exited.then(() => rej(new Error(`ClickHouse HTTP fake exited before listening: ${stderr.slice(-2000)}`)));
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
