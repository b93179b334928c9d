import type { Rule } from '../config/rule-schema.ts';

type ThresholdRule = Extract<Rule, { kind: 'threshold' }>;

/** A rule as one parameterized query for one evaluation time: rows of labels plus `value`. */
export interface CompiledQuery {
  sql: string;
  params: Record<string, unknown>;
  /** The label columns of the result (every other column but `value`). */
  labels: string[];
  /** sql rules run through the read-only guard: the query text is the user's. */
  userSql: boolean;
}

const OPS = new Set(['>', '>=', '<', '<=', '==', '!=']);
const quoteIdentifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** Builds SQL fragments with every user value bound as a query parameter, never spliced. */
class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;
  bind(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** A label read from point attributes first, then resource attributes, like the exporter columns. */
function labelExpression(label: string, attributes: string, params: Params, special: Record<string, string>): string {
  if (special[label]) return special[label]!;
  const key = params.bind(label, 'String');
  return `if(mapContains(${attributes}, ${key}), ${attributes}[${key}], ResourceAttributes[${key}])`;
}

function timeRange(column: string, fromMs: number, toMs: number, params: Params): string {
  return `${column} > fromUnixTimestamp64Milli(${params.bind(fromMs, 'Int64')}) AND ${column} <= fromUnixTimestamp64Milli(${params.bind(toMs, 'Int64')})`;
}

function having(rule: { op: string; value: number }, params: Params): string {
  if (!OPS.has(rule.op)) throw new Error(`unknown comparison ${rule.op}`);
  return `HAVING value ${rule.op === '==' ? '=' : rule.op} ${params.bind(rule.value, 'Float64')}`;
}

/**
 * Per-second rate of a counter per group: each series' increase over the window, then summed.
 * A cumulative series' increase adds its positive steps and, after a counter reset (a drop), the
 * value it restarted to, as Prometheus's increase() does (without extrapolating to the window
 * edges); a delta series' increase is the sum of its points. Series are told apart by their
 * resource and point attributes, so per-CPU or per-route counters are not mixed into one min/max.
 */
function compileRate(rule: ThresholdRule, labels: string[], where: string[], groupBy: string, params: Params): CompiledQuery {
  const seriesLabels = rule.group_by.map(quoteIdentifier);
  const points = 'arraySort(groupArray((TimeUnix, Value)))';
  const values = `arrayMap(p -> p.2, ${points})`;
  const cumulativeIncrease = `arraySum(arrayMap((d, v) -> if(d < 0, v, d), arrayDifference(${values}), ${values}))`;
  const sql = [
    `SELECT ${[...seriesLabels, `sum(increase) / ${params.bind(rule.window / 1000, 'Float64')} AS value`].join(', ')}`,
    'FROM (',
    `  SELECT ${[...labels, `if(any(AggregationTemporality) = 1, sum(Value), ${cumulativeIncrease}) AS increase`].join(', ')}`,
    `  FROM otel_metrics_${rule.metric_type}`,
    ...where.map((w) => `  ${w}`),
    `  GROUP BY ${['ResourceAttributes', 'Attributes', ...seriesLabels].join(', ')}`,
    ')',
    groupBy,
    having(rule, params),
  ].join('\n');
  return { sql, params: params.values, labels: rule.group_by, userSql: false };
}

export function compileRule(rule: Rule, nowMs: number): CompiledQuery {
  const params = new Params();
  switch (rule.kind) {
    case 'threshold': {
      const special = { 'service.name': 'ServiceName' };
      const labels = rule.group_by.map((l) => `${labelExpression(l, 'Attributes', params, special)} AS ${quoteIdentifier(l)}`);
      const filters = Object.entries(rule.where).map(
        ([k, v]) => `${labelExpression(k, 'Attributes', params, special)} = ${params.bind(v, 'String')}`,
      );
      const where = [
        `WHERE MetricName = ${params.bind(rule.metric, 'String')} AND ${timeRange('TimeUnix', nowMs - rule.window, nowMs, params)}`,
        ...filters.map((f) => `AND ${f}`),
      ];
      const groupBy = rule.group_by.length > 0 ? `GROUP BY ${rule.group_by.map(quoteIdentifier).join(', ')}` : '';
      if (rule.aggregation === 'rate') return compileRate(rule, labels, where, groupBy, params);
      const aggregate =
        rule.aggregation === 'quantile'
          ? // A parametric aggregate's level cannot be a query parameter; it is a number checked by the schema.
            `quantile(${Number(rule.quantile)})(Value)`
          : rule.aggregation === 'count'
            ? 'toFloat64(count())'
            : `${rule.aggregation}(Value)`;
      const sql = [`SELECT ${[...labels, `${aggregate} AS value`].join(', ')}`, `FROM otel_metrics_${rule.metric_type}`, ...where, groupBy, having(rule, params)].join('\n');
      return { sql, params: params.values, labels: rule.group_by, userSql: false };
    }
    case 'logs': {
      const special = { 'service.name': 'ServiceName', severity: 'SeverityText' };
      const labels = rule.group_by.map((l) => `${labelExpression(l, 'LogAttributes', params, special)} AS ${quoteIdentifier(l)}`);
      const measure = rule.measure === 'rate' ? `toFloat64(count()) / ${params.bind(rule.window / 1000, 'Float64')}` : 'toFloat64(count())';
      const sql = [
        `SELECT ${[...labels, `${measure} AS value`].join(', ')}`,
        'FROM otel_logs',
        `WHERE ${timeRange('Timestamp', nowMs - rule.window, nowMs, params)}`,
        rule.service ? `AND ServiceName = ${params.bind(rule.service, 'String')}` : '',
        rule.severity ? `AND SeverityText IN ${params.bind(rule.severity, 'Array(String)')}` : '',
        rule.body_contains ? `AND positionCaseInsensitive(Body, ${params.bind(rule.body_contains, 'String')}) > 0` : '',
        rule.group_by.length > 0 ? `GROUP BY ${rule.group_by.map(quoteIdentifier).join(', ')}` : '',
        having(rule, params),
      ].join('\n');
      return { sql, params: params.values, labels: rule.group_by, userSql: false };
    }
    case 'absent': {
      // Sources seen within the lookback whose newest point is older than the window: silent,
      // not never-seen. The value is how many seconds ago the source was last heard from.
      const by = labelExpression(rule.by, 'Attributes', params, { 'service.name': 'ServiceName' });
      const now = params.bind(nowMs, 'Int64');
      const sql = [
        `SELECT ${by} AS ${quoteIdentifier(rule.by)}, dateDiff('millisecond', max(TimeUnix), fromUnixTimestamp64Milli(${now})) / 1000 AS value`,
        `FROM otel_metrics_${rule.metric_type}`,
        `WHERE MetricName = ${params.bind(rule.metric, 'String')} AND ${timeRange('TimeUnix', nowMs - rule.lookback, nowMs, params)}`,
        `GROUP BY ${quoteIdentifier(rule.by)}`,
        `HAVING max(TimeUnix) <= fromUnixTimestamp64Milli(${params.bind(nowMs - rule.window, 'Int64')})`,
      ].join('\n');
      return { sql, params: params.values, labels: [rule.by], userSql: false };
    }
    case 'sql':
      // A Unix timestamp, not a date-time text: text would be read in the server's time zone.
      return { sql: rule.query, params: rule.query.includes('{now:') ? { now: (nowMs / 1000).toFixed(3) } : {}, labels: [], userSql: true };
  }
}
