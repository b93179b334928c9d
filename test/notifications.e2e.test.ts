import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

// `vigil start` with rules and an Alertmanager-style notification file, a real webhook
// receiver, silences through the CLI, and a restart that must not re-send.
const ROOT = resolve(import.meta.dirname, '..');
const dir = tempDir('notify');
let vigil: VigilProcess;
let server: Server;
let received: any[] = [];
let config: Record<string, unknown>;

beforeAll(async () => {
  const receiver = await startWebhookReceiver();
  server = receiver.server;
  received = receiver.received;
  const hook = receiver.url;
  const rules = join(dir, '..', `${dir.split('/').pop()}-rules.yaml`);
  writeFileSync(rules, `groups:
  - name: always
    interval: 1s
    rules:
      - alert: Always
        kind: sql
        query: "SELECT arrayJoin(['db-1', 'db-2']) AS host, 1 AS value"
        labels: { severity: page }
`);
  const notifications = join(dir, '..', `${dir.split('/').pop()}-notify.yaml`);
  writeFileSync(notifications, `route:
  receiver: hook
  group_by: [host]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: ${hook}
`);
  config = { collector: { hostmetrics: { enabled: false } }, alerts: { rule_files: [rules], notification_file: notifications } };
  vigil = await startVigil(dir, config);
});
afterAll(async () => {
  await vigil?.stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sentFor = (host: string) => received.filter((r) => r.groupLabels.host === host).length;

describe('notifications end to end', () => {
  it('notifies each group once, honours a silence added with the CLI, and never re-sends after a restart', async () => {
    await eventually(async () => sentFor('db-1') === 1 && sentFor('db-2') === 1, 30_000);
    expect(received[0]).toMatchObject({ version: '4', receiver: 'hook', status: 'firing' });

    const added = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'silence', '--api', vigil.api, 'add', 'host="db-2"', '-d', '1h', '-c', 'maintenance'], { encoding: 'utf8' });
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const listed = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'silence', '--api', vigil.api, 'list'], { encoding: 'utf8' });
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).toContain('host="db-2"');

    const status = (await (await fetch(`${vigil.api}/api/v1/status`)).json()) as any;
    expect(status.data.receivers.hook).toMatchObject({ sent: 2, failed: 0 });

    expect(await vigil.stop()).toBe(0);
    vigil = await startVigil(dir, config);
    await new Promise((r) => setTimeout(r, 6000)); // several group_wait and group_interval periods
    expect([sentFor('db-1'), sentFor('db-2')]).toEqual([1, 1]);
    const [row] = await vigil.query<{ n: string }>("SELECT count() AS n FROM vigil_notifications WHERE status = 'sent'");
    expect(Number(row!.n)).toBe(2);
  }, 120_000);
});
