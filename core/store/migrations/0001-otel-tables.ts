import { otelTables } from '../schema/otel-tables.ts';
import { renderTable } from '../schema/render.ts';
import type { Migration } from './migration.ts';

export const otelTablesMigration: Migration = {
  version: 1,
  name: 'otel exporter tables',
  statements: (options) => otelTables.map((spec) => renderTable(options, spec)),
};
