import { otelTablesMigration } from './0001-otel-tables.ts';
import { rollupsMigration } from './0002-rollups.ts';
import { alertsMigration } from './0003-alerts.ts';
import { notificationsMigration } from './0004-notifications.ts';
import { hookRunsMigration } from './0005-hook-runs.ts';
import { otelLogsEventNameMigration } from './0008-otel-logs-event-name.ts';
import type { Migration } from './migration.ts';

export type { Migration };

/** Every migration, in version order. New ones are appended; applied ones never change. */
export const migrations: Migration[] = [otelTablesMigration, rollupsMigration, alertsMigration, notificationsMigration, hookRunsMigration, otelLogsEventNameMigration];
