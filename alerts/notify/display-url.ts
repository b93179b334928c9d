/**
 * A URL as it may be shown in logs, status and the notification log: scheme and host only.
 * Webhook URLs often carry their secret in the path (Slack, Teams) or the query (API keys).
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '<invalid url>';
  }
}
