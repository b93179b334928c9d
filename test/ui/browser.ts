import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where browser tests leave their screenshots (gitignored; CI keeps it as an artifact). */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/ui');

/** Debian's Chromium, headless, as the design says (apt-get install chromium). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}

/** A page that records console errors and uncaught exceptions, for tests to assert none. */
export async function openPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  return { page, problems };
}

/** Opens a path and waits until the page has drawn (the shell marks #view with data-ready). */
export async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#view[data-ready]', { timeout: 30_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
