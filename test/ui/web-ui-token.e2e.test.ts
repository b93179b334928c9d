import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startVigil, tempDir, type VigilProcess } from '../support/vigil-process.ts';
import { launchBrowser, openPage } from './browser.ts';

// With tokens configured, the UI's shell loads, the first API answer (401) asks for a token, and
// with a read token the page draws; the token stays in the tab (sessionStorage) across pages.
const dir = tempDir('web-ui-token');
const token = 'ui-read-token-0123456789abcdef';
let vigil: VigilProcess;
let browser: Browser;

beforeAll(async () => {
  [vigil, browser] = await Promise.all([
    startVigil(dir, { collector: { hostmetrics: { enabled: false } }, auth: { tokens: [{ name: 'ui', token, roles: ['read'] }] } }),
    launchBrowser(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await vigil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('asks for a token on 401, then shows the page with it', async () => {
  const { page, problems } = await openPage(browser);
  expect((await fetch(`${vigil.api}/api/v1/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"sql":"SELECT 1"}' })).status).toBe(401);
  await page.goto(`${vigil.api}/sql?q=${encodeURIComponent('SELECT 42 AS answer')}`);
  await page.waitForSelector('#token-form:not([hidden])');
  await page.fill('#token-input', token);
  await page.click('#token-form button');
  await page.waitForSelector('#view[data-ready] #sql-stats');
  expect(await page.locator('#view td').allTextContents()).toEqual(['42']);
  await page.goto(`${vigil.api}/logs`);
  await page.waitForSelector('#view[data-ready] #log-count');
  expect(await page.isHidden('#token-form')).toBe(true);
  // The 401 before the token was entered is the only error the browser logged.
  expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
});
