import { rollupStatements } from '../schema/rollups.ts';
import type { Migration } from './migration.ts';

export const rollupsMigration: Migration = {
  version: 2,
  name: 'per-minute rollups of logs and metrics',
  statements: rollupStatements,
};
