import type { Request } from 'express';
import type { Role } from '../../core/auth/index.ts';

/** Open to anyone, so load balancers and orchestrators can probe without a token. */
const OPEN = new Set(['/healthz', '/readyz']);
/** POSTs that only read (they change nothing). Every other POST, PUT, PATCH, DELETE needs admin. */
const READ_POSTS = new Set(['/api/v1/query']);
/** GETs that show more than a reader needs (hook commands, their environment and runs). */
const ADMIN_GET_PREFIXES = ['/api/v1/hooks'];

/**
 * The role each API request needs: an allow-list, so an endpoint someone adds later needs
 * admin until it is listed here.
 */
export function requiredRole(req: Request): Role | null {
  const path = req.path;
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (OPEN.has(path)) return null;
    return ADMIN_GET_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`)) ? 'admin' : 'read';
  }
  if (req.method === 'POST' && READ_POSTS.has(path)) return 'read';
  return 'admin';
}

export function isOpenPath(path: string): boolean {
  return OPEN.has(path);
}
