import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds of one process so far, split into the JavaScript side and the embedded engine. */
export interface ThreadCpu {
  totalSeconds: number;
  jsSeconds: number;
  /** Of jsSeconds, the main thread alone (the event loop; tid = pid): what one core caps. */
  jsMainSeconds: number;
  engineSeconds: number;
  /** The main thread's id (the process id). */
  mainTid: string;
  /** Seconds by thread name, for whoever wants to classify differently. */
  byName: Record<string, number>;
  /** Per thread id: its name and seconds (a thread's name can change: see below). */
  byThread: Record<string, { name: string; seconds: number }>;
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux we run on

/**
 * Reads /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat (Linux). How threads are told apart,
 * from their names as measured on Node 20 with chDB 3.4:
 * - `node`: the main thread (the event loop: every line of vigil's JavaScript), V8's platform
 *   workers (garbage collection, compilation: JavaScript work done off the main thread) and
 *   Node's own helpers; worker_threads (collector.otlp.transcode_workers) are named `node` too
 *   on Node 20. All JS side; the main thread (tid = pid) is also reported alone.
 * - `Unknown`: the 16 libuv pool threads (UV_THREADPOOL_SIZE) once chDB has run a query on one:
 *   chDB executes every async call (each insert, parsing its RowBinary and writing the part) on
 *   such a thread and names it. Engine side. (Other pool work, such as writing the insert's
 *   tmpfs file, rides along and is small; gzip of request bodies would land here too.)
 * - every other name (MergeMutate, ThreadPool, BgSchPool, MemoryWorker, ...): ClickHouse's own
 *   pools. Engine side.
 * The engine share is the process total minus the JS threads, so threads that exited during the
 * run (short-lived engine pool threads) are still counted, on the engine side.
 */
export function threadCpu(pid: number): ThreadCpu {
  const main = String(pid);
  const totalSeconds = ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8')) / TICKS_PER_SECOND;
  const byThread: ThreadCpu['byThread'] = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    byThread[tid] = { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: ticksOf(stat) / TICKS_PER_SECOND };
  }
  return summarize(totalSeconds, byThread, main);
}

/**
 * What was spent between two readings, each thread classified by its name in the later one: a
 * libuv pool thread is still called `node` until chDB first runs a query on it.
 */
export function threadCpuSince(before: ThreadCpu, after: ThreadCpu): ThreadCpu {
  const byThread: ThreadCpu['byThread'] = {};
  for (const [tid, t] of Object.entries(after.byThread)) byThread[tid] = { name: t.name, seconds: t.seconds - (before.byThread[tid]?.seconds ?? 0) };
  return summarize(after.totalSeconds - before.totalSeconds, byThread, after.mainTid);
}

function summarize(totalSeconds: number, byThread: ThreadCpu['byThread'], mainTid: string): ThreadCpu {
  const byName: Record<string, number> = {};
  for (const { name, seconds } of Object.values(byThread)) byName[name] = round((byName[name] ?? 0) + seconds);
  const jsSeconds = round(byName.node ?? 0);
  const jsMainSeconds = round(byThread[mainTid]?.seconds ?? 0);
  return { totalSeconds: round(totalSeconds), jsSeconds, jsMainSeconds, engineSeconds: round(totalSeconds - jsSeconds), byName, byThread, mainTid };
}

function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

const round = (n: number) => Math.round(n * 100) / 100;
