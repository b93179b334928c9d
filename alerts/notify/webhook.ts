import { withRetry } from '../../core/retry/index.ts';
import type { WebhookConfig } from '../dispatch/notification-config.ts';
import { commonLabels, type GroupMessage, type Integration } from '../dispatch/group-message.ts';
import { displayUrl } from './display-url.ts';
import { signatureHeaders } from './webhook-signature.ts';

/** A failed delivery; retryable for network errors, 5xx and 429 (Alertmanager's rule). */
class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alertmanager's webhook payload, version "4", so tools that read Alertmanager webhooks read vigil's. */
export function webhookPayload(message: GroupMessage, maxAlerts: number) {
  const alerts = maxAlerts > 0 ? message.alerts.slice(0, maxAlerts) : message.alerts;
  return {
    version: '4',
    groupKey: message.groupKey,
    truncatedAlerts: message.alerts.length - alerts.length,
    status: message.status,
    receiver: message.receiver,
    groupLabels: message.groupLabels,
    commonLabels: commonLabels(message.alerts.map((a) => a.labels)),
    commonAnnotations: commonLabels(message.alerts.map((a) => a.annotations)),
    externalURL: message.externalURL,
    alerts: alerts.map((a) => ({
      status: a.endsAt === undefined ? 'firing' : 'resolved',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.endsAt === undefined ? ZERO_TIME : new Date(a.endsAt).toISOString(),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
  };
}

export class WebhookIntegration implements Integration {
  readonly name = 'webhook';
  readonly sendResolved: boolean;

  constructor(
    private readonly config: WebhookConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.sendResolved = config.send_resolved;
  }

  async notify(message: GroupMessage): Promise<void> {
    const body = JSON.stringify(webhookPayload(message, this.config.max_alerts));
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'vigil', ...this.config.headers };
    const secret = this.config.hmac_secret;
    // Signed per attempt: a retry after a long backoff carries a fresh timestamp, not a stale one.
    const attempt = () => this.post(body, secret ? { ...headers, ...signatureHeaders(secret, body, this.now()) } : headers);
    await withRetry(attempt, {
      maxElapsedMs: this.config.max_retry_time,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      isRetryable: (e) => e instanceof DeliveryError && e.retryable,
      retryAfterMs: (e) => (e instanceof DeliveryError ? e.retryAfterMs : undefined),
    });
  }

  private async post(body: string, headers: Record<string, string>): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.config.url, { method: 'POST', body, headers, signal: AbortSignal.timeout(this.config.timeout) });
    } catch (err) {
      // fetch's message can quote the URL; the cause's code says enough (ECONNREFUSED, timeout…).
      throw new DeliveryError(`webhook ${displayUrl(this.config.url)}: ${failureReason(err)}`, true);
    }
    await response.arrayBuffer().catch(() => {});
    if (response.ok) return;
    const retryable = response.status >= 500 || response.status === 429;
    const after = Number(response.headers.get('retry-after'));
    throw new DeliveryError(`webhook ${displayUrl(this.config.url)} answered ${response.status}`, retryable, Number.isFinite(after) && after > 0 ? after * 1000 : undefined);
  }
}

function failureReason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return e.cause?.code ?? e.name ?? 'request failed';
}
