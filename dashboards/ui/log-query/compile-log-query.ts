import { parseLogQuery, type Node, type Term } from './parse-log-query.ts';

/**
 * Compiles a log search to a WHERE clause over otel_logs. What the user typed only ever reaches
 * the engine as a bound parameter ({qN:String}); the SQL text is built from the fixed pieces
 * below, and a field name becomes a column only when it is on the COLUMNS allow-list (any other
 * name is a map key, bound as a parameter too).
 */

export interface CompiledLogQuery {
  where: string;
  params: Record<string, string | number>;
}

type Column = { sql: string; type: 'string' | 'number' | 'lower' | 'contains' };

/** Search names for otel_logs' top-level columns (matched case-insensitively). */
const COLUMNS: Record<string, Column> = {
  level: { sql: 'SeverityText', type: 'lower' },
  severity: { sql: 'SeverityText', type: 'lower' },
  severitytext: { sql: 'SeverityText', type: 'lower' },
  severity_number: { sql: 'SeverityNumber', type: 'number' },
  severitynumber: { sql: 'SeverityNumber', type: 'number' },
  service: { sql: 'ServiceName', type: 'string' },
  'service.name': { sql: 'ServiceName', type: 'string' },
  servicename: { sql: 'ServiceName', type: 'string' },
  body: { sql: 'Body', type: 'contains' },
  message: { sql: 'Body', type: 'contains' },
  trace_id: { sql: 'TraceId', type: 'lower' },
  traceid: { sql: 'TraceId', type: 'lower' },
  span_id: { sql: 'SpanId', type: 'lower' },
  spanid: { sql: 'SpanId', type: 'lower' },
  scope: { sql: 'ScopeName', type: 'string' },
  scopename: { sql: 'ScopeName', type: 'string' },
  event: { sql: 'EventName', type: 'string' },
  eventname: { sql: 'EventName', type: 'string' },
  host: { sql: "ResourceAttributes['host.name']", type: 'string' },
};

/** `attributes.x` searches only the record's attributes, `resource.x` only the resource's. */
const MAP_PREFIXES: Array<[string, string[]]> = [
  ['attributes.', ['LogAttributes']],
  ['attr.', ['LogAttributes']],
  ['resource.', ['ResourceAttributes']],
];

const likePattern = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');

export function compileLogQuery(text: string, prefix = 'q'): CompiledLogQuery {
  const params: Record<string, string | number> = {};
  let n = 0;
  // Numbers travel as text too and are converted in SQL: every parameter is a String, which
  // the SQL sandbox sees as a plain literal (other types appear as an internal cast).
  const bind = (value: string | number, type: 'String' | 'Float64') => {
    const name = `${prefix}${n++}`;
    params[name] = type === 'String' ? value : String(value);
    return type === 'String' ? `{${name}:String}` : `toFloat64({${name}:String})`;
  };

  /** The expressions a field name stands for: one column, or the attribute maps that may hold it. */
  const targets = (field: string): Array<{ expr: string; type: Column['type'] }> => {
    const column = COLUMNS[field.toLowerCase()];
    if (column) return [{ expr: column.sql, type: column.type }];
    for (const [p, maps] of MAP_PREFIXES) {
      if (field.startsWith(p)) {
        const key = bind(field.slice(p.length), 'String');
        return maps.map((m) => ({ expr: `${m}[${key}]`, type: 'string' as const }));
      }
    }
    const key = bind(field, 'String');
    return ['LogAttributes', 'ResourceAttributes'].map((m) => ({ expr: `${m}[${key}]`, type: 'string' as const }));
  };

  const anyOf = (parts: string[]) => (parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`);
  const numeric = (t: { expr: string; type: Column['type'] }) => (t.type === 'number' ? t.expr : `toFloat64OrNull(${t.expr})`);

  const term = (t: Term): string => {
    switch (t.kind) {
      case 'text':
        return `positionCaseInsensitive(Body, ${bind(t.value, 'String')}) > 0`;
      case 'field': {
        const exists = t.value === '*' && !t.phrase;
        const wildcard = !t.phrase && t.value.includes('*');
        return anyOf(
          targets(t.field).map((target) => {
            if (exists) return target.type === 'number' ? 'true' : `${target.expr} != ''`;
            if (target.type === 'number') {
              const v = Number(t.value);
              return Number.isFinite(v) ? `${target.expr} = ${bind(v, 'Float64')}` : 'false';
            }
            if (target.type === 'contains') return `positionCaseInsensitive(${target.expr}, ${bind(t.value, 'String')}) > 0`;
            const lower = target.type === 'lower';
            const expr = lower ? `lower(${target.expr})` : target.expr;
            const value = lower ? t.value.toLowerCase() : t.value;
            return wildcard ? `${expr} LIKE ${bind(likePattern(value), 'String')}` : `${expr} = ${bind(value, 'String')}`;
          }),
        );
      }
      case 'compare':
        return anyOf(targets(t.field).map((target) => `${numeric(target)} ${t.op} ${bind(t.value, 'Float64')}`));
      case 'range':
        return anyOf(
          targets(t.field).map((target) => {
            const parts: string[] = [];
            if (t.low !== null) parts.push(`${numeric(target)} ${t.lowInclusive ? '>=' : '>'} ${bind(t.low, 'Float64')}`);
            if (t.high !== null) parts.push(`${numeric(target)} ${t.highInclusive ? '<=' : '<'} ${bind(t.high, 'Float64')}`);
            return parts.length === 0 ? 'true' : `(${parts.join(' AND ')})`;
          }),
        );
    }
  };

  const node = (x: Node): string => {
    switch (x.kind) {
      case 'all':
        return 'true';
      case 'and':
        return `(${x.items.map(node).join(' AND ')})`;
      case 'or':
        return `(${x.items.map(node).join(' OR ')})`;
      case 'not':
        return `NOT (${node(x.item)})`;
      default:
        return term(x);
    }
  };

  return { where: node(parseLogQuery(text)), params };
}
