import { mkdirSync, openSync, closeSync, fsyncSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where reading one file stands. `plannedEnd` is set while a batch is being delivered. */
export interface FileCheckpoint {
  /** Random, fixed for the life of this file's reading: names its batches' dedup tokens. */
  id: string;
  /** Hex of the file's first bytes when last read: its identity. */
  fingerprint: string;
  offset: number;
  plannedEnd?: number;
  /** Inside an over-long line at `offset` (its head was sent, the rest is skipped). */
  skipping?: boolean;
  path: string;
}

/**
 * Read positions, written durably (temp file, fsync, rename) before and after every delivery:
 * before, the planned byte range, so a restart rebuilds the same batch with the same dedup token;
 * after, the new offset.
 */
export class Checkpoints {
  private readonly entries = new Map<string, FileCheckpoint>();

  constructor(private readonly file: string) {}

  load(): void {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { files: FileCheckpoint[] };
      for (const c of parsed.files) this.entries.set(c.fingerprint, c);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read checkpoints ${this.file}: ${(err as Error).message}`);
    }
  }

  all(): FileCheckpoint[] {
    return [...this.entries.values()];
  }

  set(checkpoint: FileCheckpoint, previousFingerprint?: string): void {
    if (previousFingerprint && previousFingerprint !== checkpoint.fingerprint) this.entries.delete(previousFingerprint);
    this.entries.set(checkpoint.fingerprint, { ...checkpoint });
  }

  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ files: this.all() }));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
  }
}
