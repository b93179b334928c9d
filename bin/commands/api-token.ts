import { grants, loadTokens, type Role } from '../../core/auth/index.ts';
import type { VigilConfig } from '../../core/config/index.ts';

/**
 * The bearer token the CLI sends to a running vigil: VIGIL_AUTH_TOKEN, else the first token in
 * the config that holds the role. Undefined when none is configured (an open loopback vigil).
 */
export function apiToken(config: VigilConfig | undefined, role: Role, env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.VIGIL_AUTH_TOKEN) return env.VIGIL_AUTH_TOKEN;
  if (!config) return undefined;
  return loadTokens(config.auth.tokens, {}).find((t) => grants(t.roles, role))?.secret;
}

/** Request headers for the API: JSON, plus the bearer token when there is one. */
export function apiHeaders(token: string | undefined): Record<string, string> {
  return token ? { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } : { 'Content-Type': 'application/json' };
}

/** What to tell the user when the API refused the CLI's credentials (not a 403 of the SQL sandbox). */
export function authHint(response: Response): string {
  const challenge = response.headers.get('www-authenticate') ?? '';
  if (response.status === 401) return ': set VIGIL_AUTH_TOKEN (or auth.tokens in the config given with --config)';
  if (response.status === 403 && challenge.includes('insufficient_scope')) return ': the token lacks the role this command needs';
  return '';
}
