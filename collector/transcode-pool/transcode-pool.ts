import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BusSaturatedError } from '../../core/bus/index.ts';
import { MalformedOtlpError, type EncodedRows, type Signal } from '../../core/model/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { unpackTables, type RejectionEntry, type TranscodeJobMessage, type WorkerMessage } from './transcode-message.ts';

export interface TranscodePoolOptions {
  /** Worker threads (≥ 1). */
  workers: number;
  /** Requests waiting for a free worker; beyond it a request is refused (503 / RESOURCE_EXHAUSTED). */
  maxQueued: number;
  logger: Logger;
  /** Retry-After for a request refused because the queue is full. */
  retryAfterMs: number;
  /** A worker still busy with one request after this long is ended and replaced (a transcoder bug must not hang a request). */
  jobTimeoutMs?: number;
  /** The worker's entry file (tests point it at a wrapper that can crash on cue). */
  entry?: URL;
}

export interface PoolTranscoded {
  tables: EncodedRows[];
  records: number;
  rejections: RejectionEntry[];
  /** The request's bytes, handed back by the worker (the caller's view was transferred away). */
  body: Buffer;
}

/** The worker handling a request ended (crash, out of memory, timeout) before answering; the client should retry. */
export class TranscodeWorkerLostError extends Error {
  override readonly name = 'TranscodeWorkerLostError';
}

interface Job {
  message: TranscodeJobMessage;
  resolve: (result: PoolTranscoded) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Requests handed to this worker and not answered yet (at most IN_FLIGHT_PER_WORKER). */
  jobs: Map<number, Job>;
  /** Why the pool itself ended this worker (undefined: it ended on its own). */
  endedBy?: 'timeout' | 'shutdown';
}

const ENTRY = new URL('./transcode-worker-entry.mjs', import.meta.url);

// Two per worker: the next request already waits in the worker's port while it transcodes one,
// so the worker never idles for a round trip through a busy main thread (on a loaded machine,
// waking each thread in turn cost more than the transcode itself).
const IN_FLIGHT_PER_WORKER = 2;

/** `auto` is one worker per core beyond the main thread's (at least one). */
export function transcodeWorkerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, availableParallelism() - 1) : setting;
}

/**
 * Transcodes OTLP requests (protobuf → RowBinary blocks + rejections) on worker threads, so the
 * main thread only reads sockets and hands blocks to the processor while the engine inserts on
 * its own threads. Each worker holds up to two requests; others wait in a bounded queue.
 * A worker that dies fails only the requests it held (TranscodeWorkerLostError → 503/UNAVAILABLE)
 * and is replaced; while no worker is alive or starting, requests are refused at once rather
 * than left waiting.
 */
