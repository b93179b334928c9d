/** How DDL is rendered: on one node, or ON CLUSTER with Replicated engines. */
export interface SchemaOptions {
  database: string;
  cluster?: string;
  ttlDays: number;
  /** Inserts retried with the same insert_deduplication_token within this many blocks are dropped. */
  dedupWindow?: number;
}

export interface TableSpec {
  name: string;
  columns: string;
  engine: 'MergeTree' | 'AggregatingMergeTree' | 'ReplacingMergeTree';
  /** Arguments of the engine (e.g. the version column of a ReplacingMergeTree). */
  engineArgs?: string;
  /** PARTITION BY / PRIMARY KEY / ORDER BY clauses. */
  keys: string;
  /** TTL expression without the TTL keyword; the retention comes from options. */
  ttl?: (days: number) => string;
  settings?: string;
}

const quote = (identifier: string) => `\`${identifier.replace(/`/g, '``')}\``;

export function qualified(options: SchemaOptions, name: string): string {
  return `${quote(options.database)}.${quote(name)}`;
}

function onCluster(options: SchemaOptions): string {
  return options.cluster ? ` ON CLUSTER ${quote(options.cluster)}` : '';
}

/**
 * Every table gets a dedup window: a replayed insert with the same token must not be counted
 * twice, and chDB double-counts materialized-view targets that lack it (FIELD-NOTES).
 */
export function renderTable(options: SchemaOptions, spec: TableSpec): string {
  const window = options.dedupWindow ?? 1000;
  const engine = options.cluster ? `Replicated${spec.engine}` : spec.engine;
  const dedup = options.cluster ? `replicated_deduplication_window = ${window}` : `non_replicated_deduplication_window = ${window}`;
  const settings = [spec.settings, dedup].filter(Boolean).join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(options, spec.name)}${onCluster(options)} (${spec.columns})`,
    `ENGINE = ${engine}(${spec.engineArgs ?? ''})`,
    spec.keys,
    spec.ttl ? `TTL ${spec.ttl(options.ttlDays)}` : '',
    `SETTINGS ${settings}`,
  ]
    .filter(Boolean)
    .join('\n');
}

export function renderMaterializedView(options: SchemaOptions, name: string, target: string, select: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualified(options, name)}${onCluster(options)} TO ${qualified(options, target)} AS ${select}`;
}
