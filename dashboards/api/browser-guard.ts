import { hostname, networkInterfaces } from 'node:os';
import type { RequestHandler } from 'express';
import { isOpenPath } from './required-role.ts';

/**
 * Defences against a web page the user has open acting on a vigil it can reach (localhost, an
 * intranet host). Browsers send cross-site POSTs without a preflight only with a form or
 * text/plain body and no Authorization header; DNS rebinding reaches us with the attacker's name
 * in the Host header. So: unsafe methods need a JSON body or a bearer header, the Host must be
 * one of ours, and CORS is granted only to configured origins.
 */

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);
const UNSAFE_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Host names (no port) the API answers to: loopback, the bind address, configured names. */
export function allowedHostNames(bindHost: string, configured: readonly string[]): Set<string> | 'any' {
  if (configured.includes('*')) return 'any';
  const names = new Set(['localhost', '127.0.0.1', '::1', ...configured.map((h) => h.toLowerCase()), bindHost.toLowerCase()]);
  if (WILDCARD_BINDS.has(bindHost)) {
    // Bound everywhere: this machine's own name and addresses are ours too.
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

/** The host name of a Host header: `[::1]:8080` → `::1`, `example.com:80` → `example.com`. */
export function hostNameOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function hostGuard(allowed: Set<string> | 'any'): RequestHandler {
  return (req, res, next) => {
    if (allowed === 'any' || isOpenPath(req.path)) return next();
    const host = hostNameOf(req.headers.host ?? '');
    if (allowed.has(host)) return next();
    res.status(403).json({ error: `Host "${host}" is not one of this API's names: add it to api.allowed_hosts` });
  };
}

/** CORS for configured origins only; other origins get no CORS headers (the browser blocks them). */
export function corsGuard(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/**
 * Unsafe methods must carry a JSON body or a bearer header (neither can be sent cross-site
 * without a preflight that we do not grant), and a browser's Origin, when sent, must be ours or
 * a configured CORS origin.
 */
export function crossSiteGuard(corsOrigins: readonly string[]): RequestHandler {
  const cors = new Set(corsOrigins.map((o) => new URL(o).origin));
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const origin = req.headers.origin;
    if (origin !== undefined && !cors.has(origin) && originHost(origin) !== (req.headers.host ?? '').toLowerCase()) {
      res.status(403).json({ error: `cross-origin request from ${origin} refused: add it to api.cors_origins` });
      return;
    }
    if (!UNSAFE_WITH_BODY.has(req.method)) return next();
    const hasBearer = /^Bearer\s/i.test(req.headers.authorization ?? '');
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (hasBearer || contentType === 'application/json') return next();
    res.status(415).json({
      error: `Content-Type "${contentType || '(none)'}" refused: send application/json, or an Authorization: Bearer header (browsers cannot send either cross-site)`,
    });
  };
}

/** host[:port] of an Origin header; '' for "null" (sandboxed frames, file://) and garbage. */
function originHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}
