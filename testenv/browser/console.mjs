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
//   palette-action open P (a Deployment page), press Ctrl+K, type "scale", pick the action,
//           set --replicas in the dialog it opens and confirm
//                                                         → {results,picked,dialogClosed,error}
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
//   command open P, then the `:` command line: an unknown command, a bad namespace, then
//           `:pods --namespace`, `:deploy` (namespace kept), `:q` and Esc
//                                                         → {unknownError,badNamespace,podsUrl,podRows,
//                                                           deployUrl,deployRows,closedByQ,closedByEscape}
//   context open P, run `:ctx --query` on the command line → {url,rows}
//   rows    open P (a list): keys typed into the filter box are text; then j j k ↓ ↓ move the
//           highlight, --count more j scroll it into view, Enter opens it, Back returns to it
//                                                         → {typed,afterJ,afterJJ,afterK,afterArrows,
//                                                           far,opened,cursorAfterBack,afterBack}
//   states  open P (a list), read each row's tone and background, its status pill (text, tone,
//           accessible name) and a restart count that stands out, and how many elements the
//           accessibility tree names with the pill's label in that row
//                                                         → {rows:[{name,tone,background,pill,restartsHigh}],named}
//   warnings open P (an overview), read the warning group of --reason (pill, count, objects,
//           link) and the capacity meters of node --node and of the cluster, then open the
//           group's first object            → {warning,capacity,opened}
//   help    open P, press `?`, read the shortcut sheet, press Esc → {shortcuts:[{id,keys,text}],closed}
//   related open P (a workload page), wait for its related pods and for the page to be live,
//           print {"ready":true}, wait for a line on stdin (the caller scaled it to --replicas),
//           time until the page shows that many desired replicas and pods, without reloading
//                                                         → {initial,detailLive,desiredMs,podsMs,
//                                                           after,reloaded,podLink}
//   overview open P (a cluster overview), wait until it is live and quiet, read the Deployments
//           figure, print {"ready":true}, wait for a line on stdin (the caller created a
//           Deployment), time until the figure changes or the dashboard is read again, without reloading
//                                                         → {live,before,after,elapsedMs,reloaded,dashboardFetches}
//   forbidden open each of --path (comma-separated) and read its calm notes and its errors
//                                                         → {pages:[{path,calm:[text],alerts:[text]}]}
//   kinds   open P, read the sidebar's sections (the kinds list the server sends); unless
//           --query is empty, run `:`--query on the command line, read the list it opens, open
//           its first row and read the action buttons once can-i answered
//                                                         → {kindsRequests,sections:[{title,kinds,note}],
//                                                           listUrl,rows,actions}
//   signout open P, click Sign out, read the signed-out page, click Sign in again
//                                                         → {text,href,backUrl,streamClosed,streamsAfter}
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { out, runScenario, shot as harnessShot } from './harness.mjs';

