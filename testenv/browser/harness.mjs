// What every browser driver shares: Chromium's flags, the loopback-only rule, the one JSON line
// on stdout, timing summaries, serving a `vite build` output instead of the embedded app, extra
// screenshots, and (for the scenario drivers) one scenario in a fresh browser with the page's
// errors and any request that left loopback recorded, a screenshot either way.

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `u` (a URL) is a web request that would leave this machine. */
export const offLoopback = (u) => !LOOPBACK.has(u.hostname) && /^(https?|wss?):$/.test(u.protocol);

/** The driver's one result line. */
export const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

/** count, p50/p95/p99/max of `values` (ms, one decimal). */
export function summarize(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  const pick = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))] : null);
  const round = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return { count: sorted.length, p50_ms: round(pick(50)), p95_ms: round(pick(95)), p99_ms: round(pick(99)), max_ms: round(pick(100)) };
}

/**
 * Serves the page and /assets/* from `dist` (a `vite build` output) instead of what the server
 * embeds, to measure a change to web/ without rebuilding the binary.
 */
export async function serveDist(context, dist) {
  const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.ttf': 'font/ttf' };
  await context.route((u) => LOOPBACK.has(u.hostname), (route) => {
    const request = route.request();
    const { pathname } = new URL(request.url());
    const file = pathname.startsWith('/assets/') ? join(dist, pathname) : request.resourceType() === 'document' ? join(dist, 'index.html') : null;
    if (!file) return route.fallback();
    return route.fulfill({ body: readFileSync(file), contentType: types[extname(file)] ?? 'application/octet-stream' });
  });
}

/** An extra screenshot next to `screenshot` (FILE-<suffix>.png), e.g. with a dialog open. */
export async function shot(page, screenshot, suffix) {
  if (!screenshot) return;
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot.replace(/\.png$/, `-${suffix}.png`) });
}

/**
 * Runs `scenario(page)` in a fresh Chromium and prints its result (or `{error, …}` with the
 * page's URL, text and `opts.failure(page)`'s details) with pageErrors and blockedRequests.
 * `opts`: chromium, timeout, screenshot, and optionally log (progress to stderr) and failure.
 * Returns the process exit code.
 */
export async function runScenario(name, scenario, opts) {
  const log = opts.log ?? ((msg) => process.stderr.write(`${name}: ${msg}\n`));
  const failure = opts.failure ?? (async () => ({}));
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
    await context.route(offLoopback, (route) => {
      blockedRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(e.message)));
    page = await context.newPage();
    const result = await scenario(page);
    if (opts.screenshot && !page.isClosed()) {
      mkdirSync(dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot });
    }
    out({ ...result, pageErrors, blockedRequests });
    return 0;
  } catch (e) {
    log(e.stack || e.message);
    const err = { error: e.message.split('\n')[0], pageErrors, blockedRequests };
    if (page && !page.isClosed()) {
      err.url = page.url();
      Object.assign(err, await failure(page).catch(() => ({})));
      err.bodyText = (await page.locator('body').innerText().catch(() => '')).slice(0, 4000);
      if (opts.screenshot) await page.screenshot({ path: opts.screenshot }).catch(() => {});
    }
    out(err);
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}
