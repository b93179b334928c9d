import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { sendLogs } from './support/otlp-load.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// collector → real Kafka → processor → ClickHouse, with processors killed mid-stream.
let kafka: KafkaCluster;
const dirs: string[] = [];
const running: VigilProcess[] = [];
const TOTAL = Number(process.env.VIGIL_TEST_RECORDS ?? 60_000);

const config = (name: string) => ({
  log_level: process.env.DEBUG_REPLAYS ? 'info' : 'warn',
  bus: { kind: 'kafka', kafka: { brokers: kafka.bootstrap.split(','), partitions: 3, client_id: name, session_timeout: '6s' } },
  collector: { hostmetrics: { enabled: false } },
});
async function start(name: string, command: 'collector' | 'processor', dir = tempDir(name)) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const p = await startVigil(dir, config(name), command);
  running.push(p);
  return { p, dir };
}

beforeAll(async () => {
  kafka = await startKafka();
});
afterAll(async () => {
  for (const p of running) await p.kill().catch(() => {});
  await kafka?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function counts(processor: VigilProcess, service: string) {
  const [row] = await processor.query<Record<string, string>>(
    `SELECT count() AS n, uniqExact(Body) AS distinct_bodies, (SELECT sum(Count) FROM vigil_logs_1m WHERE ServiceName = '${service}') AS rollup FROM otel_logs WHERE ServiceName = '${service}'`,
  );
  return { n: Number(row!.n), distinct: Number(row!.distinct_bodies), rollup: Number(row!.rollup) };
}

describe('the distributed pipeline on a real broker', () => {
  it(`delivers ${TOTAL} records exactly once through 5 processor kills (kill -9 at random points)`, async () => {
    const { p: collector } = await start('eo', 'collector');
    let { p: processor, dir } = await start('eo', 'processor');
    // Five rounds: records flow in, and the processor is killed at a random moment while it
    // consumes them (mid-batch, mid-insert or between insert and commit).
    const perRound = TOTAL / 5;
    const sends: Promise<unknown>[] = [];
    for (let round = 0; round < 5; round++) {
      sends.push(sendLogs(() => collector.otlp, 'exactly-once', perRound, 500, 2, round * perRound));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1700));
      await processor.kill();
      ({ p: processor } = await start('eo', 'processor', dir));
    }
    await Promise.all(sends);
    if (process.env.DEBUG_REPLAYS) console.log('replays', running.flatMap((p) => p.logs).filter((l) => l.msg === 'replaying a planned batch').length);
    await eventually(async () => (await counts(processor, 'exactly-once')).n >= TOTAL, 120_000, 500);
    await new Promise((r) => setTimeout(r, 2000)); // would-be duplicates have time to land
    expect(await counts(processor, 'exactly-once')).toEqual({ n: TOTAL, distinct: TOTAL, rollup: TOTAL });
  }, 400_000);
});
