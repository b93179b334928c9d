import { renderTable, type TableSpec } from '../schema/render.ts';
import type { Migration } from './migration.ts';

/** Every notification attempt: what was sent to which receiver for which group. */
const notifications: TableSpec = {
  name: 'vigil_notifications',
  engine: 'MergeTree',
  columns: `
  sent_at DateTime64(9),
  receiver LowCardinality(String),
  group_key String,
  alerts_hash String,
  status LowCardinality(String),
  firing Array(String),
  resolved Array(String),
  error String`,
  keys: 'PARTITION BY toYYYYMM(sent_at)\nORDER BY (receiver, group_key, sent_at)',
  ttl: (days) => `toDateTime(sent_at) + toIntervalDay(${Math.max(days, 90)})`,
};

/** Silences, newest version per id; expired ones stay for history. */
const silences: TableSpec = {
  name: 'vigil_silences',
  engine: 'ReplacingMergeTree',
  engineArgs: 'updated_at',
  columns: `
  id String,
  matchers Array(String),
  starts_at DateTime64(9),
  ends_at DateTime64(9),
  created_by String,
  comment String,
  updated_at DateTime64(9)`,
  keys: 'ORDER BY id',
};

export const notificationsMigration: Migration = {
  version: 4,
  name: 'notification log and silences',
  statements: (options) => [renderTable(options, notifications), renderTable(options, silences)],
};
