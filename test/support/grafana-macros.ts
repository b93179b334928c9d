/**
 * What Grafana and the grafana-clickhouse-datasource plugin do to a panel's SQL before it reaches
 * ClickHouse: template variables first (Grafana), then the plugin's macros, as its documentation
 * gives their expansions. Used to run every dashboard panel against the real schema.
 */
export interface PanelContext {
  fromMs: number;
  toMs: number;
  intervalSeconds: number;
  /** Variable name → selected values; `all` when "All" is selected. */
  variables: Record<string, { values: string[]; all: boolean }>;
}

/** `$__name(a, b)` calls with balanced parentheses; args split at top-level commas. */
function replaceCalls(sql: string, name: string, expand: (args: string[]) => string): string {
  let out = '';
  let i = 0;
  const token = `${name}(`;
  for (let at = sql.indexOf(token); at >= 0; at = sql.indexOf(token, i)) {
    out += sql.slice(i, at);
    let depth = 0;
    let j = at + token.length - 1;
    const args: string[] = [];
    let start = j + 1;
    for (; j < sql.length; j++) {
      const c = sql[j];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
      else if (c === ',' && depth === 1) {
        args.push(sql.slice(start, j).trim());
        start = j + 1;
      }
    }
    if (depth !== 0) throw new Error(`unbalanced ${name}( in ${sql}`);
    args.push(sql.slice(start, j).trim());
    out += expand(args);
    i = j + 1;
  }
  return out + sql.slice(i);
}

export function interpolateVariables(sql: string, ctx: PanelContext): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (match, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    if (name.startsWith('__')) return match;
    const v = ctx.variables[name];
    if (!v) throw new Error(`panel uses undefined variable $${name}`);
    if (format === 'singlequote') return v.values.map((x) => `'${x.replace(/'/g, "\\'")}'`).join(',');
    // An "All" selection in a condition's own variable reference ($__conditionalAll(…, $host)).
    return v.all ? '$__all' : v.values.join(',');
  });
}

export function expandMacros(sql: string, ctx: PanelContext): string {
  const from = Math.floor(ctx.fromMs / 1000);
  const to = Math.floor(ctx.toMs / 1000);
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  let out = replaceCalls(sql, '$__conditionalAll', ([condition, variable]) => (variable === '$__all' ? '1=1' : condition!));
  out = replaceCalls(out, '$__timeFilter_ms', ([c]) => `${c} >= fromUnixTimestamp64Milli(${ctx.fromMs}) AND ${c} <= fromUnixTimestamp64Milli(${ctx.toMs})`);
  out = replaceCalls(out, '$__timeFilter', ([c]) => `${c} >= toDateTime(${from}) AND ${c} <= toDateTime(${to})`);
  out = replaceCalls(out, '$__dateFilter', ([c]) => `${c} >= toDate('${date(ctx.fromMs)}') AND ${c} <= toDate('${date(ctx.toMs)}')`);
  out = replaceCalls(out, '$__timeInterval_ms', ([c]) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${ctx.intervalSeconds * 1000} millisecond)`);
  out = replaceCalls(out, '$__timeInterval', ([c]) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${ctx.intervalSeconds} second)`);
  out = out
    .replaceAll('$__fromTime_ms', `fromUnixTimestamp64Milli(${ctx.fromMs})`)
    .replaceAll('$__toTime_ms', `fromUnixTimestamp64Milli(${ctx.toMs})`)
    .replaceAll('$__fromTime', `toDateTime(${from})`)
    .replaceAll('$__toTime', `toDateTime(${to})`)
    .replaceAll('$__interval_ms', String(ctx.intervalSeconds * 1000))
    .replaceAll('$__interval_s', String(ctx.intervalSeconds));
  if (/\$__\w+/.test(out)) throw new Error(`macro left unexpanded: ${/\$__\w+/.exec(out)![0]}`);
  return out;
}

export const renderPanelSql = (sql: string, ctx: PanelContext) => expandMacros(interpolateVariables(sql, ctx), ctx);
