/**
 * What a token may do. `ingest`: send data (OTLP and other receivers). `read`: query, alerts,
 * rules, dashboards. `admin`: everything, including silences and hooks.
 */
export const ROLES = ['ingest', 'read', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** admin implies every role; the others grant only themselves. */
export function grants(held: readonly Role[], required: Role): boolean {
  return held.includes('admin') || held.includes(required);
}
