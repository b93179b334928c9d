import { appendFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// `vigil start` tailing a directory is killed with SIGKILL mid-stream, twice, while the file is
// written and rotated; after restarts every line is in ClickHouse exactly once.
const dir = tempDir('filelog-crash');
const logs = join(dir, 'logs');
mkdirSync(logs);
let vigil: VigilProcess | undefined;
afterAll(async () => {
  await vigil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = {
  collector: {
    hostmetrics: { enabled: false },
    filelog: { enabled: true, include: [join(logs, 'app.log*')], start_at: 'beginning', poll_interval: '50ms', service_name: 'crashy' },
  },
};

describe('filelog across kill -9', () => {
  it('delivers every line exactly once', async () => {
    const data = join(dir, 'data');
    vigil = await startVigil(data, config);
    const total = 30_000;
    let rotations = 0;
    const writing = (async () => {
      for (let i = 0; i < total; i += 100) {
        appendFileSync(join(logs, 'app.log'), Array.from({ length: 100 }, (_, k) => `INFO line ${i + k}\n`).join(''));
        if ((i + 100) % 7000 === 0) renameSync(join(logs, 'app.log'), join(logs, `app.log.${++rotations}`));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    for (let kill = 0; kill < 2; kill++) {
      await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1500));
      await vigil.kill();
      vigil = await startVigil(data, config);
    }
    await writing;
    const count = async () => {
      const [row] = await vigil!.query<{ n: string; u: string; s: string }>(
        "SELECT count() AS n, uniqExact(Body) AS u, toString(sum(toUInt64OrZero(extract(Body, 'line (\\\\d+)')))) AS s FROM otel_logs WHERE ServiceName = 'crashy'",
      );
      return { n: Number(row!.n), unique: Number(row!.u), sum: row!.s };
    };
    await eventually(async () => (await count()).n >= total, 90_000, 500);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await count()).toEqual({ n: total, unique: total, sum: String((total * (total - 1)) / 2) });
  }, 240_000);
});
