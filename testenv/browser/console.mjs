#!/usr/bin/env node
// Drives the Periscope web console in Debian's Chromium (playwright-core) for the browser tests
// in crates/periscope/tests/console.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/console.mjs --base URL --scenario NAME [--path P] [--replicas N]
//        [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   fleet   open /, wait for the card of every cluster, open the first one's overview
//                                                         → {clusters:[{name,text}],overview,overviewUrl}
//   pods    open P (a pods list), read the rows, click the Name header twice (ascending, then
//           descending), read them again; then press `/` and type in the search box, then
//           use the label selector box (no match, then app=web), then press `g` `p`
//                                                         → {initial,ascending,descending,filtered,
//                                                           sortParam,focusedId,noMatch,labelled,afterGoPods}
//   detail  open P (an object page), read the describe view, open the YAML tab
//                                                         → {name,describe,yaml}
//   scale   open P (a Deployment page), scale it to N through the dialog
//                                                         → {dialogClosed,error}
//   delete  open P (an object page), delete it through the dialog (typing its name)
//                                                         → {enabledBeforeTyping,url}
//   actions open P (an object page), read its action buttons once can-i answered
//                                                         → {actions:[{action,disabled,title}]}
//   palette open P, press Ctrl+K, type --query, press Enter → {results,url}
//   live    open P (a list), wait until it is live (badge and list), print {"ready":true}, then
//           wait for a line on stdin (the caller has created --name) and time until a row
//           named --name shows, without reloading
//                                                         → {badge,listLive,elapsedMs,reloaded,
//                                                           listFetchesAfterCreate,streams}
//   labels  open P (an object page), try an invalid label (the dialog says why), then set
//           --labels (key=value lines, `,`-separated) through the dialog
//                                                         → {invalidError,dialogClosed,labels}
//   rollback open P (a workload page), open Roll back, read the revisions, pick --revision
//                                                         → {revisions:[{revision,disabled,text}],dialogClosed,error}
//   secret  open P (a Secret page), read the page, click Reveal for key --key, read the value,
//           leave through the breadcrumb and come back with the browser's Back
//                                                         → {before,revealRequestsBefore,revealed,
//                                                           hiddenAfterReturn,revealRequests}
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const log = (msg) => process.stderr.write(`console: ${msg}\n`);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    replicas: { type: 'string', default: '1' },
    query: { type: 'string', default: '' },
    name: { type: 'string', default: '' },
    labels: { type: 'string', default: '' },
    key: { type: 'string', default: '' },
    revision: { type: 'string', default: '' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '20000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  out({ error: 'usage: --base URL --scenario fleet|pods|detail|scale|palette' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;

const rowNames = (page) => page.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => r.dataset.name));

// Waits until the rows shown are the answer for the current URL (not the previous query's,
// which stay on screen while a new sort or filter loads), optionally with a header sorted `dir`.
async function currentRows(page, dir) {
  await page.waitForFunction(
    (d) => {
      const list = document.querySelector('[data-list-state]');
      const rendered = list?.dataset.listSearch === new URLSearchParams(window.location.search).toString();
      return rendered && list.dataset.listState === 'current'
        && (!d || document.querySelector(`[data-sort-key="name"][aria-sort="${d}"]`));
    },
    dir,
    { timeout },
  );
  return rowNames(page);
}

