/** One node of the engine's `EXPLAIN AST` output. */
export interface AstNode {
  /** The node's kind: `Function`, `TableIdentifier`, `SelectQuery`… */
  kind: string;
  /** What follows the kind on its line, without the `(children N)` suffix. */
  detail: string;
  /** Children as the line says; compared with `children.length` to catch a misread tree. */
  declaredChildren: number;
  children: AstNode[];
  parent?: AstNode;
}

/**
 * Builds the tree from `EXPLAIN AST` lines, where one space of indent is one level. A line the
 * parser cannot place (an indent jump, a second root) throws: the caller refuses the query
 * rather than guess.
 */
export function parseExplainAst(lines: readonly string[]): AstNode {
  const stack: AstNode[] = [];
  let root: AstNode | undefined;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const depth = line.length - line.trimStart().length;
    const text = line.trim();
    const match = /^(\S+)(.*?)(?: \(children (\d+)\))?$/.exec(text);
    if (!match) throw new Error(`unreadable AST line: ${text}`);
    const node: AstNode = { kind: match[1]!, detail: match[2]!.replace(/^ /, ''), declaredChildren: Number(match[3] ?? 0), children: [] };
    if (depth === 0) {
      if (root) throw new Error('more than one statement');
      root = node;
    } else {
      const parent = stack[depth - 1];
      if (!parent || depth > stack.length) throw new Error(`misplaced AST line: ${text}`);
      node.parent = parent;
      parent.children.push(node);
    }
    stack.length = depth;
    stack.push(node);
  }
  if (!root) throw new Error('empty AST');
  return root;
}
