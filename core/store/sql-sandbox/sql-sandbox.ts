import { StoreError } from '../store.ts';
import { cleanEngineMessage } from '../engine-message.ts';
import { checkStatement } from './check-statement.ts';
import { parseExplainAst } from './explain-ast.ts';
import { FunctionAllowList } from './function-allow-list.ts';
import { SandboxRefusal } from './sandbox-refusal.ts';

export type QueryRunner = (sql: string, params?: Record<string, unknown>) => Promise<Array<Record<string, unknown>>>;

/**
 * The SQL API's sandbox: asks the engine's own parser what a user statement is and walks the
 * whole tree against allow-lists of statements, functions, table functions and tables (see
 * check-statement.ts). Nothing of the user's statement runs before the walk passes: the
 * engine only formats it and prints its tree.
 *
 * Why not readonly=1 alone: it does not stop the scalar file() function, DESCRIBE of url()/s3()
 * fetches to infer a schema, chDB runs every statement of a multi-statement string, and a
 * SETTINGS clause inside a subquery overrides an outer readonly=1 (FIELD-NOTES, chDB 26.7).
 */
export class SqlSandbox {
  private functions: Promise<FunctionAllowList> | undefined;
  // The engine's formatting of a text never changes: rule queries, checked at every evaluation,
  // skip one engine call. Bounded; the oldest entry goes first.
  private readonly formatted = new Map<string, string>();

  constructor(private readonly database: string) {}

  /** Returns the engine-normalized statement to run, or throws SandboxRefusal / StoreError. */
  async check(sql: string, run: QueryRunner, params?: Record<string, unknown>): Promise<string> {
    if (sql.trim() === '') throw new StoreError('empty query', false, 62);
    let normalized: string;
    let lines: string[];
    try {
      // One statement only: formatQuerySingleLine refuses "Multi-statements are not allowed".
      normalized = this.formatted.get(sql) ?? String((await run('SELECT formatQuerySingleLine({q:String}) AS q', { q: sql }))[0]?.q ?? '');
      this.remember(sql, normalized);
      const ast = await run(`EXPLAIN AST ${normalized}`, params);
      lines = ast.map((row) => String(Object.values(row)[0] ?? ''));
    } catch (err) {
      throw new StoreError(cleanEngineMessage((err as Error).message), false, 62, { cause: err });
    }
    let tree;
    try {
      tree = parseExplainAst(lines);
    } catch (err) {
      throw new SandboxRefusal({ kind: 'syntax', name: 'AST' }, `the parse tree could not be read (${(err as Error).message}); the query was not run`);
    }
    checkStatement(tree, normalized, { database: this.database, functions: await this.functionList(run) });
    return normalized;
  }

  private remember(sql: string, normalized: string): void {
    if (this.formatted.has(sql) || sql.length > 10_000) return;
    if (this.formatted.size >= 500) this.formatted.delete(this.formatted.keys().next().value!);
    this.formatted.set(sql, normalized);
  }

  /** Aliases come from the engine, once per store: `lcase` is allowed because it is `lower`. */
  private functionList(run: QueryRunner): Promise<FunctionAllowList> {
    this.functions ??= run("SELECT lower(name) AS name, lower(alias_to) AS target FROM system.functions WHERE alias_to != ''")
      .then((rows) => new FunctionAllowList(new Map(rows.map((r) => [String(r.name), String(r.target)]))))
      .catch((err: unknown) => {
        this.functions = undefined;
        throw err;
      });
    return this.functions;
  }
}
