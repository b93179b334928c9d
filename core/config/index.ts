export { configSchema } from './schema.ts';
export type { VigilConfig, ConfigInput } from './schema.ts';
export { loadConfig, parseConfig, formatPath } from './load.ts';
export type { ConfigProblem, ConfigResult } from './load.ts';
export { redactConfig } from './redact.ts';
export { duration, parseDuration } from './duration.ts';
