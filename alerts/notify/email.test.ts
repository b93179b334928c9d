import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationConfigSchema } from '../dispatch/notification-config.ts';
import { EmailIntegration } from './email.ts';

// A real SMTP server in the test; mails are parsed back with mailparser.
const mails: Array<{ mail: ParsedMail; secure: boolean; user?: string; rcpt: string[] }> = [];
let server: SMTPServer;
let port = 0;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    // smtp-server offers STARTTLS with its built-in self-signed certificate.
    onAuth(auth, _session, callback) {
      if (auth.username === 'vigil' && auth.password === 'pw') callback(null, { user: 'vigil' });
      else callback(new Error('bad credentials'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({ mail, secure: session.secure, user: session.user as string | undefined, rcpt: session.envelope.rcptTo.map((r) => r.address) });
          callback();
        })
        .catch(callback);
    },
    logger: false,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const email = (extra: Record<string, unknown> = {}) =>
  notificationConfigSchema.parse({
    route: { receiver: 'ops' },
    receivers: [{ name: 'ops', email_configs: [{ to: ['oncall@example.com', 'lead@example.com'], from: 'vigil@example.com', smarthost: `127.0.0.1:${port}`, insecure_skip_verify: true, ...extra }] }],
  }).receivers[0]!.email_configs[0]!;

const message = {
  receiver: 'ops',
  groupKey: '{0}:[["alertname","DiskAlmostFull"]]',
  groupLabels: { alertname: 'DiskAlmostFull' },
  status: 'firing' as const,
  externalURL: 'http://vigil.example:8080',
  alerts: [
    {
      fingerprint: 'abc',
      labels: { alertname: 'DiskAlmostFull', host: 'db-1', severity: 'critical' },
      annotations: { summary: '/var/lib/data on db-1 is 95% full <script>' },
      startsAt: Date.UTC(2026, 10, 23, 5, 0, 0),
      generatorURL: 'http://vigil.example:8080/api/v1/rules',
    },
  ],
};

describe('email receiver over real SMTP', () => {
  it('sends over STARTTLS with auth: subject, recipients, HTML and text bodies with the alert', async () => {
    await new EmailIntegration(email({ auth_username: 'vigil', auth_password: 'pw' })).notify(message);
    const { mail, secure, user, rcpt } = mails.at(-1)!;
    expect(secure).toBe(true); // upgraded with STARTTLS
    expect(user).toBe('vigil');
    expect(rcpt).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail.subject).toBe('[FIRING:1] alertname=DiskAlmostFull (1 alerts)');
    expect(mail.from?.text).toBe('vigil@example.com');
    expect(mail.text).toContain('[FIRING] alertname=DiskAlmostFull, host=db-1, severity=critical');
    expect(mail.text).toContain('summary: /var/lib/data on db-1 is 95% full');
    expect(mail.text).toContain('since: 2026-11-23T05:00:00.000Z');
    expect(mail.html).toContain('http://vigil.example:8080/api/v1/rules');
    expect(mail.html).toContain('&#60;script&#62;'); // annotations are escaped in HTML
  });

  it('uses a templated subject', async () => {
    await new EmailIntegration(email({ subject: '{{ .CommonLabels.severity }}: {{ .GroupLabels.alertname }} on {{ .CommonLabels.host }}' })).notify(message);
    expect(mails.at(-1)!.mail.subject).toBe('critical: DiskAlmostFull on db-1');
  });

  it('fails when the server refuses the credentials', async () => {
    await expect(new EmailIntegration(email({ auth_username: 'vigil', auth_password: 'wrong' })).notify(message)).rejects.toThrow();
  });
});