const scenarios = {
  async fleet(page) {
    await page.goto(url('/'));
    const cards = page.locator('[data-testid="cluster-card"]');
    await cards.first().waitFor();
    const clusters = await cards.evaluateAll((els) => els.map((e) => ({ name: e.dataset.cluster, text: e.innerText })));
    // A card opens the cluster's overview.
    await cards.first().click();
    await page.getByText('Nodes ready').waitFor();
    await page.getByText('Kubernetes v').waitFor();
    const overview = await page.locator('main').innerText();
    return { clusters, overview, overviewUrl: new URL(page.url()).pathname };
  },

  async pods(page) {
    await page.goto(url(opts.path));
    await page.locator('[data-testid="row"]').first().waitFor();
    const initial = await rowNames(page);
    const header = page.locator('[data-sort-key="name"]');
    await header.click();
    const ascending = await currentRows(page, 'ascending');
    await header.click();
    const descending = await currentRows(page, 'descending');
    const sortParam = new URL(page.url()).searchParams.get('sort');

    // Keyboard: `/` focuses the search box; typing filters on the server (q=).
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('/');
    const focusedId = await page.evaluate(() => document.activeElement?.id ?? null);
    const needle = descending[descending.length - 1] ?? '';
    await page.keyboard.type(needle);
    await page.waitForURL((u) => u.searchParams.get('q') === needle, { timeout });
    const filtered = await currentRows(page, null);

    // The label selector box goes to the server as labelSelector=.
    await page.goto(url(opts.path));
    await currentRows(page, null);
    await page.locator('#label-selector').fill('app=nothing-has-this');
    await page.locator('#label-selector').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('labelSelector') === 'app=nothing-has-this', { timeout });
    await currentRows(page, null);
    const noMatch = await page.getByText(/match\.$/).innerText();
    await page.locator('#label-selector').fill('app=web');
    await page.locator('#label-selector').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('labelSelector') === 'app=web', { timeout });
    const labelled = await currentRows(page, null);

    // `g` then `p` goes to the pods list of this cluster (from the fleet page).
    await page.goto(url(opts.path.split('/').slice(0, 3).join('/')));
    await page.locator('h1').first().waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await page.waitForURL(/\/r\/core\/v1\/pods/, { timeout });
    return {
      initial, ascending, descending, filtered, sortParam, focusedId, noMatch, labelled,
      afterGoPods: new URL(page.url()).pathname,
    };
  },

  async detail(page) {
    await page.goto(url(opts.path));
    await page.locator('#object-name').waitFor();
    await page.locator('dd[data-field]').first().waitFor().catch(() => {});
    const name = await page.locator('#object-name').innerText();
    const describe = await page.locator('main').innerText();
    await page.locator('[data-tab="yaml"]').click();
    await page.locator('#yaml').waitFor();
    const yaml = await page.locator('#yaml').innerText();
    return { name, describe, yaml, url: page.url() };
  },

  async scale(page) {
    await page.goto(url(opts.path));
    const button = page.locator('[data-action="scale"]');
    await button.waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-action="scale"]')?.disabled, null, { timeout });
    await button.click();
    await page.locator('#action-input').fill(opts.replicas);
    await page.locator('#action-confirm').click();
    const closed = await page.locator('#action-input').waitFor({ state: 'detached', timeout }).then(() => true, () => false);
    const error = closed ? null : await page.locator('[role="dialog"] [role="alert"]').innerText().catch(() => null);
    return { dialogClosed: closed, error };
  },

  async delete(page) {
    await page.goto(url(opts.path));
    const name = await page.locator('#object-name').innerText();
    await page.waitForFunction(() => !document.querySelector('[data-action="delete"]')?.disabled, null, { timeout });
    await page.locator('[data-action="delete"]').click();
    const confirm = page.locator('#action-confirm');
    const enabledBeforeTyping = await confirm.isEnabled();
    await page.locator('#action-input').fill(name);
    await confirm.click();
    await page.locator('#object-name').waitFor({ state: 'detached', timeout });
    return { enabledBeforeTyping, url: page.url() };
  },

  async actions(page) {
    await page.goto(url(opts.path));
    // The buttons settle once can-i has answered (a denied one gets a title with the reason).
    await page.locator('[data-permissions="checked"] [data-action="delete"]').waitFor();
    const actions = await page.locator('[data-action]').evaluateAll((els) =>
      els.map((e) => ({ action: e.dataset.action, disabled: e.disabled, title: e.title })));
    return { actions };
  },

  async palette(page) {
    await page.goto(url(opts.path));
    await page.locator('header').waitFor();
    await page.keyboard.press('Control+k');
    await page.locator('#palette-input').fill(opts.query);
    await page.locator('#palette-results button').first().waitFor();
    const results = await page.locator('#palette-results button').allInnerTexts();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/r\//, { timeout });
    return { results, url: page.url() };
  },
};

/** The next line on stdin (the Rust side says it acted). */
function nextStdinLine() {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve, reject) => {
    lines.once('line', (line) => {
      resolve(line);
      lines.close();
    });
    lines.once('close', () => reject(new Error('stdin closed before the go-ahead')));
  });
}

/** Counts the page's requests whose URL path matches `test`. */
function countRequests(page, test) {
  const counter = { n: 0 };
  page.on('request', (r) => {
    if (test(new URL(r.url()).pathname)) counter.n += 1;
  });
  return counter;
}

