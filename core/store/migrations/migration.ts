import type { SchemaOptions } from '../schema/render.ts';

/** One versioned schema change. Statements must be idempotent (IF NOT EXISTS…). */
export interface Migration {
  version: number;
  name: string;
  statements(options: SchemaOptions): string[];
}
