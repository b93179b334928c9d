import type { Store } from '../../core/store/index.ts';
import type { Rule } from '../config/rule-schema.ts';
import { compileRule } from '../rules/compile-rule.ts';
import type { Sample } from './rule-state.ts';

/** More alert instances than this from one rule is a mistake in the rule, not an outage. */
const MAX_SQL_RULE_ROWS = 10_000;

/**
 * Runs one rule's query at `now` and returns its samples. The time limit is enforced by the
 * engine (max_execution_time), not only by abandoning the promise: chDB runs one session's
 * queries one at a time, so a query left running would hold up every rule after it.
 */
export async function queryRule(store: Store, rule: Rule, now: number, timeoutMs: number): Promise<Sample[]> {
  const compiled = compileRule(rule, now);
  let timer: NodeJS.Timeout | undefined;
  // A backstop for a store that does not answer at all (a hung connection).
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`query timed out after ${timeoutMs} ms`)), timeoutMs + 1000);
  });
  let rows: Array<Record<string, unknown>>;
  try {
    const run = compiled.userSql
      ? store.readOnlyQuery(compiled.sql, { maxExecutionTimeMs: timeoutMs, maxResultRows: MAX_SQL_RULE_ROWS }, compiled.params).then((r) => r.data)
      : store.query(`${compiled.sql}\nSETTINGS max_execution_time = ${timeoutMs / 1000}, timeout_overflow_mode = 'throw'`, compiled.params);
    rows = await Promise.race([run, timeout]);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(/TIMEOUT_EXCEEDED|Timeout exceeded|timed out/i.test(message) ? `query timed out after ${timeoutMs} ms` : message, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return toSamples(rows);
}

/** Every column but `value` is a label. A NULL value (ClickHouse's NaN in JSON) matches nothing, as NaN compares false in PromQL. */
export function toSamples(rows: Array<Record<string, unknown>>): Sample[] {
  const samples: Sample[] = [];
  for (const row of rows) {
    if (!('value' in row)) throw new Error('the query returned no "value" column');
    if (row.value === null) continue;
    const value = Number(row.value);
    if (Number.isNaN(value)) throw new Error(`the "value" column must be numeric, got ${JSON.stringify(row.value)}`);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(row)) {
      if (k === 'value' || v === null || v === undefined || v === '') continue;
      labels[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    samples.push({ labels, value });
  }
  return samples;
}
