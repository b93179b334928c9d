import { readFileSync } from 'node:fs';
import { ROLES, type Role } from './roles.ts';

/** A token as configured: `auth.tokens[i]`, the secret given inline or in a file. */
export interface TokenConfig {
  name: string;
  token?: string;
  token_file?: string;
  roles: Role[];
}

/** A token ready to compare against: its secret is in memory, never logged. */
export interface Token {
  name: string;
  secret: string;
  roles: readonly Role[];
}

/** Shorter secrets are guessable; the same bound applies to files and VIGIL_AUTH_TOKEN. */
export const MIN_TOKEN_LENGTH = 16;

export class TokenConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'TokenConfigError';
  }
}

/**
 * Resolves `auth.tokens` (reading each `token_file`) plus `VIGIL_AUTH_TOKEN`, which adds one
 * token named "env" with every role. Throws TokenConfigError naming the config path; the error
 * never contains a secret. Synchronous: it runs once, while a process is being assembled.
 */
export function loadTokens(configured: readonly TokenConfig[], env: Record<string, string | undefined> = process.env): Token[] {
  const tokens: Token[] = [];
  for (const [i, entry] of configured.entries()) {
    const path = `auth.tokens[${i}]`;
    let secret = entry.token;
    if (entry.token_file !== undefined) {
      try {
        // A trailing newline is what editors and `echo` leave; it is never part of the secret.
        secret = readFileSync(entry.token_file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new TokenConfigError(`${path}.token_file`, `cannot read ${entry.token_file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    tokens.push(checked(secret ?? '', entry.name, entry.roles, entry.token_file !== undefined ? `${path}.token_file` : `${path}.token`));
  }
  const fromEnv = env.VIGIL_AUTH_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') tokens.push(checked(fromEnv, 'env', [...ROLES], 'VIGIL_AUTH_TOKEN'));
  return tokens;
}

function checked(secret: string, name: string, roles: Role[], path: string): Token {
  if (secret.length < MIN_TOKEN_LENGTH) throw new TokenConfigError(path, `token must be at least ${MIN_TOKEN_LENGTH} characters`);
  // Header values cannot carry these, so such a token could never match.
  if (!/^[\x21-\x7e]+$/.test(secret)) throw new TokenConfigError(path, 'token must be printable ASCII without spaces');
  return { name, secret, roles };
}
