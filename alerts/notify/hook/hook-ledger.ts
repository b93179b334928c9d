import type { Store } from '../../../core/store/index.ts';
import type { AlertStatus } from './hook-alert.ts';
import { STARTED, type HookRunRecord } from './hook-run.ts';

const nanos = (ms: number) => `${Math.max(0, Math.round(ms))}000000`.padStart(19, '0');

interface Row {
  key: string;
  hook: string;
  receiver: string;
  fingerprint: string;
  alert_status: string;
  labels: Record<string, string>;
  starts_at: string;
  started: string;
  ended: string;
  outcome: string;
  exit_code: number;
  stdout: string;
  stderr: string;
  error: string;
  attempt: number;
  instance: string;
}

const FIELDS = `key, hook, receiver, fingerprint, alert_status, labels,
  toString(toUnixTimestamp64Milli(starts_at)) AS starts_at, toString(toUnixTimestamp64Milli(started)) AS started,
  toString(toUnixTimestamp64Milli(ended)) AS ended, outcome, exit_code, stdout, stderr, error, attempt, instance`;

export function recordOfRow(r: Row): HookRunRecord {
  return {
    key: r.key,
    hook: r.hook,
    receiver: r.receiver,
    fingerprint: r.fingerprint,
    status: r.alert_status as AlertStatus,
    labels: r.labels,
    startsAt: Number(r.starts_at),
    started: Number(r.started),
    ended: Number(r.ended),
    outcome: r.outcome as HookRunRecord['outcome'],
    exitCode: Number(r.exit_code),
    stdout: r.stdout,
    stderr: r.stderr,
    error: r.error,
    attempt: Number(r.attempt),
    instance: r.instance,
  };
}

/** Reads vigil_hook_runs, newest state per key, newest first. */
export async function readHookRuns(store: Store, options: { hook?: string; limit?: number } = {}): Promise<HookRunRecord[]> {
  const rows = await store.query<Row>(
    `SELECT ${FIELDS} FROM vigil_hook_runs FINAL ${options.hook ? 'WHERE hook = {hook:String}' : ''} ORDER BY started DESC LIMIT {limit:UInt32}`,
    { hook: options.hook ?? '', limit: options.limit ?? 1000 },
  );
  return rows.map(recordOfRow);
}

/**
 * The idempotency record and audit of hook runs, in vigil_hook_runs (one row per key, the
 * newest version wins). A key is written before its action starts and again with the outcome,
 * so whoever runs hooks next — this process after a restart, or a new HA leader that received
 * the record — sees the incident as taken and never runs it again.
 */
export class HookLedger {
  private readonly records = new Map<string, HookRunRecord>();
  private loaded: Promise<void> | undefined;
  private version = 0;

  /** Set in HA mode: hands every record to the other instances, durably, before it returns. */
  replicate?: (record: HookRunRecord) => Promise<void>;
  /** Set in HA mode: resolves once every record other instances wrote so far has been merged. */
  catchUp?: () => Promise<void>;

  constructor(
    private readonly store: Store,
    readonly instance: string,
  ) {}

  /**
   * Loads past runs once. A run still `running` was in flight when its process died: its
   * outcome cannot be known, so it is recorded as `unknown` and never repeated automatically.
   */
  load(now: number): Promise<void> {
    this.loaded ??= (async () => {
      const rows = await this.store.query<Row>(`SELECT ${FIELDS} FROM vigil_hook_runs FINAL`);
      for (const row of rows) this.merge(recordOfRow(row));
      // In HA the outcome may be on Kafka and not yet in this store (its instance was killed
      // between the two writes, or this one was down): read it before calling a claim orphaned.
      await this.catchUp?.();
      for (const record of [...this.records.values()]) if (record.outcome === 'running') await this.markUnknown(record, now);
    })().catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  /**
   * A record from another instance (HA replication), merged and stored in this instance's
   * vigil_hook_runs for its audit; records of this instance come back too and are ignored.
   */
  async receive(record: HookRunRecord): Promise<void> {
    if (record.instance === this.instance) return;
    this.merge(record);
    await this.insert(record);
  }

  /** A decided outcome beats `running`; between decided ones the later wins. */
  merge(record: HookRunRecord): void {
    const current = this.records.get(record.key);
    if (!current || current.outcome === 'running' || (record.outcome !== 'running' && record.ended >= current.ended)) this.records.set(record.key, record);
  }

  get(key: string): HookRunRecord | undefined {
    return this.records.get(key);
  }

  all(): HookRunRecord[] {
    return [...this.records.values()];
  }

  /** Start of the latest run of `hook` for `fingerprint` and `status` that started (or would have, dry). */
  lastRun(hook: string, fingerprint: string, status: AlertStatus): number | undefined {
    let last: number | undefined;
    for (const r of this.records.values()) {
      if (r.hook === hook && r.fingerprint === fingerprint && r.status === status && STARTED.has(r.outcome) && (last === undefined || r.started > last)) last = r.started;
    }
    return last;
  }

  runsSince(hook: string, since: number): number {
    let n = 0;
    for (const r of this.records.values()) if (r.hook === hook && STARTED.has(r.outcome) && r.started >= since) n++;
    return n;
  }

  /** Writes the record durably (store, and the other instances in HA); throws if it could not. */
  async write(record: HookRunRecord): Promise<void> {
    this.merge(record);
    this.records.set(record.key, record);
    await this.replicate?.(record);
    await this.insert(record);
  }

  /** Stores a record another instance wrote, for this instance's audit table. */
  async insert(record: HookRunRecord): Promise<void> {
    // Versions only move forward within this process, even when two writes share a millisecond.
    this.version = Math.max(this.version + 1, Date.now() * 1000);
    await this.store.insertRows(
      'vigil_hook_runs',
      [
        {
          key: record.key,
          hook: record.hook,
          receiver: record.receiver,
          fingerprint: record.fingerprint,
          alert_status: record.status,
          labels: record.labels,
          starts_at: nanos(record.startsAt),
          started: nanos(record.started),
          ended: nanos(record.ended),
          outcome: record.outcome,
          exit_code: record.exitCode,
          stdout: record.stdout,
          stderr: record.stderr,
          error: record.error,
          attempt: record.attempt,
          instance: record.instance,
          // A decided outcome always outranks `running`, whatever the clocks say.
          version: (record.outcome === 'running' ? 0 : 2 ** 52) + this.version,
        },
      ],
      // No dedup: the running row and the outcome row of one key may otherwise look alike.
      { dedupToken: `${record.key}|${record.outcome}|${this.version}` },
    );
  }

  async markUnknown(record: HookRunRecord, now: number): Promise<void> {
    await this.write({ ...record, outcome: 'unknown', ended: now, error: `in flight when ${record.instance} stopped; not repeated automatically` });
  }
}