const log = (msg) => process.stderr.write(`console: ${msg}\n`);

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
    namespace: { type: 'string', default: '' },
    count: { type: 'string', default: '0' },
    reason: { type: 'string', default: '' },
    node: { type: 'string', default: '' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '20000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  out({ error: 'usage: --base URL --scenario NAME (see the top of this file)' });
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
      // The same query string can follow a change of kind (`:deploy` after `:pods`): the path too.
      const rendered = list?.dataset.listSearch === new URLSearchParams(window.location.search).toString()
        && list.dataset.listPath === window.location.pathname;
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

  async 'palette-action'(page) {
    await page.goto(url(opts.path));
    // can-i has answered: the palette entry is enabled like the button.
    await page.waitForFunction(() => document.querySelector('[data-permissions="checked"] [data-action="scale"]')?.disabled === false, null, { timeout });
    await page.keyboard.press('Control+k');
    await page.locator('#palette-input').fill('scale');
    const entry = page.locator('#palette-results button[data-action="scale"]');
    await entry.waitFor();
    const results = await page.locator('#palette-results button').allInnerTexts();
    const picked = await entry.innerText();
    await page.keyboard.press('Enter');
    await page.locator('#palette-input').waitFor({ state: 'detached', timeout });
    await page.locator('#action-input').fill(opts.replicas);
    await page.locator('#action-confirm').click();
    const closed = await page.locator('#action-input').waitFor({ state: 'detached', timeout }).then(() => true, () => false);
    const error = closed ? null : await page.locator('[role="dialog"] [role="alert"]').innerText().catch(() => null);
    return { results, picked, dialogClosed: closed, error };
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

/** Opens the command line with `:` (from the page, not a text box) and runs `text`. */
async function command(page, text) {
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  await page.keyboard.press(':');
  const input = page.locator('#command-input');
  await input.waitFor();
  await input.fill(text);
  await input.press('Enter');
}

/** An extra screenshot next to --screenshot (FILE-<suffix>.png), e.g. with a dialog open. */
const shot = (page, suffix) => harnessShot(page, opts.screenshot, suffix);

/** Whether the row named `name` is rendered, highlighted, and inside the table below its header. */
function rowInView(page, name) {
  return page.evaluate((n) => {
    const row = document.querySelector(`[data-testid="row"][data-name="${n}"]`);
    const scroller = document.querySelector('[role="table"]');
    const header = scroller?.querySelector('[role="row"]');
    if (!row || !scroller || !header) return { name: n, rendered: Boolean(row), visible: false, scrollTop: scroller?.scrollTop ?? 0 };
    const r = row.getBoundingClientRect();
    const s = scroller.getBoundingClientRect();
    const h = header.getBoundingClientRect();
    return {
      name: n,
      rendered: true,
      selected: row.getAttribute('aria-selected'),
      visible: r.top >= h.bottom - 1 && r.bottom <= s.bottom + 1,
      scrollTop: scroller.scrollTop,
    };
  }, name);
}

const cursorName = (page) => page.locator('[data-list-state]').getAttribute('data-cursor');

Object.assign(scenarios, {
  async command(page) {
    await page.goto(url(opts.path));
    await page.locator('header').waitFor();
    await command(page, 'frobnicate');
    const unknownError = await page.locator('#command-error').innerText();
    await shot(page, 'error');
    await page.locator('#command-input').fill('pods Team_B');
    await page.locator('#command-input').press('Enter');
    await page.waitForFunction(() => document.querySelector('#command-error')?.textContent.includes('Team_B'), null, { timeout });
    const badNamespace = await page.locator('#command-error').innerText();
    await page.locator('#command-input').fill(`pods ${opts.namespace}`);
    await page.locator('#command-input').press('Enter');
    await page.waitForURL((u) => u.pathname.endsWith('/r/core/v1/pods') && u.searchParams.get('namespace') === opts.namespace, { timeout });
    await page.locator('#command-input').waitFor({ state: 'detached' });
    await page.locator('[data-testid="row"]').first().waitFor();
    const podRows = await currentRows(page, null);
    const podsUrl = page.url();
    await command(page, 'deploy');
    await page.waitForURL((u) => u.pathname.endsWith('/r/apps/v1/deployments'), { timeout });
    await page.locator('[data-testid="row"]').first().waitFor();
    const deployRows = await currentRows(page, null);
    const deployUrl = page.url();
    await command(page, 'q');
    const closedByQ = await page.locator('#command-input').waitFor({ state: 'detached', timeout: 2000 }).then(() => true, () => false);
    await page.keyboard.press(':');
    await page.locator('#command-input').waitFor();
    await page.keyboard.press('Escape');
    const closedByEscape = await page.locator('#command-input').waitFor({ state: 'detached', timeout: 2000 }).then(() => true, () => false);
    return { unknownError, badNamespace, podsUrl, podRows, deployUrl, deployRows, closedByQ, closedByEscape, url: page.url() };
  },

  async context(page) {
    await page.goto(url(opts.path));
    await page.locator('[data-testid="row"]').first().waitFor();
    const before = new URL(page.url()).pathname;
    await command(page, `ctx ${opts.query}`);
    await page.waitForURL((u) => u.pathname !== before, { timeout });
    await page.locator('[data-testid="row"]').first().waitFor();
    return { url: page.url(), rows: await currentRows(page, null) };
  },

  async rows(page) {
    await page.goto(url(opts.path));
    await page.locator('[data-testid="row"]').first().waitFor();
    await currentRows(page, null);
    // Typed into a text box, shortcut keys are text.
    await page.locator('#label-selector').click();
    await page.keyboard.type('jk?:');
    const typed = {
      value: await page.locator('#label-selector').inputValue(),
      cursor: await cursorName(page),
      sheet: await page.locator('#shortcut-sheet').count(),
      command: await page.locator('#command-input').count(),
    };
    await page.locator('#label-selector').fill('');
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.searchParams.has('labelSelector'), { timeout });
    await currentRows(page, null);
    const press = async (key) => {
      await page.keyboard.press(key);
      return cursorName(page);
    };
    const afterJ = await press('j');
    const afterJJ = await press('j');
    const afterK = await press('k');
    await press('ArrowDown');
    const afterArrows = await press('ArrowDown');
    // Far down: the highlighted row is scrolled into view below the sticky header.
    for (let i = 0; i < Number(opts.count); i += 1) await page.keyboard.press('j');
    const farName = await cursorName(page);
    await page.waitForTimeout(300);
    const far = await rowInView(page, farName);
    await shot(page, 'highlight');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname.endsWith(`/${encodeURIComponent(farName)}`), { timeout });
    const opened = { url: page.url(), name: await page.locator('#object-name').innerText() };
    await page.goBack();
    await page.locator('[data-testid="row"]').first().waitFor();
    const cursorAfterBack = await cursorName(page);
    await page.waitForTimeout(300);
    const afterBack = await rowInView(page, cursorAfterBack);
    return { typed, afterJ, afterJJ, afterK, afterArrows, far, opened, cursorAfterBack, afterBack };
  },

  async states(page) {
    await page.goto(url(opts.path));
    await page.locator('[data-testid="row"]').first().waitFor();
    await currentRows(page, null);
    // Each row: its tone, the status cell's text as shown, the pill's tone and accessible name,
    // and whether its restart count stands out; then what the accessibility tree names.
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="row"]')].map((row) => {
        const pill = row.querySelector('[role="img"][data-tone]');
        const high = row.querySelector('[data-high="true"]');
        return {
          name: row.dataset.name,
          tone: row.dataset.tone ?? null,
          background: getComputedStyle(row).backgroundColor,
          pill: pill ? { text: pill.closest('[role="cell"]').innerText.trim(), tone: pill.dataset.tone, label: pill.getAttribute('aria-label') } : null,
          restartsHigh: high ? high.innerText.trim() : null,
        };
      }),
    );
    const named = {};
    for (const r of rows) {
      if (r.pill) named[r.name] = await page.locator(`[data-testid="row"][data-name="${r.name}"]`).getByRole('img', { name: r.pill.label, exact: true }).count();
    }
    return { rows, named };
  },

  async help(page) {
    await page.goto(url(opts.path));
    await page.locator('header').waitFor();
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('?');
    await page.locator('#shortcut-sheet').waitFor();
    await shot(page, 'open');
    const shortcuts = await page.locator('#shortcut-sheet [data-shortcut]').evaluateAll((rows) =>
      rows.map((r) => ({ id: r.dataset.shortcut, keys: [...r.querySelectorAll('kbd')].map((k) => k.textContent), text: r.innerText })));
    await page.keyboard.press('Escape');
    const closed = await page.locator('#shortcut-sheet').waitFor({ state: 'detached', timeout: 2000 }).then(() => true, () => false);
    return { shortcuts, closed };
  },

  async related(page) {
    await page.goto(url(opts.path));
    const pods = page.locator('#related-pods [data-testid="related-pod"]');
    await page.waitForFunction((n) => document.querySelectorAll('#related-pods [data-testid="related-pod"]').length >= n, Number(opts.count), { timeout });
    const initial = await pods.evaluateAll((rows) => rows.map((r) => ({ name: r.dataset.name, status: r.dataset.status })));
    const podLink = await pods.first().locator('a').getAttribute('href');
    await page.locator('[data-live="live"] #object-name').waitFor();
    await page.locator('#related-pods[data-live="live"]').waitFor();
    const detailLive = await page.locator('#object-name').evaluate((e) => e.closest('[data-live]')?.dataset.live);
    await page.evaluate(() => { window.__sameDocument = true; });
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    await nextStdinLine();
    const started = Date.now();
    const desired = page.waitForFunction((n) => document.querySelector('dd[data-field="Replicas"]')?.textContent === n, opts.replicas, { timeout: 10_000 })
      .then(() => Date.now() - started);
    const counted = page.waitForFunction((n) => document.querySelectorAll('#related-pods [data-testid="related-pod"]').length === n, Number(opts.replicas), { timeout: 10_000 })
      .then(() => Date.now() - started);
    const [desiredMs, podsMs] = await Promise.all([desired, counted]);
    const after = await pods.evaluateAll((rows) => rows.map((r) => r.dataset.name));
    return { initial, detailLive, desiredMs, podsMs, after, reloaded: !(await page.evaluate(() => window.__sameDocument === true)), podLink };
  },

  async overview(page) {
    const dashboards = countRequests(page, (p) => p.endsWith('/dashboard'));
    await page.goto(url(opts.path));
    await page.locator('[data-live="live"] [data-stat="Deployments"]').waitFor();
    // Past the refresh throttle of the page's first reads: the next change refetches at once.
    await page.waitForTimeout(5500);
    const figure = () => page.locator('[data-stat="Deployments"] [data-value]').innerText();
    const before = await figure();
    await page.evaluate(() => { window.__sameDocument = true; });
    const fetchesBefore = dashboards.n;
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    await nextStdinLine();
    const started = Date.now();
    let after = before;
    // Done when the figure moved or the page fetched the dashboard again (other tests may
    // delete a Deployment just as this one is created, leaving the total where it was).
    while (after === before && dashboards.n === fetchesBefore && Date.now() - started < 20_000) {
      await page.waitForTimeout(50);
      after = await figure();
    }
    await page.waitForTimeout(300);
    after = await figure();
    return {
      live: await page.locator('[data-live]').first().getAttribute('data-live'),
      before,
      after,
      elapsedMs: Date.now() - started,
      reloaded: !(await page.evaluate(() => window.__sameDocument === true)),
      dashboardFetches: dashboards.n - fetchesBefore,
    };
  },

  async warnings(page) {
    await page.goto(url(opts.path));
    const group = page.locator(`[data-warning-reason="${opts.reason}"]`);
    await group.waitFor();
    const node = page.locator(`[data-capacity-node="${opts.node}"]`);
    await node.waitFor();
    const meters = async (root) =>
      root.getByRole('meter').evaluateAll((ms) => ms.map((m) => ({ name: m.getAttribute('aria-label'), text: m.getAttribute('aria-valuetext'), now: Number(m.getAttribute('aria-valuenow')) })));
    const pill = group.getByRole('img');
    const link = group.locator('[data-warned] a').first();
    const warning = {
      pillName: await pill.getAttribute('aria-label'),
      pillTone: await pill.getAttribute('data-tone'),
      count: await group.locator('[data-count]').getAttribute('data-count'),
      objects: await group.locator('[data-warned]').evaluateAll((os) => os.map((o) => o.innerText)),
      href: await link.getAttribute('href'),
      // Warnings come before capacity and the rest.
      firstSection: await page.locator('section[id^="overview-"]').first().getAttribute('id'),
    };
    const capacity = { node: await meters(node), total: await meters(page.locator('[data-capacity-total]')) };
    await shot(page, 'warnings');
    await link.click();
    await page.waitForURL((u) => u.pathname === new URL(url(warning.href)).pathname, { timeout });
    return { warning, capacity, opened: await page.locator('#object-name').innerText() };
  },

  async forbidden(page) {
    const pages = [];
    for (const path of opts.path.split(',')) {
      await page.goto(url(path));
      await page.locator('[data-forbidden], [role="alert"], [data-testid="cluster-card"] [role="status"]').first().waitFor();
      await shot(page, path.split('?')[0].split('/').filter(Boolean).pop() || 'fleet');
      const read = (sel) => page.locator(sel).evaluateAll((els) => els.map((e) => e.innerText));
      pages.push({ path, calm: await read('main [role="status"]'), alerts: await read('main [role="alert"]') });
    }
    return { pages };
  },

  async kinds(page) {
    const kindsRequests = countRequests(page, (p) => /^\/api\/clusters\/[^/]+\/kinds$/.test(p));
    await page.goto(url(opts.path));
    await page.locator('aside [data-kinds="loaded"]').waitFor();
    await shot(page, 'sidebar');
    const sections = await page.locator('aside section').evaluateAll((els) =>
      els.map((s) => ({
        title: s.querySelector('h2')?.textContent ?? '',
        kinds: [...s.querySelectorAll('a')].map((a) => a.textContent),
        note: s.querySelector('p')?.textContent ?? null,
      })));
    if (!opts.query) return { kindsRequests: kindsRequests.n, sections };
    await command(page, opts.query);
    await page.waitForURL((u) => u.pathname.includes('/r/'), { timeout });
    await page.locator('[data-testid="row"]').first().waitFor();
    const rows = await currentRows(page, null);
    const listUrl = page.url();
    await page.locator('[data-testid="row"] a').first().click();
    await page.locator('#object-name').waitFor();
    await page.locator('[data-permissions="checked"] [data-action]').first().waitFor();
    const actions = await page.locator('[data-action]').evaluateAll((els) => els.map((e) => e.dataset.action));
    return { kindsRequests: kindsRequests.n, sections, listUrl, rows, actions };
  },

  async signout(page) {
    const streams = countRequests(page, (p) => p === '/api/streams');
    const ended = { stream: false };
    const onEnd = (r) => { if (new URL(r.url()).pathname === '/api/streams') ended.stream = true; };
    page.on('requestfailed', onEnd);
    page.on('requestfinished', onEnd);
    await page.goto(url(opts.path));
    await page.locator('#sign-out').waitFor();
    await page.waitForFunction(() => document.querySelector('#stream-health')?.textContent === 'live', null, { timeout });
    await page.locator('#sign-out').click();
    await page.locator('#signed-out').waitFor();
    await shot(page, 'page');
    const text = await page.locator('#signed-out').innerText();
    const href = await page.locator('#sign-in-again').getAttribute('href');
    const deadline = Date.now() + 3000;
    while (!ended.stream && Date.now() < deadline) await page.waitForTimeout(100);
    const streamClosed = ended.stream;
    await page.waitForTimeout(1500);
    const streamsAfter = streams.n;
    await page.locator('#sign-in-again').click();
    await page.locator('#sign-out').waitFor();
    return { text, href, backUrl: page.url(), streamClosed, streamsAfter };
  },
});

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], { ...opts, log });
