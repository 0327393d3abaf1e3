// The part every scenario driver shares: Chromium launched headless with requests off the
// loopback blocked and counted, uncaught page errors collected, one JSON line on stdout (the
// scenario's result, or {"error",...} with the page's URL and text), a screenshot either way.
// Returns the process exit code.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Runs `scenario(page)` in a fresh browser; `opts` has chromium, timeout, screenshot. */
export async function runScenario(name, scenario, opts) {
  const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  if (!scenario) {
    out({ error: `unknown scenario ${name}` });
    return 2;
  }
  const timeout = Number(opts.timeout);
  const pageErrors = [];
  const blockedRequests = [];
  let browser;
  let page;
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(timeout);
    await context.route((u) => !LOOPBACK.has(u.hostname) && /^(https?|wss?):$/.test(u.protocol), (route) => {
      blockedRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(e.message)));
    page = await context.newPage();
    const result = await scenario(page);
    if (opts.screenshot) {
      mkdirSync(dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot });
    }
    out({ ...result, pageErrors, blockedRequests });
    return 0;
  } catch (e) {
    process.stderr.write(`${name}: ${e.stack || e.message}\n`);
    const err = { error: e.message.split('\n')[0], pageErrors, blockedRequests };
    if (page) {
      err.url = page.url();
      err.bodyText = (await page.locator('body').innerText().catch(() => '')).slice(0, 4000);
      if (opts.screenshot) await page.screenshot({ path: opts.screenshot }).catch(() => {});
    }
    out(err);
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}
