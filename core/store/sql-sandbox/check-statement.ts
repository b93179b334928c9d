import type { AstNode } from './explain-ast.ts';
import type { FunctionAllowList } from './function-allow-list.ts';
import { SYSTEM_TABLES } from './allowed-tables.ts';
import { SandboxRefusal } from './sandbox-refusal.ts';

export interface SandboxScope {
  /** vigil's database: all its tables are readable, and unqualified names resolve to it. */
  database: string;
  functions: FunctionAllowList;
}

const systemTables = new Set(SYSTEM_TABLES);

/** Node kinds that only hold other nodes or values; every other kind has a rule below or is refused. */
const PLAIN_NODES = new Set([
  'ExpressionList', 'SelectQuery', 'SelectIntersectExceptQuery', 'TablesInSelectQuery', 'TablesInSelectQueryElement',
  'TableExpression', 'TableJoin', 'ArrayJoin', 'Subquery', 'WithElement', 'Literal', 'Identifier', 'Asterisk',
  'QualifiedAsterisk', 'ColumnsRegexpMatcher', 'ColumnsListMatcher', 'QualifiedColumnsRegexpMatcher',
  'QualifiedColumnsListMatcher', 'ColumnsTransformerList', 'ColumnsExceptTransformer', 'ColumnsReplaceTransformer',
  'ColumnsReplaceTransformer::Replacement', 'OrderByElement', 'WindowDefinition', 'WindowListElement', 'SampleRatio',
  'InterpolateElement', 'Alias',
]);

const EXPLAIN_KINDS = new Set(['EXPLAIN', 'EXPLAIN AST', 'EXPLAIN SYNTAX', 'EXPLAIN PLAN', 'EXPLAIN PIPELINE', 'EXPLAIN ESTIMATE', 'EXPLAIN QUERY TREE']);

/** `x IN t` reads table t: its second argument is a table when it is a bare name. */
const IN_FUNCTIONS = new Set(
  ['in', 'notIn', 'nullIn', 'notNullIn'].flatMap((f) => [f, `global${f[0]!.toUpperCase()}${f.slice(1)}`]).flatMap((f) => [f, `${f}IgnoreSet`]).map((f) => f.toLowerCase()),
);

const SHOW_FORMS = /^SHOW (?:FULL )?(TABLES|DATABASES)(?: FROM (\w+))?(?: (?:NOT )?I?LIKE '[^'\\]*')?(?: LIMIT \d+)?$/;

/**
 * Walks the whole parse tree of one statement and throws a SandboxRefusal at the first node
 * that is not allowed. `normalized` is the engine's own single-line rendering of the statement,
 * read only for the SHOW forms, whose tree does not say which SHOW it is.
 */
export function checkStatement(root: AstNode, normalized: string, scope: SandboxScope): void {
  switch (root.kind) {
    case 'SelectWithUnionQuery':
    case 'Explain':
    case 'DescribeQuery':
      walk(root, scope);
      return;
    case 'ShowTables': {
      const show = SHOW_FORMS.exec(normalized);
      if (!show) throw new SandboxRefusal({ kind: 'statement', name: 'SHOW' }, 'only SHOW TABLES [FROM db] [LIKE …] and SHOW DATABASES are allowed');
      if (show[2] && show[2] !== scope.database && show[2] !== 'system') throw refusedTable(`${show[2]}.*`);
      return;
    }
    case 'ExistsTableQuery':
    case 'ShowCreateTableQuery': {
      const [db = '', table = ''] = root.detail.split(' ');
      if (root.detail.split(' ').length !== 2 || root.children.length !== (db ? 2 : 1) || root.children.some((c) => c.kind !== 'Identifier')) {
        throw new SandboxRefusal({ kind: 'clause', name: 'FORMAT/INTO OUTFILE' }, 'FORMAT and INTO OUTFILE clauses are not allowed: results are returned as JSON');
      }
      checkTable(db ? `${db}.${table}` : table, scope);
      return;
    }
    default:
      throw new SandboxRefusal(
        { kind: 'statement', name: root.kind },
        `only read-only statements (SELECT, SHOW TABLES, DESCRIBE, EXISTS, SHOW CREATE TABLE, EXPLAIN) are allowed, got ${root.kind}`,
      );
  }
}

function walk(node: AstNode, scope: SandboxScope): void {
  if (node.children.length !== node.declaredChildren) {
    throw new SandboxRefusal({ kind: 'syntax', name: node.kind }, `the parse tree could not be read at ${node.kind}; the query was not run`);
  }
  switch (node.kind) {
    case 'Set':
      throw new SandboxRefusal({ kind: 'clause', name: 'SETTINGS' }, 'SETTINGS clauses are not allowed (anywhere, subqueries included): the API sets its own limits');
    case 'SelectWithUnionQuery':
    case 'DescribeQuery':
      // A second child is a FORMAT name or an INTO OUTFILE path.
      if (node.children.length !== 1) throw refusedOutput();
      break;
    case 'Explain': {
      if (!EXPLAIN_KINDS.has(node.detail)) throw new SandboxRefusal({ kind: 'statement', name: node.detail }, `${node.detail} is not allowed`);
      if (node.children.some((c) => c.kind === 'Set')) throw new SandboxRefusal({ kind: 'clause', name: 'SETTINGS' }, 'SETTINGS of EXPLAIN are not allowed');
      if (node.children.length !== 1 || node.children[0]!.kind !== 'SelectWithUnionQuery') throw refusedOutput();
      break;
    }
    case 'Function': {
      const name = node.detail.split(' ')[0]!;
      if (node.parent?.kind === 'TableExpression') {
        if (!scope.functions.allowsTableFunction(name)) {
          throw new SandboxRefusal({ kind: 'table function', name }, `table function ${name}() is not allowed: only numbers, zeros, values, generateSeries, generateRandom and primes`);
        }
      } else {
        if (!scope.functions.allowsFunction(name)) throw new SandboxRefusal({ kind: 'function', name }, `function ${name}() is not allowed in the SQL API`);
        const set = node.children[0]?.children[1];
        if (IN_FUNCTIONS.has(name.toLowerCase()) && set?.kind === 'Identifier') checkTable(set.detail.split(' ')[0]!, scope);
      }
      break;
    }
    case 'TableIdentifier':
      checkTable(node.detail.split(' ')[0]!, scope);
      break;
    default:
      if (!PLAIN_NODES.has(node.kind)) throw new SandboxRefusal({ kind: 'syntax', name: node.kind }, `${node.kind} is not allowed in the SQL API`);
  }
  for (const child of node.children) walk(child, scope);
}

/**
 * Tables of vigil's database (qualified or not: an unqualified name is one of those or a WITH
 * name) and the allowed system tables. A name with more than one dot is refused rather than
 * guessed at.
 */
function checkTable(name: string, scope: SandboxScope): void {
  const parts = name.split('.');
  if (parts.length === 1 || (parts.length === 2 && parts[0] === scope.database)) return;
  if (parts.length === 2 && parts[0] === 'system' && systemTables.has(parts[1]!)) return;
  throw refusedTable(name);
}

function refusedTable(name: string): SandboxRefusal {
  return new SandboxRefusal({ kind: 'table', name }, `table ${name} is not allowed: only tables of vigil's database and a few system tables (see README, SQL sandbox)`);
}

function refusedOutput(): SandboxRefusal {
  return new SandboxRefusal({ kind: 'clause', name: 'FORMAT/INTO OUTFILE' }, 'FORMAT and INTO OUTFILE clauses are not allowed: results are returned as JSON');
}