Object.assign(scenarios, {
  async live(page) {
    const listPath = new URL(url(opts.path)).pathname.replace('/clusters/', '');
    const fetches = countRequests(page, (p) => p.startsWith('/api/clusters/') && p.includes('/resources/') && p.endsWith(`/${listPath.split('/').pop()}`));
    const streams = countRequests(page, (p) => p === '/api/streams');
    await page.goto(url(opts.path));
    await page.locator('[data-list-state="current"][data-live="live"]').waitFor();
    await page.waitForFunction(() => document.querySelector('#stream-health')?.textContent === 'live', null, { timeout });
    await page.evaluate(() => { window.__sameDocument = true; });
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    await nextStdinLine();
    const before = fetches.n;
    const started = Date.now();
    await page.locator(`[data-testid="row"][data-name="${opts.name}"]`).waitFor({ timeout: 10_000 });
    const elapsedMs = Date.now() - started;
    return {
      badge: await page.locator('#stream-health').innerText(),
      listLive: await page.locator('[data-list-state]').getAttribute('data-live'),
      elapsedMs,
      reloaded: !(await page.evaluate(() => window.__sameDocument === true)),
      listFetchesAfterCreate: fetches.n - before,
      streams: streams.n,
    };
  },

  async labels(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-permissions="checked"] [data-action="labels"]');
      return b && !b.disabled;
    }, null, { timeout });
    await page.locator('[data-action="labels"]').click();
    const input = page.locator('#labels-input');
    await input.fill('-not a key=x');
    await page.locator('#action-confirm').click();
    const invalidError = await page.locator('[role="dialog"] [role="alert"]').innerText();
    await input.fill(opts.labels.split(',').join('\n'));
    await page.locator('#action-confirm').click();
    const dialogClosed = await input.waitFor({ state: 'detached', timeout }).then(() => true, () => false);
    const wanted = opts.labels.split(',').filter(Boolean);
    // The describe view shows the labels once the object is read again.
    await page.waitForFunction(
      (w) => w.every((l) => document.querySelector('main')?.innerText.includes(l)),
      wanted,
      { timeout },
    ).catch(() => {});
    const labels = await page.locator('main section').first().innerText();
    return { invalidError, dialogClosed, labels };
  },

  async rollback(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-permissions="checked"] [data-action="rollback"]');
      return b && !b.disabled;
    }, null, { timeout });
    await page.locator('[data-action="rollback"]').click();
    await page.locator('#revisions input[data-revision]').first().waitFor();
    const revisions = await page.locator('#revisions li').evaluateAll((items) => items.map((li) => {
      const input = li.querySelector('input');
      return { revision: Number(input?.dataset.revision), disabled: Boolean(input?.disabled), text: li.innerText };
    }));
    await page.locator(`#revisions input[data-revision="${opts.revision}"]`).check();
    await page.locator('#action-confirm').click();
    const dialogClosed = await page.locator('#revisions').waitFor({ state: 'detached', timeout }).then(() => true, () => false);
    const error = dialogClosed ? null : await page.locator('[role="dialog"] [role="alert"]').innerText().catch(() => null);
    return { revisions, dialogClosed, error };
  },

  async secret(page) {
    const reveals = countRequests(page, (p) => p.includes('/data/'));
    await page.goto(url(opts.path));
    const button = page.locator(`[data-reveal="${opts.key}"]`);
    await button.waitFor();
    const before = await page.locator('main').innerText();
    const revealRequestsBefore = reveals.n;
    await button.click();
    const value = page.locator(`[data-secret-value="${opts.key}"]`);
    await value.waitFor();
    const revealed = await value.innerText();
    // Leave (in-app navigation) and come back: the value is gone.
    await page.locator('main a').first().click();
    await page.locator('[data-list-state]').waitFor();
    await page.goBack();
    await page.locator(`[data-reveal="${opts.key}"]`).waitFor();
    const hiddenAfterReturn = (await page.locator('[data-secret-value]').count()) === 0
      && !(await page.locator('main').innerText()).includes(revealed);
    return { before, revealRequestsBefore, revealed, hiddenAfterReturn, revealRequests: reveals.n };
  },
});

async function main() {
  const scenario = scenarios[opts.scenario];
  if (!scenario) {
    out({ error: `unknown scenario ${opts.scenario}` });
    return 2;
  }
  const pageErrors = [];
  const blockedRequests = [];
  let browser;
  let page;
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    context.setDefaultTimeout(timeout);
    await context.route((u) => !LOOPBACK.has(u.hostname) && /^(https?|wss?):$/.test(u.protocol), (route) => {
      blockedRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const result = await scenario(page);
    if (opts.screenshot) {
      mkdirSync(dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot });
    }
    out({ ...result, pageErrors, blockedRequests });
    return 0;
  } catch (e) {
    log(e.stack || e.message);
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

process.exitCode = await main();
