import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock/index.ts';
import type { Store } from '../../core/store/index.ts';
import { formatMatcher, matchesAll, parseMatcher, type Matcher } from '../dispatch/matchers.ts';

export interface Silence {
  id: string;
  matchers: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  status: 'pending' | 'active' | 'expired';
}

const ns = (ms: number) => `${Math.round(ms)}000000`.padStart(19, '0');

/** Silences, persisted in vigil_silences; expired ones are kept for history. */
export class Silences {
  private readonly silences = new Map<string, Omit<Silence, 'status'> & { parsed: Matcher[] }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    const rows = await this.store.query<Record<string, any>>(
      `SELECT id, matchers, toString(toUnixTimestamp64Milli(starts_at)) AS s, toString(toUnixTimestamp64Milli(ends_at)) AS e, created_by, comment
       FROM vigil_silences FINAL`,
    );
    for (const r of rows) {
      this.silences.set(r.id, { id: r.id, matchers: r.matchers, startsAt: Number(r.s), endsAt: Number(r.e), createdBy: r.created_by, comment: r.comment, parsed: r.matchers.map(parseMatcher) });
    }
  }

  /** Validates and stores a silence; throws with a message for the API's 400. */
  async add(input: { matchers: string[]; startsAt?: number; endsAt: number; createdBy: string; comment: string }): Promise<Silence> {
    if (!Array.isArray(input.matchers) || input.matchers.length === 0) throw new Error('matchers: at least one matcher is required');
    const parsed = input.matchers.map(parseMatcher);
    const startsAt = input.startsAt ?? this.clock.now();
    if (!Number.isFinite(input.endsAt) || input.endsAt <= startsAt) throw new Error('endsAt: must be after startsAt');
    if (!input.createdBy) throw new Error('createdBy: required');
    const silence = { id: randomUUID(), matchers: parsed.map(formatMatcher), startsAt, endsAt: input.endsAt, createdBy: input.createdBy, comment: input.comment ?? '', parsed };
    await this.persist(silence);
    this.silences.set(silence.id, silence);
    return this.view(silence);
  }

  async expire(id: string): Promise<Silence | undefined> {
    const silence = this.silences.get(id);
    if (!silence) return undefined;
    const now = this.clock.now();
    if (silence.endsAt > now) {
      silence.endsAt = Math.max(now, silence.startsAt);
      await this.persist(silence);
    }
    return this.view(silence);
  }

  list(): Silence[] {
    return [...this.silences.values()].map((s) => this.view(s)).sort((a, b) => b.startsAt - a.startsAt);
  }

  isSilenced(labels: Record<string, string>): boolean {
    const now = this.clock.now();
    for (const s of this.silences.values()) if (s.startsAt <= now && now < s.endsAt && matchesAll(s.parsed, labels)) return true;
    return false;
  }

  private view(s: Omit<Silence, 'status'>): Silence {
    const now = this.clock.now();
    const { id, matchers, startsAt, endsAt, createdBy, comment } = s;
    return { id, matchers, startsAt, endsAt, createdBy, comment, status: now < startsAt ? 'pending' : now < endsAt ? 'active' : 'expired' };
  }

  private async persist(s: Omit<Silence, 'status'>): Promise<void> {
    await this.store.insertRows('vigil_silences', [
      { id: s.id, matchers: s.matchers, starts_at: ns(s.startsAt), ends_at: ns(s.endsAt), created_by: s.createdBy, comment: s.comment, updated_at: ns(Date.now()) },
    ]);
  }
}
