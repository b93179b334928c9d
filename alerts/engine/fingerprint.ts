import { createHash } from 'node:crypto';

/** Identity of an alert instance: a hash of its sorted label set, as Alertmanager computes one. */
export function fingerprint(labels: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key]}\u0000`);
  return hash.digest('hex').slice(0, 16);
}
