import fs from 'node:fs';
import { dirname } from 'node:path';

/** Where reading one file stands. `plannedEnd` is set while a batch is being delivered. */
export interface FileCheckpoint {
  /** Random, fixed for the life of this file's reading: the entry's key and its batches' dedup tokens' stem. */
  id: string;
  /** Hex of the file's first bytes when last read: with dev:ino, its identity. */
  fingerprint: string;
  offset: number;
  plannedEnd?: number;
  /** Inside an over-long line at `offset` (its head was sent, the rest is skipped). */
  skipping?: boolean;
  path: string;
  /** `dev:ino` of the file this entry was last read from (absent in checkpoints written before it was kept). */
  inode?: string;
  /** When a file matching this entry was last seen (ms since epoch); entries gone long enough are pruned. */
  seenAt?: number;
}

export interface CheckpointsOptions {
  /** Entries whose file has not been seen for this long are forgotten. */
  forgetAfterMs?: number;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Read positions, written durably (temp file, fsync, rename, fsync of the directory) before and
 * after every delivery: before, the planned byte range, so a restart rebuilds the same batch
 * with the same dedup token; after, the new offset.
 *
 * Entries are keyed by their own id, not by fingerprint: files that begin with the same banner
 * share a fingerprint, and one shared entry would re-read one of them in full after a restart
 * (duplicates) or skip it (loss). A file is found again by its dev:ino (O(1)) when its first
 * bytes still match, and by fingerprint only when its inode changed (a copytruncate copy).
 */
export class Checkpoints {
  private readonly entries = new Map<string, FileCheckpoint>();
  private readonly byInode = new Map<string, string>();
  private readonly forgetAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly file: string,
    options: CheckpointsOptions = {},
  ) {
    this.forgetAfterMs = options.forgetAfterMs ?? 7 * DAY_MS;
    this.now = options.now ?? Date.now;
  }

  load(): void {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { files: FileCheckpoint[] };
      for (const c of parsed.files) this.set({ ...c, seenAt: c.seenAt ?? this.now() });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read checkpoints ${this.file}: ${(err as Error).message}`);
    }
  }

  all(): FileCheckpoint[] {
    return [...this.entries.values()];
  }

  /** The entry last read from this dev:ino, if its fingerprint is a prefix of the file's first bytes now. */
  byFile(inode: string, head: string): FileCheckpoint | undefined {
    const id = this.byInode.get(inode);
    const entry = id === undefined ? undefined : this.entries.get(id);
    return entry && entry.fingerprint.length > 0 && head.startsWith(entry.fingerprint) ? entry : undefined;
  }

  /**
   * An entry whose file moved to another inode (copytruncate's copy carries the original's first
   * bytes): its fingerprint is a prefix of `head` and no open file holds it. With several
   * candidates (files sharing a banner), the one last read at `path` wins, then the newest.
   */
  byFingerprint(head: string, path: string, taken: (id: string) => boolean): FileCheckpoint | undefined {
    // Prefer the entry last read at this path, then the one seen most recently.
    const rank = (c: FileCheckpoint) => (c.path === path ? 1e15 : 0) + (c.seenAt ?? 0);
    let best: FileCheckpoint | undefined;
    for (const c of this.entries.values()) {
      if (c.fingerprint.length === 0 || !head.startsWith(c.fingerprint) || taken(c.id)) continue;
      if (!best || rank(c) > rank(best)) best = c;
    }
    return best;
  }

  set(checkpoint: FileCheckpoint): void {
    const previous = this.entries.get(checkpoint.id);
    if (previous?.inode && previous.inode !== checkpoint.inode && this.byInode.get(previous.inode) === checkpoint.id) this.byInode.delete(previous.inode);
    this.entries.set(checkpoint.id, { ...checkpoint });
    // The newest entry read from an inode owns it (an inode reused by a new file, or a file that
    // was truncated and started over under a new id).
    if (checkpoint.inode) this.byInode.set(checkpoint.inode, checkpoint.id);
  }

  /** Marks entries as seen now (their files still exist), so pruning keeps them. */
  touch(ids: Iterable<string>): void {
    const now = this.now();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry) entry.seenAt = now;
    }
  }

  /** Forgets entries whose files have not been seen for forgetAfterMs. Returns how many. */
  prune(): number {
    const cutoff = this.now() - this.forgetAfterMs;
    let pruned = 0;
    for (const [id, c] of this.entries) {
      if ((c.seenAt ?? 0) >= cutoff) continue;
      this.entries.delete(id);
      if (c.inode && this.byInode.get(c.inode) === id) this.byInode.delete(c.inode);
      pruned += 1;
    }
    return pruned;
  }

  save(): void {
    const dir = dirname(this.file);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ files: this.all() }));
    fsyncPath(tmp);
    fs.renameSync(tmp, this.file);
    // The rename is durable only once the directory entry is: without this, a power loss can
    // bring back the previous checkpoint (a replay) or no file at all (a full re-read).
    fsyncPath(dir);
  }
}

function fsyncPath(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
