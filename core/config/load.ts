import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type VigilConfig } from './schema.ts';

/** One problem with a configuration, located by its dotted path. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: VigilConfig } | { ok: false; problems: ConfigProblem[] };

/** Formats a zod path the way users write it: `alerts.receivers[2].webhook.url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function toProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

type Env = Record<string, string | undefined>;

/** Env overrides for the knobs users most often change without a file. */
function applyEnv(raw: Record<string, any>, env: Env): Record<string, any> {
  const out = structuredClone(raw);
  const section = (name: string) => (out[name] = typeof out[name] === 'object' && out[name] ? out[name] : {});
  if (env.VIGIL_DATA_DIR) out.data_dir = env.VIGIL_DATA_DIR;
  if (env.VIGIL_LOG_LEVEL) out.log_level = env.VIGIL_LOG_LEVEL;
  if (env.VIGIL_CLICKHOUSE_URL) {
    const store = section('store');
    store.kind = 'clickhouse';
    store.url = env.VIGIL_CLICKHOUSE_URL;
  }
  if (env.VIGIL_KAFKA_BROKERS) {
    const bus = section('bus');
    bus.kind = 'kafka';
    bus.kafka = { ...(bus.kafka ?? {}), brokers: env.VIGIL_KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) };
  }
  const port = (name: string, value: string | undefined, at: string[]) => {
    if (value === undefined) return;
    let target = out;
    for (const key of at.slice(0, -1)) target = target[key] = typeof target[key] === 'object' && target[key] ? target[key] : {};
    target[at.at(-1)!] = /^\d+$/.test(value) ? Number(value) : value;
  };
  port('VIGIL_OTLP_PORT', env.VIGIL_OTLP_PORT, ['collector', 'otlp', 'port']);
  port('VIGIL_HTTP_PORT', env.VIGIL_HTTP_PORT, ['api', 'port']);
  return out;
}

/** Validates an already-parsed config object (plus env overrides) against the schema. */
export function parseConfig(raw: unknown, env: Env = process.env): ConfigResult {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    return { ok: false, problems: [{ path: '(root)', message: 'expected a mapping of sections' }] };
  }
  const result = configSchema.safeParse(applyEnv((raw as Record<string, any>) ?? {}, env));
  return result.success ? { ok: true, config: result.data } : { ok: false, problems: toProblems(result.error) };
}

/** Reads YAML from `file` (optional: no file means embedded defaults) and validates it. */
export async function loadConfig(file: string | undefined, env: Env = process.env): Promise<ConfigResult> {
  if (!file) return parseConfig({}, env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: file, message: `cannot read config file: ${(err as Error).message}` }] };
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ path: file, message: `YAML: ${e.message.split('\n')[0]}` })) };
  }
  return parseConfig(doc.toJS(), env);
}
