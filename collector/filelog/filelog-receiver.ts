import { randomUUID } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { glob } from 'tinyglobby';
import type { ExportLogsServiceRequest, LogRecord } from '../../core/model/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { Checkpoints, type FileCheckpoint } from './checkpoints.ts';
import { readBatch, type BatchOptions } from './read-batch.ts';
import { RecordBuilder, type ParserOptions } from './record-builder.ts';

export interface FilelogOptions {
  include: string[];
  exclude: string[];
  startAt: 'beginning' | 'end';
  pollIntervalMs: number;
  fingerprintBytes: number;
  maxLineBytes: number;
  maxBatchBytes: number;
  multiline?: { line_start_pattern: string; max_lines: number; max_bytes: number; flush_timeout: number };
  parser: ParserOptions;
  serviceName: string;
  hostName?: string;
  checkpointFile: string;
  /** Checkpoints of files not seen for this long are forgotten (default 7 days). */
  forgetCheckpointsAfterMs?: number;
  /** Clock for checkpoint ages (tests advance it). */
  now?: () => number;
  logger: Logger;
  /**
   * Resolves once the records are durable. `dedupToken` identifies the byte range, the same
   * on a replay after a crash, so the store can drop a batch that already landed.
   */
  emit: (request: ExportLogsServiceRequest, dedupToken: string, bytes: number) => Promise<void>;
}

export type FilelogStats = Record<'lines' | 'records' | 'truncated_lines' | 'invalid_utf8_lines' | 'parse_failures' | 'read_errors' | 'delivery_failures', number>;

interface OpenFile {
  handle: FileHandle;
  checkpoint: FileCheckpoint;
  lastGrowth: number;
  seen: boolean;
}

const COMPRESSED = /\.(gz|bz2|xz|zst|zip|lz4)$/i;

/**
 * Tails files matched by globs. A file is known by a hash of its first bytes, not its name, so
 * rename rotation is followed (the open handle keeps reading the renamed file) and copytruncate
 * is recognized (the copy carries the original's first bytes; the truncated file starts over).
 * Offsets advance only after emit resolved, and the file itself is the buffer: when the
 * pipeline refuses data, reading stops and memory stays flat.
 */
export class FilelogReceiver {
  private readonly checkpoints: Checkpoints;
  private readonly files = new Map<string, OpenFile>();
  private readonly builder: RecordBuilder;
  private readonly batchOptions: BatchOptions;
  private readonly failingPaths = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private firstPoll = true;
  private stopped = false;
  readonly stats: FilelogStats = { lines: 0, records: 0, truncated_lines: 0, invalid_utf8_lines: 0, parse_failures: 0, read_errors: 0, delivery_failures: 0 };

  constructor(private readonly options: FilelogOptions) {
    this.checkpoints = new Checkpoints(options.checkpointFile, { forgetAfterMs: options.forgetCheckpointsAfterMs, now: options.now });
    this.builder = new RecordBuilder(options.parser);
    this.batchOptions = {
      maxBatchBytes: options.maxBatchBytes,
      maxLineBytes: options.maxLineBytes,
      multiline: options.multiline && {
        start: new RegExp(options.multiline.line_start_pattern),
        maxLines: options.multiline.max_lines,
        maxBytes: options.multiline.max_bytes,
      },
    };
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.stopped = false;
    this.checkpoints.load();
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
    void this.poll();
    this.options.logger.info({ include: this.options.include }, 'filelog receiver started');
  }

