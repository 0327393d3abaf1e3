#!/usr/bin/env node
// Headless-Chromium sign-in driver for Periscope OIDC tests.
//
//   node testenv/browser/login.mjs --start URL [--login ACCOUNT] [--password P]
//        [--screenshot FILE] [--storage-state-out FILE] [--storage-state-in FILE]
//        [--then URL]... [--timeout MS] [--chromium PATH]
//
// Opens URL in Debian's /usr/bin/chromium (fresh temporary profile), and if it lands on
// the test IdP's login form (input[name=login]) fills in ACCOUNT / P, submits, follows the
// redirects back and waits for the page to settle. Then visits each --then URL (relative
// URLs resolve against --start). Prints ONE JSON line to stdout:
//   {"finalUrl","status","bodyText","loggedIn","cookies":[...],"visited":[{"url","status","bodyText"}],
//    "blockedRequests":[...]}
// finalUrl/status/bodyText describe the page reached after sign-in (before any --then).
// --screenshot captures the page shown at the very end (the last --then page, if any).
// On failure prints {"error":...,"finalUrl","bodyText"} and exits 1 (2 = bad usage,
// 3 = the IdP rejected the login, e.g. unknown account). Progress goes to stderr.
// Requests to hosts other than loopback are aborted and listed in blockedRequests.

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const TEXT_LIMIT = 10_000;
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const log = (msg) => process.stderr.write(`browser: ${msg}\n`);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

class LoginRejected extends Error {}

function usage(msg) {
  out({ error: `usage: ${msg}` });
  process.stderr.write('usage: node login.mjs --start URL [--login ACCOUNT] [--password P] [--screenshot FILE] '
    + '[--storage-state-out FILE] [--storage-state-in FILE] [--then URL]... [--timeout MS] [--chromium PATH]\n');
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      start: { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string', default: 'test' },
      screenshot: { type: 'string' },
      'storage-state-out': { type: 'string' },
      'storage-state-in': { type: 'string' },
      then: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '30000' },
      chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    },
    strict: true,
  }));
} catch (e) {
  usage(e.message);
}
if (!opts.start) usage('--start is required');
const timeout = Number(opts.timeout);
if (!Number.isFinite(timeout) || timeout <= 0) usage('--timeout must be a positive number of milliseconds');
let startUrl;
try {
  startUrl = new URL(opts.start);
} catch {
  usage(`--start is not a URL: ${opts.start}`);
}

const truncate = (s) => (s.length > TEXT_LIMIT ? s.slice(0, TEXT_LIMIT) : s);

async function bodyText(page) {
  try {
    return truncate(await page.evaluate(() => (document.body ? document.body.innerText : document.documentElement?.innerText || '')));
  } catch (e) {
    return `<<could not read body: ${e.message}>>`;
  }
}

// Wait until the main frame stops navigating: 'load', then network idle (bounded),
// and the URL unchanged over a short quiet period.
async function settle(page) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const url = page.url();
    await page.waitForLoadState('load', { timeout: Math.max(1, deadline - Date.now()) });
    await page.waitForLoadState('networkidle', { timeout: Math.min(5000, Math.max(1, deadline - Date.now())) }).catch(() => {});
    await page.waitForTimeout(250);
    if (page.url() === url) return;
    if (Date.now() > deadline) throw new Error(`page did not settle within ${timeout} ms (at ${page.url()})`);
  }
}

async function main() {
  let browser;
  let page;
  const blockedRequests = [];
  try {
    log(`launching ${opts.chromium}`);
    browser = await chromium.launch({
      executablePath: opts.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout,
    });
    let storageState;
    if (opts['storage-state-in']) storageState = JSON.parse(readFileSync(opts['storage-state-in'], 'utf8'));
    const context = await browser.newContext({ storageState, ignoreHTTPSErrors: true });
    context.setDefaultTimeout(timeout);
    context.setDefaultNavigationTimeout(timeout);
    // No network but loopback.
    await context.route((url) => !LOOPBACK.has(url.hostname) && /^(https?|wss?):$/.test(url.protocol), (route) => {
      blockedRequests.push(route.request().url());
      log(`blocked non-loopback request ${route.request().url()}`);
      return route.abort('blockedbyclient');
    });

    page = await context.newPage();
    // Status of the last main-frame document (redirect hops excluded).
    let lastStatus = null;
    page.on('response', (res) => {
      const req = res.request();
      if (req.isNavigationRequest() && req.frame() === page.mainFrame() && (res.status() < 300 || res.status() >= 400)) {
        lastStatus = res.status();
      }
    });
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) log(`at ${f.url()}`); });

    log(`goto ${startUrl.href}`);
    await page.goto(startUrl.href, { waitUntil: 'load' });
    await settle(page);

    let loggedIn = false;
    const loginInput = page.locator('input[name="login"]');
    if (await loginInput.count() > 0) {
      if (!opts.login) throw new Error(`login form shown at ${page.url()} but no --login given`);
      const idpUrl = page.url();
      log(`login form at ${idpUrl}; signing in as ${opts.login}`);
      await loginInput.fill(opts.login);
      const pw = page.locator('input[name="password"]');
      if (await pw.count() > 0) await pw.fill(opts.password);
      const submit = page.locator('form button[type="submit"], form input[type="submit"]').first();
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        submit.click(),
      ]);
      await settle(page);
      if (await page.locator('input[name="login"]').count() > 0) {
        const err = await page.locator('.error, [role="alert"]').allInnerTexts().catch(() => []);
        throw new LoginRejected(`IdP rejected the login${err.length ? `: ${err.join(' ').trim()}` : ''} (still at ${page.url()})`);
      }
      loggedIn = true;
    } else {
      log('no login form: start URL did not lead to the IdP (already signed in?)');
    }

    const result = {
      finalUrl: page.url(),
      status: lastStatus,
      bodyText: await bodyText(page),
      loggedIn,
    };

    const visited = [];
    for (const u of opts.then) {
      const url = new URL(u, startUrl).href;
      log(`then ${url}`);
      const res = await page.goto(url, { waitUntil: 'load' });
      await settle(page);
      visited.push({
        url: page.url(), requestedUrl: url, status: lastStatus ?? res?.status() ?? null, bodyText: await bodyText(page),
      });
    }

    if (opts.screenshot) {
      mkdirSync(dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot, fullPage: true });
      log(`screenshot ${opts.screenshot}`);
    }
    if (opts['storage-state-out']) {
      mkdirSync(dirname(opts['storage-state-out']), { recursive: true });
      await context.storageState({ path: opts['storage-state-out'] });
      log(`storage state ${opts['storage-state-out']}`);
    }
    const cookies = (await context.cookies()).map((c) => ({
      name: c.name,
      value: c.value,
      domain: c.domain,
      path: c.path,
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: c.sameSite,
      expires: c.expires,
    }));
    out({ ...result, cookies, visited, blockedRequests });
    return 0;
  } catch (e) {
    const err = { error: e.message.split('\n')[0], blockedRequests };
    if (page) {
      err.finalUrl = page.url();
      err.bodyText = await bodyText(page);
      if (opts.screenshot) {
        await page.screenshot({ path: opts.screenshot, fullPage: true }).catch(() => {});
      }
    }
    log(`error: ${e.stack || e.message}`);
    out(err);
    return e instanceof LoginRejected ? 3 : 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

process.exitCode = await main();
