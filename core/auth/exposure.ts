import { isIP } from 'node:net';

/** True for names and addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isLoopback(h.slice('::ffff:'.length));
  return h === '::1';
}

export class ExposureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExposureError';
  }
}

/**
 * Refuses to expose a listener beyond loopback without authentication: anyone on the network
 * could otherwise read every log line or silence every alert. `auth.allow_anonymous: true` says
 * the operator protects the port some other way (a firewall, a proxy that authenticates).
 */
export function assertExposureAllowed(listener: { name: string; setting: string; host: string }, auth: { enabled: boolean; allowAnonymous: boolean }): void {
  if (auth.enabled || auth.allowAnonymous || isLoopback(listener.host)) return;
  throw new ExposureError(
    `${listener.name} listener on ${listener.host} (${listener.setting}) is reachable beyond this machine but no auth token is configured: ` +
      'set auth.tokens (or VIGIL_AUTH_TOKEN), bind it to 127.0.0.1, or set auth.allow_anonymous: true',
  );
}