  /** Stops polling, waits for a delivery in flight, closes files. Idempotent; safe without start. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    for (const f of this.files.values()) await f.handle.close().catch(() => {});
    this.files.clear();
  }

  /** One pass: discover files, read every open file as far as the pipeline takes it. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const paths = (await glob(this.options.include, { ignore: this.options.exclude, absolute: true, onlyFiles: false })).filter((p) => !COMPRESSED.test(p));
    for (const f of this.files.values()) {
      f.seen = false;
      await this.revalidate(f);
    }
    for (const path of paths) await this.discover(path);
    this.checkpoints.touch([...this.files.values()].map((f) => f.checkpoint.id));
    if (this.checkpoints.prune() > 0) this.checkpoints.save();
    for (const [key, f] of this.files) {
      if (this.stopped) return;
      const ok = await this.drain(f);
      // A file no longer matched (renamed away, deleted) is read to its end, then let go.
      if (!f.seen && ok) {
        await f.handle.close().catch(() => {});
        this.files.delete(key);
      }
    }
    this.firstPoll = false;
  }

  private async discover(path: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      // O(1): an open file is known by its dev:ino; no fstat of every open file per path.
      const inode = `${info.dev}:${info.ino}`;
      const held = this.files.get(inode);
      if (held) {
        held.seen = true;
        held.checkpoint.path = path;
        return;
      }
      handle = await open(path, 'r');
      const head = Buffer.alloc(Math.min(this.options.fingerprintBytes, info.size));
      await handle.read(head, 0, head.length, 0);
      const fingerprint = head.toString('hex');
      if (head.length === 0) {
        await handle.close(); // nothing to identify it by yet
        return;
      }
      // A known file: after a restart, found by its inode (its stored fingerprint still a prefix
      // of its first bytes); or copytruncate's copy, a new inode carrying the original's first
      // bytes, found by fingerprint among entries no open file holds.
      const known =
        this.checkpoints.byFile(inode, fingerprint) ??
        this.checkpoints.byFingerprint(fingerprint, path, (id) => [...this.files.values()].some((f) => f.checkpoint.id === id));
      const checkpoint: FileCheckpoint = known
        ? { ...known, path, inode }
        : { id: randomUUID(), fingerprint, offset: this.options.startAt === 'end' && this.firstPoll ? info.size : 0, path, inode };
      this.checkpoints.set(checkpoint);
      this.files.set(inode, { handle, checkpoint, lastGrowth: Date.now(), seen: true });
      this.failingPaths.delete(path);
    } catch (err) {
      await handle?.close().catch(() => {});
      this.stats.read_errors += 1;
      if (!this.failingPaths.has(path)) {
        this.failingPaths.add(path);
        this.options.logger.warn({ path, err: (err as Error).message }, 'cannot read file; will retry');
      }
    }
  }

  /**
   * An open file whose start no longer matches its identity was truncated or overwritten
   * (copytruncate): it starts over under a new identity, and its old checkpoint stays behind
   * for the copy, which carries the old first bytes and continues from the old offset.
   */
  private async revalidate(f: OpenFile): Promise<void> {
    const c = f.checkpoint;
    const info = await f.handle.stat().catch(() => undefined);
    if (!info) return;
    // Compare the bytes the identity was taken from, as far as the file still has them.
    const known = Math.min(c.fingerprint.length / 2, info.size);
    const head = Buffer.alloc(known);
    if (known > 0) await f.handle.read(head, 0, known, 0);
    const shrunk = info.size < c.offset;
    const rewritten = head.toString('hex') !== c.fingerprint.slice(0, known * 2);
    if (!shrunk && !rewritten) return;
    this.options.logger.info({ path: c.path, offset: c.offset, size: info.size }, 'file truncated or replaced; reading it from the start');
    // The old entry stays for the copy; the inode now belongs to the new one.
    f.checkpoint = { id: randomUUID(), fingerprint: '', offset: 0, path: c.path, inode: c.inode };
    this.checkpoints.set(f.checkpoint);
  }

  /** Reads and delivers batches until the file's end or a refusal. Returns false on refusal. */
  private async drain(f: OpenFile): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      const info = await f.handle.stat();
      const c = f.checkpoint;
      if (info.size < c.offset) {
        // Truncated since this poll began: revalidate on the next poll starts it over.
        return true;
      }
      await this.refreshFingerprint(f, info.size);
      const quiet = this.options.multiline !== undefined && Date.now() - f.lastGrowth >= this.options.multiline.flush_timeout;
      const replay = c.plannedEnd !== undefined;
      const limit = replay ? c.plannedEnd! : info.size;
      if (limit <= c.offset) return true;
      const batch = await readBatch(f.handle, c.offset, limit, c.skipping ?? false, replay || quiet, this.batchOptions);
      if (batch.end === c.offset) return true;
      f.lastGrowth = Date.now();
      // Same checkpoint, same range, same token: a replay after a crash is dropped by the store.
      const token = `filelog/${c.id}/${c.offset}-${batch.end}`;
      if (!replay) {
        c.plannedEnd = batch.end;
        this.checkpoints.set(c);
        this.checkpoints.save();
      }
      try {
        await this.options.emit(this.request(c.path, batch.texts), token, batch.end - c.offset);
      } catch (err) {
        this.stats.delivery_failures += 1;
        this.options.logger.warn({ path: c.path, err: (err as Error).message }, 'pipeline refused file records; pausing this file');
        return false;
      }
      this.stats.lines += batch.texts.length;
      this.stats.truncated_lines += batch.truncatedLines;
      this.stats.invalid_utf8_lines += batch.invalidUtf8Lines;
      c.offset = batch.end;
      c.plannedEnd = undefined;
      c.skipping = batch.skipping;
      this.checkpoints.set(c);
      this.checkpoints.save();
    }
  }

  /** While a file is shorter than fingerprint_bytes its identity grows with it. */
  private async refreshFingerprint(f: OpenFile, size: number): Promise<void> {
    const c = f.checkpoint;
    if (c.fingerprint.length / 2 >= this.options.fingerprintBytes || size <= c.fingerprint.length / 2) return;
    // Only bytes already read may extend the identity; unread ones could still change.
    const head = Buffer.alloc(Math.min(this.options.fingerprintBytes, size));
    await f.handle.read(head, 0, head.length, 0);
    c.fingerprint = head.toString('hex');
    this.checkpoints.set(c);
  }

  private request(path: string, texts: string[]): ExportLogsServiceRequest {
    const observed = `${BigInt(Date.now()) * 1_000_000n}`;
    const records: LogRecord[] = texts.map((text) => {
      const { record, parseFailed } = this.builder.build(text, observed);
      if (parseFailed) this.stats.parse_failures += 1;
      return record;
    });
    this.stats.records += records.length;
    const attributes = [
      { key: 'host.name', value: { stringValue: this.options.hostName ?? hostname() } },
      { key: 'service.name', value: { stringValue: this.options.serviceName } },
      { key: 'log.file.path', value: { stringValue: path } },
      { key: 'log.file.name', value: { stringValue: path.split('/').pop()! } },
    ];
    return { resourceLogs: [{ resource: { attributes }, scopeLogs: [{ scope: { name: 'vigil/filelog' }, logRecords: records }] }] };
  }
}
