import type { Request, RequestHandler } from 'express';
import type { Authorizer } from './authorizer.ts';
import { wwwAuthenticate } from './authorizer.ts';
import type { Role } from './roles.ts';

/** Which role a request needs; `null` for endpoints open to anyone (health checks). */
export type RoleFor = (req: Request) => Role | null;

/**
 * Express middleware: 401 with a Bearer challenge when the token is missing or unknown, 403
 * when it lacks the role. The token's name (never its value) goes to `res.locals.principal`.
 */
export function requireRole(authorizer: Authorizer, roleFor: RoleFor): RequestHandler {
  return (req, res, next) => {
    const role = roleFor(req);
    if (role === null) return next();
    const result = authorizer.authorize(req.headers.authorization, role);
    if (result.status === 'ok') {
      res.locals.principal = result.name;
      return next();
    }
    res.setHeader('WWW-Authenticate', wwwAuthenticate(result));
    res.status(result.status).json({ error: result.message });
  };
}
