import { renderTable, type TableSpec } from '../schema/render.ts';
import type { Migration } from './migration.ts';

/**
 * Failover hook runs: the idempotency record written before an action and its audit row after,
 * one key per incident (hook + fingerprint + startsAt [+ resolved]); the highest version wins,
 * and a decided outcome always outranks `running`. Read with FINAL.
 */
const hookRuns: TableSpec = {
  name: 'vigil_hook_runs',
  engine: 'ReplacingMergeTree',
  engineArgs: 'version',
  columns: `
  key String,
  hook LowCardinality(String),
  receiver LowCardinality(String),
  fingerprint String,
  alert_status LowCardinality(String),
  labels Map(LowCardinality(String), String),
  starts_at DateTime64(9),
  started DateTime64(9),
  ended DateTime64(9),
  outcome LowCardinality(String),
  exit_code Int32,
  stdout String,
  stderr String,
  error String,
  attempt UInt32,
  instance String,
  version UInt64`,
  keys: 'ORDER BY key',
  ttl: (days) => `toDateTime(started) + toIntervalDay(${Math.max(days, 90)})`,
};

export const hookRunsMigration: Migration = {
  version: 5,
  name: 'failover hook runs',
  statements: (options) => [renderTable(options, hookRuns)],
};
