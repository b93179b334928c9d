import type { VigilConfig } from './schema.ts';

const SECRET_KEYS = /password|secret|token|api_key|private_key|credentials/i;

/** A copy of the config safe to print: secret values and credentials in URLs are masked. */
export function redactConfig(config: VigilConfig): unknown {
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    // token_file, password_file…: where the secret is, which the operator needs to see.
    if (typeof value === 'string' && value !== '' && SECRET_KEYS.test(key) && !key.endsWith('_file')) return '<redacted>';
    if (typeof value === 'string' && /^[a-z]+:\/\/[^/@\s]*:[^/@\s]*@/i.test(value)) {
      return value.replace(/\/\/([^/:@\s]*):[^/@\s]*@/, '//$1:<redacted>@');
    }
    return value;
  };
  return walk(config, '');
}
