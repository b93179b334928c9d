import { otelLogs2026Columns } from '../schema/otel-logs-2026.ts';
import { qualified } from '../schema/render.ts';
import type { Migration } from './migration.ts';

// Adding columns is a metadata change: old parts read EventName as '' and compute the
// materialized columns from ResourceAttributes on read, so no data is rewritten. Only the new
// exporter's ORDER BY cannot be had in place (see schema/otel-logs-2026.ts).
export const otelLogsEventNameMigration: Migration = {
  version: 8,
  name: 'otel_logs: EventName and materialized resource columns (exporter 2026 schema)',
  statements: (options) => {
    const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
    return otelLogs2026Columns.map(
      (column) => `ALTER TABLE ${qualified(options, 'otel_logs')}${onCluster} ADD COLUMN IF NOT EXISTS ${column}`,
    );
  },
};
