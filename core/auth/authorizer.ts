import { createHash, timingSafeEqual } from 'node:crypto';
import { grants, type Role } from './roles.ts';
import type { Token } from './token-set.ts';

/** Outcome of checking one request: who it is, or the HTTP status to refuse it with. */
export type AuthResult =
  | { status: 'ok'; name?: string }
  | { status: 401; message: string }
  | { status: 403; message: string; name: string };

export interface Authorizer {
  /** False when no token is configured: every request is anonymous and allowed. */
  readonly enabled: boolean;
  /** Checks an `Authorization` header value (or gRPC `authorization` metadata) for a role. */
  authorize(authorization: string | undefined, required: Role): AuthResult;
}

/** The challenge sent with a 401/403 (RFC 6750). */
export function wwwAuthenticate(result: AuthResult): string {
  return result.status === 403 ? 'Bearer realm="vigil", error="insufficient_scope"' : 'Bearer realm="vigil"';
}

// Comparing fixed-length digests keeps timingSafeEqual usable whatever the lengths, so neither
// the length nor a common prefix of a guess shows in the response time.
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Checks bearer tokens against the configured set in constant time. */
export function createAuthorizer(tokens: readonly Token[]): Authorizer {
  const known = tokens.map((t) => ({ name: t.name, roles: t.roles, digest: digest(t.secret) }));
  return {
    enabled: known.length > 0,
    authorize(authorization, required) {
      if (known.length === 0) return { status: 'ok' };
      const presented = bearer(authorization);
      if (presented === undefined) return { status: 401, message: 'authentication required: send "Authorization: Bearer <token>"' };
      const candidate = digest(presented);
      let match: (typeof known)[number] | undefined;
      // Every token is compared, even after a match, so the time taken does not say which one.
      for (const token of known) {
        if (timingSafeEqual(candidate, token.digest) && !match) match = token;
      }
      if (!match) return { status: 401, message: 'invalid token' };
      if (!grants(match.roles, required)) return { status: 403, message: `token "${match.name}" lacks the "${required}" role`, name: match.name };
      return { status: 'ok', name: match.name };
    },
  };
}

/** The token of a `Bearer <token>` header, or undefined for anything else. */
export function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(authorization ?? '');
  return match?.[1];
}