export class TranscodePool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private stopping = false;
  private started = false;
  private respawnTimer: NodeJS.Timeout | undefined;
  /** Workers that died in a row without finishing a request: backs off replacing them. */
  private consecutiveDeaths = 0;
  private lastDropLog = 0;
  readonly stats = { transcoded: 0, failed: 0, refused_queue_full: 0, refused_no_worker: 0, worker_deaths: 0, worker_timeouts: 0 };

  constructor(private readonly options: TranscodePoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new Error(`a transcode pool needs at least one worker, not ${options.workers}`);
  }

  /** Starts the workers and waits until each has loaded the transcoder; throws if one cannot. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    const started = performance.now();
    try {
      await Promise.all(Array.from({ length: this.options.workers }, () => this.spawn()));
    } catch (error) {
      await this.shutdown(); // no replacement loop behind a failed start
      throw error;
    }
    this.options.logger.info({ workers: this.options.workers, ms: Math.round(performance.now() - started) }, 'transcode workers started');
  }

  /**
   * Transcodes one request on a worker. The body's ArrayBuffer is moved to the worker when the
   * body covers all of it (nobody else can be reading it); otherwise it is copied once. So the
   * caller must not read `body` after the call: the result carries the bytes back.
   * Throws MalformedOtlpError (as transcodeRequest does), BusSaturatedError when the queue is
   * full, TranscodeWorkerLostError when no worker can take it or its worker died.
   */
  transcode(signal: Signal, body: Uint8Array, options: { ttlDays?: number; nowMs: number }): Promise<PoolTranscoded> {
    if (this.stopping || !this.started) return Promise.reject(new TranscodeWorkerLostError('the transcode workers are not running'));
    if (this.slots.size === 0) {
      this.stats.refused_no_worker += 1;
      return Promise.reject(new TranscodeWorkerLostError('no transcode worker is running (they keep failing; see the log): retry later'));
    }
    const idle = this.idleSlot();
    if (!idle && this.queue.length >= this.options.maxQueued) {
      this.countDrop();
      return Promise.reject(new BusSaturatedError(`${this.queue.length} requests already wait for a transcode worker (collector.otlp.transcode_queue): retry later`, this.options.retryAfterMs));
    }
    const owned = body.byteLength > 0 && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? body : new Uint8Array(body);
    return new Promise<PoolTranscoded>((resolve, reject) => {
      const job: Job = { message: { id: this.nextId++, signal, body: owned, ttlDays: options.ttlDays, nowMs: options.nowMs }, resolve, reject };
      if (idle) this.dispatch(idle, job);
      else this.queue.push(job);
    });
  }

  /** Fails queued requests, waits for the workers to end. Safe without start and twice. */
  async shutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping = true;
    clearTimeout(this.respawnTimer);
    this.respawnTimer = undefined;
    for (const job of this.queue.splice(0)) job.reject(new TranscodeWorkerLostError('vigil is stopping'));
    const exits = [...this.slots].map((slot) => {
      slot.endedBy = 'shutdown';
      return slot.worker.terminate();
    });
    await Promise.all(exits);
    this.options.logger.info({ ...this.stats }, 'transcode workers stopped');
  }

  /** Worker threads alive (starting or ready). */
  get size(): number {
    return this.slots.size;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(this.options.entry ?? ENTRY, { execArgv: [] });
    const slot: Slot = { worker, ready: false, jobs: new Map() };
    this.slots.add(slot);
    return new Promise<void>((resolveReady, rejectReady) => {
      let lastError: Error | undefined;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          slot.ready = true;
          resolveReady();
          this.dispatchQueued();
        } else {
          this.finish(slot, message);
        }
      });
      worker.on('error', (error) => (lastError = error));
      worker.once('exit', (code) => {
        this.slots.delete(slot);
        const why = slot.endedBy === 'timeout' ? 'was ended after taking too long' : `exited (code ${code}${lastError ? `: ${lastError.message}` : ''})`;
        for (const job of slot.jobs.values()) {
          clearTimeout(job.timer);
          this.stats.failed += 1;
          job.reject(new TranscodeWorkerLostError(`the transcode worker handling this request ${why}: retry`));
        }
        slot.jobs.clear();
        if (!slot.ready) rejectReady(new Error(`a transcode worker could not start: ${lastError?.message ?? `exit code ${code}`}`));
        if (slot.endedBy === 'shutdown' || this.stopping) return;
        this.stats.worker_deaths += 1;
        this.consecutiveDeaths += 1;
        this.options.logger.error({ code, err: lastError?.message, deaths: this.stats.worker_deaths }, `transcode worker ${why}; replacing it`);
        this.replace();
      });
    });
  }

  /**
   * A new worker at once after one death (so requests keep a worker to wait for); after repeated
   * deaths without a finished request in between, with a growing delay (up to 30 s).
   */
  private replace(): void {
    if (!this.respawnTimer) {
      const delay = this.consecutiveDeaths <= 1 ? 0 : Math.min(30_000, 250 * 2 ** (this.consecutiveDeaths - 2));
      if (delay === 0) this.spawnMissing();
      else
        this.respawnTimer = setTimeout(() => {
          this.respawnTimer = undefined;
          if (!this.stopping) this.spawnMissing();
        }, delay);
    }
    if (this.slots.size === 0) this.failQueued('no transcode worker is running (they keep failing and are being replaced): retry');
  }

  private spawnMissing(): void {
    const missing = this.options.workers - this.slots.size;
    for (let i = 0; i < missing; i++) this.spawn().catch(() => undefined); // its exit handler logs and replaces it
  }

  private finish(slot: Slot, message: Exclude<WorkerMessage, { type: 'ready' }>): void {
    const job = slot.jobs.get(message.id);
    slot.jobs.delete(message.id);
    clearTimeout(job?.timer);
    if (job) {
      this.consecutiveDeaths = 0;
      if (message.type === 'done') {
        this.stats.transcoded += 1;
        job.resolve({ tables: unpackTables(message.packed, message.tables), records: message.records, rejections: message.rejections, body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength) });
      } else {
        this.stats.failed += 1;
        job.reject(message.malformed ? new MalformedOtlpError(message.message) : new Error(`transcoding failed: ${message.message}`));
      }
    }
    this.dispatchQueued();
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.jobs.set(job.message.id, job);
    const timeoutMs = this.options.jobTimeoutMs ?? 30_000;
    job.timer = setTimeout(() => {
      this.stats.worker_timeouts += 1;
      slot.endedBy = 'timeout';
      void slot.worker.terminate();
    }, timeoutMs);
    job.timer.unref();
    try {
      slot.worker.postMessage(job.message, [job.message.body.buffer as ArrayBuffer]);
    } catch (error) {
      // A body whose buffer cannot be moved (already detached by an earlier call): this request only.
      clearTimeout(job.timer);
      slot.jobs.delete(job.message.id);
      this.stats.failed += 1;
      job.reject(new Error(`the request could not be handed to a transcode worker: ${(error as Error).message}`));
    }
  }

  private dispatchQueued(): void {
    for (let slot = this.idleSlot(); slot && this.queue.length > 0; slot = this.idleSlot()) this.dispatch(slot, this.queue.shift()!);
  }

  private idleSlot(): Slot | undefined {
    // The least busy worker, so requests spread over all of them.
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (!slot.ready || slot.endedBy || slot.jobs.size >= IN_FLIGHT_PER_WORKER) continue;
      if (!best || slot.jobs.size < best.jobs.size) best = slot;
    }
    return best;
  }

  private failQueued(reason: string): void {
    for (const job of this.queue.splice(0)) {
      this.stats.refused_no_worker += 1;
      job.reject(new TranscodeWorkerLostError(reason));
    }
  }

  /** Counted every time; logged at most every 10 s, with the running total. */
  private countDrop(): void {
    this.stats.refused_queue_full += 1;
    const now = Date.now();
    if (now - this.lastDropLog < 10_000) return;
    this.lastDropLog = now;
    this.options.logger.warn({ refused: this.stats.refused_queue_full, queued: this.queue.length, workers: this.slots.size }, 'transcode queue full: requests refused with 503 (collector.otlp.transcode_queue)');
  }
}
