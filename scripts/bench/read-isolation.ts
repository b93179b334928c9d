/**
 * How long an insert waits while slow ad-hoc queries run, for each way the embedded store
 * could schedule them (issue #9 item 5). Run: `npm run bench:read-isolation [-- seconds]`.
 *
 *  A  one session, FIFO (vigil before #9): the insert queues behind every slow query.
 *  B  one session, priority queue (inserts first): the insert waits for the running query only.
 *  C  one session per ad-hoc query on the same data directory: the insert runs at once.
 *  D  ad-hoc queries on a session opened in a worker thread (same process, same directory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Session } from 'chdb';

const seconds = Number(process.argv[2] ?? 5);
const SLOW = `SELECT count() FROM numbers(10000000000000) SETTINGS max_execution_time = ${seconds}, timeout_overflow_mode = 'throw'`;
const dir = mkdtempSync(join(tmpdir(), 'vigil-read-isolation-'));
const main = new Session(dir);
await main.queryAsync('CREATE TABLE t (x UInt64) ENGINE = MergeTree ORDER BY x');

async function timedInsert(session: Session): Promise<number> {
  const started = performance.now();
  await session.queryAsync('INSERT INTO t VALUES (1)');
  return Math.round(performance.now() - started);
}
const slow = (session: Session) => session.queryAsync(SLOW).catch(() => undefined);
const settle = () => new Promise((r) => setTimeout(r, 300));

const results: Array<[string, string]> = [];

// A: three slow queries queued on the one session, then the insert.
{
  const queued = [slow(main), slow(main), slow(main)];
  await settle();
  results.push(['A one session, FIFO', `${await timedInsert(main)} ms`]);
  await Promise.all(queued);
}
// B: a priority queue can put the insert first but cannot preempt the running query.
{
  const running = slow(main);
  await settle();
  results.push(['B one session, inserts first', `${await timedInsert(main)} ms`]);
  await running;
}
// C: a session per ad-hoc query, same directory, same process.
{
  const adHoc = [new Session(dir), new Session(dir), new Session(dir)];
  const running = adHoc.map(slow);
  await settle();
  const waits = [await timedInsert(main), await timedInsert(main), await timedInsert(main)];
  results.push(['C session per ad-hoc query', `${waits.join(' / ')} ms (3 inserts)`]);
  const killStarted = performance.now();
  await main.queryAsync(`KILL QUERY WHERE query LIKE '%numbers(10000000000000)%' AND query NOT LIKE '%KILL QUERY%' ASYNC`);
  await Promise.all(running);
  results.push(['C  KILL QUERY of the 3 from the main session', `${Math.round(performance.now() - killStarted)} ms until all 3 ended`]);
  for (const s of adHoc) s.close();
}
// D: the same from a worker thread.
{
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Session } = require(workerData.chdb);
    try {
      const s = new Session(workerData.dir);
      parentPort.postMessage('ready');
      s.queryAsync(workerData.sql).catch(() => {}).finally(() => { s.close(); parentPort.postMessage('done'); });
    } catch (e) { parentPort.postMessage('error ' + e.message); }`;
  const worker = new Worker(source, { eval: true, workerData: { dir, sql: SLOW, chdb: import.meta.resolve('chdb').replace('file://', '') } });
  const first = await new Promise<string>((r) => worker.once('message', r));
  if (first === 'ready') {
    await settle();
    results.push(['D worker thread session', `${await timedInsert(main)} ms`]);
    await new Promise((r) => worker.once('message', r));
  } else {
    results.push(['D worker thread session', first]);
  }
  await worker.terminate();
}
main.close();
rmSync(dir, { recursive: true, force: true });
console.log(`insert latency while slow queries of ${seconds} s run (2-core machine, shared):`);
for (const [option, figure] of results) console.log(`  ${option.padEnd(48)} ${figure}`);
