/**
 * After the store refused a batch for good (a permanent error: rows it cannot parse or type),
 * finds the rows it refuses by inserting halves until each refused piece is one row. Good rows
 * land; the indices of refused rows are returned with the store's error. Bisection costs about
 * 2·k·log2(n) inserts for k bad rows among n, so it is capped: past `maxInserts`, the pieces not
 * yet tried are counted refused as a whole (a batch refused for a reason that is not about its
 * rows, such as a schema mismatch, must not become n single-row inserts).
 *
 * `insert(from, to)` inserts rows [from, to) and must retry retryable errors itself; it throws
 * only permanent errors (isPermanent) or errors that should fail the whole batch.
 */
export async function isolateRefusedRows(
  rowCount: number,
  insert: (from: number, to: number) => Promise<void>,
  isPermanent: (error: unknown) => boolean,
  maxInserts = 256,
): Promise<{ refused: Array<[number, number]>; error?: Error }> {
  const refused: Array<[number, number]> = [];
  let firstError: Error | undefined;
  let inserts = 0;
  const pending: Array<[number, number]> = split(0, rowCount);
  while (pending.length > 0) {
    const [from, to] = pending.shift()!;
    if (inserts >= maxInserts) {
      refused.push([from, to]);
      continue;
    }
    inserts += 1;
    try {
      await insert(from, to);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      firstError ??= error as Error;
      if (to - from === 1) refused.push([from, to]);
      else pending.unshift(...split(from, to));
    }
  }
  return { refused, error: firstError };
}

function split(from: number, to: number): Array<[number, number]> {
  if (to - from <= 1) return [[from, to]];
  const mid = from + Math.ceil((to - from) / 2);
  return [
    [from, mid],
    [mid, to],
  ];
}

/** How many rows of [from, to) fall in the refused ranges. */
export function refusedIn(refused: Array<[number, number]>, from: number, to: number): number {
  let n = 0;
  for (const [a, b] of refused) n += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return n;
}
