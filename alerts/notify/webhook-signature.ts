import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signing, as Stripe and Slack do it: the HMAC covers the send time and the body, so a
 * captured delivery cannot be replayed later with the same signature. Headers:
 *   X-Vigil-Timestamp: <Unix seconds>
 *   X-Vigil-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 */
export function signatureHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { 'X-Vigil-Timestamp': timestamp, 'X-Vigil-Signature': `sha256=${sign(secret, timestamp, body)}` };
}

function sign(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export type SignatureCheck = 'ok' | 'bad_signature' | 'stale';

/**
 * What a receiver does (also the README's reference): recompute the HMAC over the raw body,
 * compare in constant time, and refuse timestamps outside the tolerance. Remembering the
 * signatures seen within the window also refuses a replay inside it.
 */
export function verifySignature(secret: string, headers: { timestamp?: string; signature?: string }, body: string, nowMs: number, toleranceMs = 5 * 60_000): SignatureCheck {
  const { timestamp = '', signature = '' } = headers;
  if (!/^\d+$/.test(timestamp)) return 'bad_signature';
  const expected = Buffer.from(`sha256=${sign(secret, timestamp, body)}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  return Math.abs(nowMs - Number(timestamp) * 1000) > toleranceMs ? 'stale' : 'ok';
}
