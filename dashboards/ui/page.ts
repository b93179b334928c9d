import type { TimeRange } from './time-range.ts';

/** What the shell hands each page: its place on screen, the URL state and a way to change it. */
export interface PageContext {
  root: HTMLElement;
  path: string;
  params: URLSearchParams;
  range: TimeRange;
  /** Replaces URL parameters (and re-renders the page); null removes one. */
  setParams(changes: Record<string, string | null>, push?: boolean): void;
  navigate(url: string): void;
}

/** A page draws itself; the function it may return is called before the next render. */
export type Page = (ctx: PageContext) => Promise<void | (() => void)>;
