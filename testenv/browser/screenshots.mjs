#!/usr/bin/env node
// Captures the web console's pages for docs/screenshots/ in Debian's Chromium (playwright-core),
// 1280x800. Run by `PERISCOPE_BENCH=screenshots` (bench/src/web.rs), which starts a server with
// `make demo`'s configuration (dev sign-in, cluster `demo`); any dev-mode server works:
//
//   node testenv/browser/screenshots.mjs --base URL --out DIR [--cluster demo]
//        [--namespace team-a] [--deployment team-a/web] [--query web] [--chromium PATH]
//
// Prints ONE JSON line: {files:[…]} (or {error} and exit 1).

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const log = (msg) => process.stderr.write(`screenshots.mjs: ${msg}\n`);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    out: { type: 'string' },
    cluster: { type: 'string', default: 'demo' },
    namespace: { type: 'string', default: 'team-a' },
    deployment: { type: 'string', default: 'team-a/web' },
    query: { type: 'string', default: 'web' },
    timeout: { type: 'string', default: '30000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.out) {
  out({ error: 'usage: --base URL --out DIR' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;
const c = encodeURIComponent(opts.cluster);
const files = [];

/** Lets fetches finish and the last frame paint before the picture. */
async function calm(page) {
  await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
  await page.evaluate(() => document.fonts?.ready);
  await page.waitForTimeout(400);
}

async function shot(page, name) {
  await calm(page);
  const path = join(opts.out, name);
  await page.screenshot({ path });
  files.push(path);
  log(`wrote ${path}`);
}

async function podsList(page) {
  await page.goto(url(`/clusters/${c}/pods?namespace=${encodeURIComponent(opts.namespace)}`));
  await page.locator('[data-testid="row"]').first().waitFor();
  // Live: the stream keeps the list fresh (the badge says so).
  await page.waitForFunction(() => document.querySelector('#stream-health')?.textContent === 'live', null, { timeout }).catch(() => {});
}

async function main() {
  mkdirSync(opts.out, { recursive: true });
  let browser;
  let page;
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    context.setDefaultTimeout(timeout);
    await context.route((u) => !LOOPBACK.has(u.hostname) && /^(https?|wss?):$/.test(u.protocol), (route) => route.abort('blockedbyclient'));
    page = await context.newPage();

    // Fleet: a card per cluster.
    await page.goto(url('/'));
    await page.locator('[data-testid="cluster-card"]').first().waitFor();
    await shot(page, 'fleet.png');

    // Cluster overview.
    await page.goto(url(`/clusters/${c}`));
    await page.getByText('Kubernetes v').first().waitFor();
    await shot(page, 'overview.png');

    // The pods list, light then dark (the header's theme switch).
    await podsList(page);
    await shot(page, 'pods-light.png');
    await page.locator('button[title="Switch theme"]').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'));
    await shot(page, 'pods-dark.png');
    await page.locator('button[title="Switch theme"]').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('dark'));

    // A Deployment: the describe view (actions checked with can-i), then its YAML.
    const [ns, name] = opts.deployment.split('/');
    await page.goto(url(`/clusters/${c}/r/apps/v1/deployments/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`));
    await page.locator('#object-name').waitFor();
    await page.locator('dd[data-field]').first().waitFor().catch(() => {});
    await page.locator('[data-permissions="checked"]').waitFor().catch(() => {});
    await shot(page, 'deployment.png');
    await page.locator('[data-tab="yaml"]').click();
    await page.locator('#yaml').waitFor();
    await shot(page, 'deployment-yaml.png');

    // Ctrl+K over the pods list.
    await podsList(page);
    await page.keyboard.press('Control+k');
    await page.locator('#palette-input').fill(opts.query);
    await page.locator('#palette-results button').first().waitFor();
    await shot(page, 'palette.png');

    out({ files });
    return 0;
  } catch (e) {
    log(e.stack || e.message);
    const failed = join(tmpdir(), 'periscope-screenshots-failed.png');
    if (page) await page.screenshot({ path: failed }).catch(() => {});
    out({ error: e.message.split('\n')[0], url: page?.url(), screenshot: failed, files });
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

process.exitCode = await main();
