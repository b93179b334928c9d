import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, runSampleService, startVigil, tempDir, type VigilProcess } from '../support/vigil-process.ts';
import { launchBrowser, openPage, screenshot, visit } from './browser.ts';

// The web UI in Debian's Chromium against a real `vigil start`: host metrics from this machine,
// logs, metrics and traces from the OpenTelemetry SDK sample service, an alert rule that fires
// on its ERROR logs, and a notification pipeline so silences exist.
const dir = tempDir('web-ui');
const runId = `ui${Date.now().toString(36)}`;
const service = `sample-${runId}`;
const host = hostname();
let vigil: VigilProcess;
let browser: Browser;
let page: Page;
let problems: string[];
let traceId = '';

beforeAll(async () => {
  const rules = join(dir, '..', `${runId}-rules.yaml`);
  const notifications = join(dir, '..', `${runId}-notifications.yaml`);
  writeFileSync(rules, `groups:
  - name: ui
    interval: 1s
    rules:
      - alert: ErrorLogs
        kind: logs
        severity: [ERROR]
        window: 10m
        group_by: [service.name]
        op: ">"
        value: 0
        labels: { severity: page }
        annotations: { summary: "{{ $value }} error logs" }
`);
  writeFileSync(notifications, `route:
  receiver: nobody
  group_wait: 0s
receivers:
  - name: nobody
`);
  [vigil, browser] = await Promise.all([
    startVigil(dir, { collector: { hostmetrics: { interval: '2s' } }, alerts: { rule_files: [rules], notification_file: notifications } }),
    launchBrowser(),
  ]);
  const sent = await runSampleService(vigil.otlp, 'protobuf', runId, 20);
  traceId = sent.spans[0]!.traceId;
  await eventually(async () => {
    const res = await fetch(`${vigil.api}/api/v1/alerts`);
    const firing = ((await res.json()) as { data: { alerts: Array<{ state: string }> } }).data.alerts.filter((a) => a.state === 'firing');
    const [cpu] = await vigil.query<{ n: string }>("SELECT count() AS n FROM otel_metrics_gauge WHERE MetricName = 'system.cpu.utilization'");
    return firing.length > 0 && Number(cpu!.n) > 0;
  }, 60_000);
  ({ page, problems } = await openPage(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const at = (path: string) => `${vigil.api}${path}`;
const rowsOf = (selector: string) => page.locator(selector).count();

describe('web UI in a real browser', () => {
  it.each([
    ['overview', '/', `a[data-node="${host}"]`],
    ['node', () => `/nodes/${encodeURIComponent(host)}`, '#node-name'],
    ['logs', () => `/logs?q=${encodeURIComponent(`service:${service}`)}`, 'tr[data-log]'],
    ['traces', () => `/traces?service=${service}`, 'a[data-trace]'],
    ['trace', () => `/traces/${traceId}`, 'tr[data-span]'],
    ['alerts', '/alerts', '[data-alert]'],
    ['silences', '/silences?create=1&matcher=alertname%3D%22ErrorLogs%22', '#silence-form'],
    ['rules', '/rules', '[data-rule-health="ErrorLogs"]'],
    ['sql', () => `/sql?q=${encodeURIComponent('SELECT toStartOfMinute(TimestampTime) AS t, count() AS n FROM otel_logs GROUP BY t ORDER BY t')}`, '#sql-stats'],
  ] as Array<[string, string | (() => string), string]>)('%s page loads with data, without console errors', async (name, path, selector) => {
    const before = problems.length;
    await visit(page, at(typeof path === 'function' ? path() : path));
    await page.waitForSelector(selector, { timeout: 15_000 });
    expect(await page.locator('[data-error]').allTextContents()).toEqual([]);
    await screenshot(page, name);
    expect(problems.slice(before)).toEqual([]);
  });

  it('shows the trace waterfall with both spans, parent first', async () => {
    await visit(page, at(`/traces/${traceId}`));
    expect(await page.locator('tr[data-span] td:first-child').allTextContents()).toEqual([expect.stringMatching(/^checkout/), expect.stringMatching(/^charge-card/)]);
  });

  it('narrows results with a search typed into the box, and keeps it in the URL', async () => {
    await visit(page, at(`/logs?q=${encodeURIComponent(`service:${service}`)}`));
    expect(await rowsOf('tr[data-log]')).toBe(20);
    await page.fill('#search', `service:${service} level:error -seq:2`);
    await page.press('#search', 'Enter');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q')?.includes('level:error'));
    await page.waitForSelector('#view[data-ready] tr[data-log]');
    // 20 records cycle INFO, WARN, ERROR, DEBUG: ERROR is seq 2, 6, 10, 14, 18; -seq:2 drops one.
    expect(await rowsOf('tr[data-log]')).toBe(4);
    expect(new Set(await page.locator('tr[data-log] td:nth-child(2)').allTextContents())).toEqual(new Set(['ERROR']));
    // A log's TraceId leads to its trace.
    await page.locator('tr[data-log]').first().click();
    await page.locator('tr.detail:not([hidden]) a[data-trace]').click();
    await page.waitForSelector('#view[data-ready] tr[data-span]');
    expect(page.url()).toContain(`/traces/${traceId}`);
  });

  it('live tail shows a record sent after it started, and stops on pause', async () => {
    const tailService = `tail-${runId}`;
    await visit(page, at(`/logs?q=${encodeURIComponent(`service:${tailService}`)}`));
    await page.click('#tail');
    expect(await page.getAttribute('#tail', 'data-state')).toBe('live');
    const send = (body: string) =>
      fetch(`${vigil.otlp}/v1/logs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: tailService } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: `${Date.now()}000000`, severityText: 'WARN', body: { stringValue: body } }] }] }],
        }),
      });
    expect((await send('arrived while tailing')).status).toBe(200);
    await page.waitForSelector('tr[data-log]:has-text("arrived while tailing")', { timeout: 20_000 });
    await page.click('#tail');
    expect(await page.getAttribute('#tail', 'data-state')).toBe('paused');
    expect((await send('arrived while paused')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await page.locator('tr[data-log]:has-text("arrived while paused")').count()).toBe(0);
  });

  it('creates a silence from a firing alert, and the alert shows silenced', async () => {
    await visit(page, at('/alerts'));
    expect(await page.locator('[data-silenced]').count()).toBe(0);
    await page.locator('a[data-silence-alert]').first().click();
    await page.waitForSelector('#view[data-ready] #silence-form');
    expect(await page.inputValue('#matchers')).toContain('alertname="ErrorLogs"');
    await page.fill('#created-by', 'browser-test');
    await page.fill('#comment', 'silenced from the alerts page');
    await page.click('#silence-form button[type=submit]');
    await page.waitForSelector('#view[data-ready] button[data-expire]');
    await visit(page, at('/alerts'));
    await page.waitForSelector('[data-silenced]');
    await screenshot(page, 'alerts-silenced');
    // Expiring it from the silences page lifts it.
    await visit(page, at('/silences'));
    await page.locator('button[data-expire]').first().click();
    await page.waitForSelector('#view[data-ready] .badge.expired');
    await visit(page, at('/alerts'));
    expect(await page.locator('[data-silenced]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
