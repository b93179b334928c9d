import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../core/store/index.ts';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { spawnClickHouseHttpFake, type SpawnedClickHouseFake } from './support/clickhouse-http/spawn-fake.ts';
import { sendLogs } from './support/otlp-load.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// Two `vigil processor` processes in one consumer group write to ONE engine (through the
// ClickHouse HTTP test fake, with ClickHouseStore unchanged); one of them is SIGKILLed at random
// points while records flow. Every record must land exactly once: count, distinct count and
// the rollup's sum all equal what was sent. Before the fake, each processor had its own chDB
// and exactness was only checked on records sent after a takeover.
const TOTAL = Number(process.env.VIGIL_TEST_RECORDS ?? 12_000);
const ROUNDS = Number(process.env.VIGIL_TEST_KILLS ?? 3);
if (TOTAL % ROUNDS !== 0) throw new Error('VIGIL_TEST_RECORDS must be a multiple of VIGIL_TEST_KILLS');
let kafka: KafkaCluster;
let fake: SpawnedClickHouseFake;
let reader: ClickHouseStore;
const dirs: string[] = [];
const running: VigilProcess[] = [];

const config = () => ({
  log_level: 'info',
  bus: { kind: 'kafka', kafka: { brokers: kafka.bootstrap.split(','), partitions: 4, client_id: 'shared-ch', session_timeout: '6s' } },
  processor: { group_id: 'shared-ch-processors' },
  store: { kind: 'clickhouse', url: fake.url },
  collector: { hostmetrics: { enabled: false } },
});
async function start(name: string, command: 'collector' | 'processor') {
  const dir = tempDir(`shared-ch-${name}`);
  dirs.push(dir);
  const p = await startVigil(dir, config(), command);
  running.push(p);
  return p;
}
async function counts(service: string) {
  const [row] = await reader.query<Record<string, string>>(
    `SELECT count() AS n, uniqExact(Body) AS distinct_bodies,
       (SELECT sum(Count) FROM vigil_logs_1m WHERE ServiceName = {s:String}) AS rollup
     FROM otel_logs WHERE ServiceName = {s:String}`,
    { s: service },
  );
  return { n: Number(row!.n), distinct: Number(row!.distinct_bodies), rollup: Number(row!.rollup) };
}

beforeAll(async () => {
  const fakeDir = tempDir('shared-ch-engine');
  dirs.push(fakeDir);
  [kafka, fake] = await Promise.all([startKafka(), spawnClickHouseHttpFake(fakeDir)]);
  reader = new ClickHouseStore({ url: fake.url });
  await reader.start();
}, 180_000);
afterAll(async () => {
  for (const p of running) await p.kill().catch(() => {});
  await reader?.shutdown();
  await fake?.stop();
  await kafka?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('two processors sharing one ClickHouse (HTTP fake over one chDB engine)', () => {
  it(`deliver ${TOTAL} records exactly once while one is SIGKILLed at ${ROUNDS} random points`, async () => {
    const started = Date.now();
    const [collector, steady, first] = await Promise.all([start('collector', 'collector'), start('steady', 'processor'), start('victim', 'processor')]);
    let victim = first;
    const phase = (what: string) => console.log(`[shared-clickhouse] ${what} at ${Math.round((Date.now() - started) / 1000)} s`);
    phase('processes up');
    const perRound = TOTAL / ROUNDS;
    const sends: Promise<unknown>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      sends.push(sendLogs(() => collector.otlp, 'shared-once', perRound, 500, 2, round * perRound));
      // A random moment while both consume: mid-batch, mid-insert, between insert and commit.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1500));
      await victim.kill();
      victim = await start(`victim-${round}`, 'processor');
      phase(`kill ${round + 1} done`);
    }
    await Promise.all(sends);
    phase('every request acknowledged');
    await eventually(async () => (await counts('shared-once')).n >= TOTAL, Math.max(60_000, TOTAL * 2), 500);
    await new Promise((r) => setTimeout(r, 2000)); // would-be duplicates have time to land
    if (process.env.DEBUG_SHARED) {
      const { Kafka } = await import('kafkajs');
      const admin = new Kafka({ brokers: kafka.bootstrap.split(',') }).admin();
      await admin.connect();
      console.log('offsets', JSON.stringify(await admin.fetchTopicOffsets('otlp_logs')));
      await admin.disconnect();
      console.log(JSON.stringify(await reader.query("SELECT Body, count() c FROM otel_logs WHERE ServiceName='shared-once' GROUP BY Body HAVING c > 1 ORDER BY Body LIMIT 5")));
    }
    expect(await counts('shared-once')).toEqual({ n: TOTAL, distinct: TOTAL, rollup: TOTAL });
    expect(steady.child.exitCode).toBeNull();
    // The soak (scripts/soak/shared-clickhouse.sh) reads these.
    const replays = running.flatMap((p) => p.logs).filter((l) => l.msg === 'replaying a planned batch').length;
    console.log(JSON.stringify({ records: TOTAL, kills: ROUNDS, replays, seconds: Math.round((Date.now() - started) / 1000) }));
  }, Math.max(400_000, TOTAL * 10));
});
