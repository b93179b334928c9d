/**
 * A Lucene-like log search, as ClickStack and Kibana take it:
 *   level:error service:checkout "timed out" -host:db-1 (a OR b) NOT c duration:>100 code:[400 TO 499]
 * Parsed to a small tree; compile-log-query.ts turns the tree into parameterized SQL.
 */

export type Term =
  | { kind: 'text'; value: string }
  | { kind: 'field'; field: string; value: string; phrase: boolean }
  | { kind: 'compare'; field: string; op: '>' | '>=' | '<' | '<='; value: number }
  | { kind: 'range'; field: string; low: number | null; high: number | null; lowInclusive: boolean; highInclusive: boolean };

export type Node = Term | { kind: 'and' | 'or'; items: Node[] } | { kind: 'not'; item: Node } | { kind: 'all' };

export class LogQueryError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1})`);
  }
}

type Token =
  | { type: '(' | ')' | 'AND' | 'OR' | 'NOT'; at: number }
  | { type: 'term'; term: Term; at: number };

const FIELD = /^[A-Za-z_@][A-Za-z0-9_.@-]*:/;
const OPERATORS: Record<string, 'AND' | 'OR' | 'NOT'> = { AND: 'AND', '&&': 'AND', OR: 'OR', '||': 'OR', NOT: 'NOT', '!': 'NOT' };

function readPhrase(text: string, start: number): { value: string; end: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) value += text[++i];
    else if (c === '"') return { value, end: i + 1 };
    else value += c;
  }
  throw new LogQueryError('unclosed quote', start);
}

function readWord(text: string, start: number): { value: string; end: number } {
  let i = start;
  while (i < text.length && !/[\s()"]/.test(text[i]!)) i++;
  return { value: text.slice(start, i), end: i };
}

function bound(raw: string, at: number): number | null {
  if (raw === '*') return null;
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw new LogQueryError(`"${raw}" is not a number`, at);
  return n;
}

function readFieldValue(text: string, field: string, start: number): { term: Term; end: number } {
  const c = text[start];
  if (c === '"') {
    const { value, end } = readPhrase(text, start);
    return { term: { kind: 'field', field, value, phrase: true }, end };
  }
  if (c === '[' || c === '{') {
    const close = text.slice(start).search(/[\]}]/);
    if (close < 0) throw new LogQueryError('unclosed range', start);
    const inner = text.slice(start + 1, start + close).trim();
    const parts = inner.split(/\s+TO\s+/);
    if (parts.length !== 2) throw new LogQueryError('a range is [low TO high]', start);
    const term: Term = {
      kind: 'range',
      field,
      low: bound(parts[0]!.trim(), start),
      high: bound(parts[1]!.trim(), start),
      lowInclusive: c === '[',
      highInclusive: text[start + close] === ']',
    };
    return { term, end: start + close + 1 };
  }
  const { value, end } = readWord(text, start);
  if (value === '') throw new LogQueryError(`no value after "${field}:"`, start);
  const compare = /^(>=|<=|>|<)(.*)$/.exec(value);
  if (compare) {
    return { term: { kind: 'compare', field, op: compare[1] as '>' | '>=' | '<' | '<=', value: bound(compare[2]!, start) ?? NaN }, end };
  }
  return { term: { kind: 'field', field, value, phrase: false }, end };
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c, at: i++ });
    } else if (c === '-' && i + 1 < text.length && !/[\s)]/.test(text[i + 1]!)) {
      tokens.push({ type: 'NOT', at: i++ });
    } else if (c === '"') {
      const { value, end } = readPhrase(text, i);
      tokens.push({ type: 'term', term: { kind: 'text', value }, at: i });
      i = end;
    } else {
      const field = FIELD.exec(text.slice(i));
      if (field) {
        const name = field[0].slice(0, -1);
        const { term, end } = readFieldValue(text, name, i + field[0].length);
        tokens.push({ type: 'term', term, at: i });
        i = end;
        continue;
      }
      const { value, end } = readWord(text, i);
      const op = OPERATORS[value];
      tokens.push(op ? { type: op, at: i } : { type: 'term', term: { kind: 'text', value }, at: i });
      i = end;
    }
  }
  return tokens;
}

/** or := and (OR and)* ; and := unary (AND? unary)* ; unary := NOT unary | '(' or ')' | term */
export function parseLogQuery(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];

  const unary = (): Node => {
    const t = tokens[pos];
    if (!t) throw new LogQueryError('the query ends where a term was expected', text.length);
    pos++;
    if (t.type === 'NOT') return { kind: 'not', item: unary() };
    if (t.type === '(') {
      const inner = or();
      if (peek()?.type !== ')') throw new LogQueryError('missing )', peek()?.at ?? text.length);
      pos++;
      return inner;
    }
    if (t.type === 'term') return t.term;
    throw new LogQueryError(`unexpected ${t.type}`, t.at);
  };
  const and = (): Node => {
    const items = [unary()];
    for (let t = peek(); t && t.type !== 'OR' && t.type !== ')'; t = peek()) {
      if (t.type === 'AND') pos++;
      items.push(unary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const or = (): Node => {
    const items = [and()];
    while (peek()?.type === 'OR') {
      pos++;
      items.push(and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };

  if (tokens.length === 0) return { kind: 'all' };
  const tree = or();
  if (pos < tokens.length) throw new LogQueryError(`unexpected ${tokens[pos]!.type}`, tokens[pos]!.at);
  return tree;
}
