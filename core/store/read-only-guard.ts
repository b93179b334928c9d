import { StoreError } from './store.ts';

/** Statement kinds the SQL API lets through (roots of ClickHouse's AST). */
const ALLOWED_ROOTS = new Set([
  'SelectWithUnionQuery',
  'ShowTables',
  'DescribeQuery',
  'ExistsTableQuery',
  'ShowCreateTableQuery',
  'Explain',
]);

export type QueryRunner = (sql: string, params?: Record<string, unknown>) => Promise<Array<Record<string, unknown>>>;

/**
 * Asks the engine's own parser what a user statement is, and returns it normalized so the
 * caller can append the SETTINGS that make it read-only.
 *
 * Why more than `readonly=1`: chDB runs every statement of a multi-statement string, and a
 * SETTINGS clause inside a subquery overrides an outer `readonly=1` (both measured on chDB
 * 26.7), so multi-statements, SETTINGS clauses and FORMAT clauses are refused here first.
 */
export async function checkReadOnlyStatement(sql: string, run: QueryRunner, params?: Record<string, unknown>): Promise<string> {
  if (sql.trim() === '') throw new StoreError('empty query', false, 62);
  let normalized: string;
  try {
    const [row] = await run('SELECT formatQuerySingleLine({q:String}) AS q', { q: sql });
    normalized = String(row?.q ?? '');
  } catch (err) {
    throw new StoreError(cleanEngineMessage((err as Error).message), false, 62, { cause: err });
  }
  const ast = await run(`EXPLAIN AST ${normalized}`, params);
  const nodes = ast.map((row) => String(Object.values(row)[0] ?? '').trim());
  const root = nodes[0]?.split(' ')[0] ?? '';
  if (!ALLOWED_ROOTS.has(root)) {
    throw new StoreError(`only read-only statements (SELECT, SHOW, DESCRIBE, EXISTS, EXPLAIN) are allowed, got ${root}`, false, 164);
  }
  if (nodes.some((n) => n === 'Set' || n.startsWith('Set '))) {
    throw new StoreError('SETTINGS clauses are not allowed: the API sets read-only mode and limits itself', false, 164);
  }
  // A FORMAT clause shows as a second child of the top-level select.
  if (root === 'SelectWithUnionQuery' && !/\(children 1\)/.test(nodes[0]!)) {
    throw new StoreError('FORMAT and INTO OUTFILE clauses are not allowed: results are returned as JSON', false, 62);
  }
  return normalized;
}

/** Trims the engine's message to its first sentence-ish part for API users. */
export function cleanEngineMessage(message: string): string {
  return message.replace(/\s*\(version [^)]*\)/g, '').replace(/^Code: \d+\. DB::Exception: (Code: \d+\. DB::Exception: )?/, '').trim();
}
