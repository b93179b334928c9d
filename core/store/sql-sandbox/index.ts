export { SqlSandbox, type QueryRunner } from './sql-sandbox.ts';
export { SandboxRefusal, type RefusedKind } from './sandbox-refusal.ts';
export { limitSettings, settingsClause } from './limit-settings.ts';
export { SCALAR_FUNCTIONS, AGGREGATE_FUNCTIONS, AGGREGATE_COMBINATORS } from './allowed-functions.ts';
export { SYSTEM_TABLES, TABLE_FUNCTIONS } from './allowed-tables.ts';
