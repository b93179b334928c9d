import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailConfig } from '../dispatch/notification-config.ts';
import { commonLabels, type GroupMessage, type Integration } from '../dispatch/group-message.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** Subject placeholders, Alertmanager-flavoured: {{ .Status }}, {{ .GroupLabels }}, {{ .Count }}, {{ .CommonLabels.x }}. */
export function renderSubject(template: string, message: GroupMessage): string {
  const common = commonLabels(message.alerts.map((a) => a.labels));
  return template.replace(/\{\{\s*\.(\w+)(?:\.([\w.]+))?\s*\}\}/g, (_, field: string, key?: string) => {
    if (field === 'Status') return message.status.toUpperCase() + (message.status === 'firing' ? `:${message.alerts.filter((a) => a.endsAt === undefined).length}` : '');
    if (field === 'GroupLabels') return key ? (message.groupLabels[key] ?? '') : labelText(message.groupLabels);
    if (field === 'CommonLabels') return key ? (common[key] ?? '') : labelText(common);
    if (field === 'Count') return String(message.alerts.length);
    if (field === 'Receiver') return message.receiver;
    return '';
  });
}

export function renderBodies(message: GroupMessage): { text: string; html: string } {
  const lines: string[] = [];
  const rows: string[] = [];
  for (const a of message.alerts) {
    const status = a.endsAt === undefined ? 'FIRING' : 'RESOLVED';
    lines.push(`[${status}] ${labelText(a.labels)}`, ...Object.entries(a.annotations).map(([k, v]) => `  ${k}: ${v}`), `  since: ${new Date(a.startsAt).toISOString()}`, `  source: ${a.generatorURL}`, '');
    rows.push(
      `<tr><td><b>${status}</b></td><td>${escape(labelText(a.labels))}</td><td>${Object.entries(a.annotations)
        .map(([k, v]) => `<b>${escape(k)}</b>: ${escape(v)}`)
        .join('<br>')}</td><td>${new Date(a.startsAt).toISOString()}</td><td><a href="${escape(a.generatorURL)}">source</a></td></tr>`,
    );
  }
  const text = `${message.alerts.length} alert(s) for ${labelText(message.groupLabels) || 'all'}\n\n${lines.join('\n')}\nvigil: ${message.externalURL}\n`;
  const html = `<p>${message.alerts.length} alert(s) for <b>${escape(labelText(message.groupLabels) || 'all')}</b></p><table border="1" cellpadding="4"><tr><th>status</th><th>labels</th><th>annotations</th><th>since</th><th></th></tr>${rows.join('')}</table><p><a href="${escape(message.externalURL)}">vigil</a></p>`;
  return { text, html };
}

/** Email over SMTP with nodemailer: STARTTLS or TLS, optional auth, HTML and plain text. */
export class EmailIntegration implements Integration {
  readonly name = 'email';
  readonly sendResolved: boolean;
  private readonly transport: Transporter;

  constructor(private readonly config: EmailConfig) {
    this.sendResolved = config.send_resolved;
    const [host, port] = config.smarthost.split(':');
    this.transport = nodemailer.createTransport({
      host,
      port: Number(port),
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      auth: config.auth_username ? { user: config.auth_username, pass: config.auth_password ?? '' } : undefined,
      tls: { rejectUnauthorized: !config.insecure_skip_verify },
      connectionTimeout: 10_000,
    });
  }

  async notify(message: GroupMessage): Promise<void> {
    const { text, html } = renderBodies(message);
    await this.transport.sendMail({ from: this.config.from, to: this.config.to, subject: renderSubject(this.config.subject, message), text, html });
  }
}
