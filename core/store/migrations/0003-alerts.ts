import { renderTable, type TableSpec } from '../schema/render.ts';
import type { Migration } from './migration.ts';

/** Current alert instances: one row per (group, rule, fingerprint), newest version wins. */
const alertState: TableSpec = {
  name: 'vigil_alert_state',
  engine: 'ReplacingMergeTree',
  engineArgs: 'updated_at',
  columns: `
  group_name LowCardinality(String),
  rule LowCardinality(String),
  fingerprint String,
  labels Map(LowCardinality(String), String),
  annotations Map(LowCardinality(String), String),
  state LowCardinality(String),
  value Float64,
  active_at DateTime64(9),
  fired_at DateTime64(9),
  last_active_at DateTime64(9),
  updated_at DateTime64(9),
  deleted UInt8`,
  keys: 'ORDER BY (group_name, rule, fingerprint)',
};

/** Every alert state transition, queryable with SQL. */
const alertHistory: TableSpec = {
  name: 'vigil_alerts',
  engine: 'MergeTree',
  columns: `
  at DateTime64(9),
  group_name LowCardinality(String),
  rule LowCardinality(String),
  fingerprint String,
  labels Map(LowCardinality(String), String),
  annotations Map(LowCardinality(String), String),
  from_state LowCardinality(String),
  to_state LowCardinality(String),
  value Float64,
  active_at DateTime64(9),
  fired_at DateTime64(9),
  resolved_at DateTime64(9)`,
  keys: 'PARTITION BY toYYYYMM(at)\nORDER BY (rule, at)',
  ttl: (days) => `toDateTime(at) + toIntervalDay(${Math.max(days, 90)})`,
};

export const alertsMigration: Migration = {
  version: 3,
  name: 'alert state and history',
  statements: (options) => [renderTable(options, alertState), renderTable(options, alertHistory)],
};
