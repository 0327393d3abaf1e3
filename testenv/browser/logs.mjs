#!/usr/bin/env node
// Drives the log viewer in Debian's Chromium (playwright-core) for the browser tests in
// crates/periscope/tests/logs_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/logs.mjs --base URL --scenario NAME --path P [--append FILE]
//        [--pods A,B] [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   pod       open P (a pod's page), its Logs tab; read the newest lines, an ANSI-coloured line
//             and a pretty-printed JSON line; append lines to FILE (the pod's log, CRI format)
//             and see them arrive; scroll up (following pauses, a new line waits), press `f`
//             (following resumes); find "needle" (`/`, Enter, `]`, `[`); `w` and `t`; copy a
//             line's permalink; pick the container `sidecar`; download the log; then open the
//             page's URL, and the permalink, each in a fresh tab
//   workload  open P (a Deployment's page), its Logs tab, then the full page; read the pod
//             chips and the pods of the lines; click the chip of the first of --pods; find
//             "shop"; download (gzipped); open the URL in a fresh tab; click "All pods"
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

import { out, runScenario } from './harness.mjs';

const log = (msg) => process.stderr.write(`logs.mjs: ${msg}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    append: { type: 'string', default: '' },
    pods: { type: 'string', default: '' },
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

/** Appends one CRI-format line to the pod's log file (kwok streams it to followers). */
function append(text) {
  const t = new Date().toISOString().replace('Z', '000000Z');
  appendFileSync(opts.append, `${t} stdout F ${text}\n`);
}

const viewer = (page) => page.evaluate(() => ({ ...document.querySelector('#log-viewer')?.dataset }));
const param = (page, key) => new URL(page.url()).searchParams.get(key);

/** Waits until a line holding `text` is rendered (in or near the view: rows are virtualized). */
const lineWith = (page, text) => page.locator('[data-testid="log-line"]', { hasText: text }).first();

/** Whether the line holding `text` is inside the visible part of the lines. */
function inView(page, text) {
  return page.evaluate((t) => {
    const box = document.querySelector('#log-lines')?.getBoundingClientRect();
    const row = [...document.querySelectorAll('[data-testid="log-line"]')].find((r) => r.textContent.includes(t));
    if (!box || !row) return false;
    const r = row.getBoundingClientRect();
    return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  }, text);
}

/** The pods of the lines rendered now. */
const linePods = (page) => page.locator('[data-testid="log-line"]').evaluateAll((rows) => [...new Set(rows.map((r) => r.dataset.pod ?? ''))].sort());

async function waitFollow(page, state) {
  await page.waitForFunction((s) => document.querySelector('#log-viewer')?.dataset.follow === s, state, { timeout });
}

/** Waits for the find's count (and the current match's row, once scrolled to) and reads them. */
async function findCount(page) {
  await page.locator('#log-find-count').waitFor();
  await page.waitForFunction(() => !/ \/ /.test(document.querySelector('#log-find-count')?.textContent ?? '') || document.querySelector('[data-current]'), null, { timeout });
  return page.evaluate(() => {
    const c = document.querySelector('#log-find-count');
    return { count: Number(c?.dataset.count), text: c?.textContent ?? '', current: document.querySelector('[data-current] [data-text]')?.textContent ?? null };
  });
}

/** Clicks `selector` and reads the file it downloads. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout }), page.locator(selector).click()]);
  const path = await file.path();
  const bytes = readFileSync(path);
  const text = file.suggestedFilename().endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return { filename: file.suggestedFilename(), url: file.url(), text };
}

/** The view a fresh tab shows for `href`: what the toolbar says and what the lines are. */
async function freshTab(page, href, settle) {
  const fresh = await page.context().newPage();
  await fresh.goto(href);
  await fresh.locator('#log-viewer').waitFor();
  await settle(fresh);
  const state = await fresh.evaluate(() => ({
    container: document.querySelector('#log-container')?.value,
    tail: document.querySelector('#log-tail')?.value,
    wrap: document.querySelector('#log-wrap')?.checked,
    timestamps: document.querySelector('#log-timestamps')?.checked,
    follow: document.querySelector('#log-follow')?.checked,
    find: document.querySelector('#log-find')?.value,
    chips: [...document.querySelectorAll('[data-pod-chip][aria-pressed="true"]')].map((c) => c.dataset.podChip),
    chipColours: Object.fromEntries([...document.querySelectorAll('[data-pod-chip]')].map((c) => [c.dataset.podChip, getComputedStyle(c).backgroundColor])),
    timestampsShown: document.querySelectorAll('[data-ts]').length,
    marked: document.querySelector('[data-marked] [data-text]')?.textContent ?? null,
  }));
  const result = { ...state, url: fresh.url(), pods: await linePods(fresh), viewer: await viewer(fresh) };
  if (await fresh.locator('#log-find-count').count()) result.findCount = (await findCount(fresh)).count;
  await fresh.close();
  return result;
}

const scenarios = {
  async pod(page) {
    await page.goto(url(opts.path));
    await page.locator('[data-tab="logs"]').click();
    await page.waitForURL((u) => u.searchParams.get('tab') === 'logs', { timeout });
    await lineWith(page, 'history line 200').waitFor();
    const loaded = await viewer(page);
    const newestInView = await inView(page, 'history line 200');
    const ansi = await page.locator('[data-testid="log-line"] .ansi-fg-1').first().innerText();
    await page.locator('[data-testid="log-line"]', { hasText: 'json needle' }).locator('[data-json-toggle]').click();
    const pretty = await page.locator('[data-json]').first().innerText();

    // Following: an appended line arrives and is shown.
    append('live line 1');
    await lineWith(page, 'live line 1').waitFor();
    const live1InView = await inView(page, 'live line 1');

    // Scrolling up pauses; a new line then waits below; `f` resumes at the newest line.
    await page.locator('#log-lines').hover();
    await page.mouse.wheel(0, -1500);
    await waitFollow(page, 'paused');
    const received = Number((await viewer(page)).received);
    append('live line 2');
    await page.waitForFunction((n) => Number(document.querySelector('#log-viewer')?.dataset.received) > n, received, { timeout });
    await page.locator('#log-resume', { hasText: '1 new' }).waitFor();
    const paused = { banner: await page.locator('#log-resume').innerText(), live2InView: await inView(page, 'live line 2') };
    await page.keyboard.press('f');
    await waitFollow(page, 'following');
    await lineWith(page, 'live line 2').waitFor();
    await page.waitForFunction(() => {
      const el = document.querySelector('#log-lines');
      return el && el.scrollHeight - el.scrollTop - el.clientHeight <= 4;
    }, null, { timeout });
    const resumed = { live2InView: await inView(page, 'live line 2') };

    // Find: `/` focuses the box, Enter finds, `]` and `[` step through the matches.
    await page.locator('#log-lines').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    const findFocused = await page.evaluate(() => document.activeElement?.id);
    await page.keyboard.type('needle');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('find') === 'needle', { timeout });
    const found = await findCount(page);
    await page.keyboard.press('Escape');
    await page.keyboard.press(']');
    await page.waitForFunction((t) => document.querySelector('#log-find-count')?.textContent !== t, found.text, { timeout });
    const next = await findCount(page);
    await page.keyboard.press('[');
    await page.waitForFunction((t) => document.querySelector('#log-find-count')?.textContent !== t, next.text, { timeout });
    const prev = await findCount(page);
    // The highlighted matches are in the lines.
    const hits = await page.locator('[data-testid="log-line"] [data-hit]').allInnerTexts();

    // Keys: wrap and timestamps.
    await page.keyboard.press('w');
    await page.waitForURL((u) => u.searchParams.get('wrap') === '0', { timeout });
    await page.keyboard.press('t');
    await page.waitForURL((u) => u.searchParams.get('ts') === '0', { timeout });
    // The URL changes first; the rows follow with the next render.
    await page.waitForFunction(() => document.querySelectorAll('[data-ts]').length === 0, null, { timeout: 3000 }).catch(() => {});
    const timestampsShown = await page.locator('[data-ts]').count();

    // A line's permalink (the current match's line). Its text is read and its button clicked in
    // one step in the page, so both are the same row even while rows re-render (they may still
    // move as they are measured again after `w`).
    const linked = await page.locator('[data-current]').evaluate((row) => {
      const text = row.querySelector('[data-text]').innerText;
      row.querySelector('[data-permalink]').click();
      return text;
    });
    const permalink = await page.locator('#log-permalink').inputValue();

    // Another container.
    await page.locator('#log-container').selectOption('sidecar');
    await page.waitForURL((u) => u.searchParams.get('container') === 'sidecar', { timeout });
    await lineWith(page, 'sidecar line 30').waitFor();
    const sidecar = { pods: await linePods(page), texts: await page.locator('[data-testid="log-line"] [data-text]').allInnerTexts(), find: await findCount(page) };
    const containers = await page.locator('#log-container option').allInnerTexts();

    const downloaded = await download(page, '#log-download');

    // The URL reproduces the view in a fresh tab; the permalink opens its line.
    const here = page.url();
    const again = await freshTab(page, here, (p) => lineWith(p, 'sidecar line 30').waitFor());
    const linkTab = await freshTab(page, permalink, (p) => p.locator('[data-marked]').waitFor());
    return {
      loaded, newestInView, ansi, pretty, live1InView, paused, resumed, findFocused, found, next, prev, hits,
      timestampsShown, linked, permalink, sidecar, containers, downloaded, here, again, linkTab,
      params: Object.fromEntries(new URL(here).searchParams),
    };
  },

  async workload(page) {
    const pods = opts.pods.split(',').filter(Boolean);
    await page.goto(url(opts.path));
    await page.locator('[data-tab="logs"]').click();
    await page.locator('#log-full-page').click();
    await page.waitForURL((u) => u.pathname.endsWith('/logs'), { timeout });
    const fullPageUrl = new URL(page.url()).pathname;
    await page.waitForFunction((n) => document.querySelectorAll('[data-pod-chip]').length >= n + 1, pods.length, { timeout });
    const chips = await page.locator('[data-pod-chip]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.podChip, getComputedStyle(e).backgroundColor])));
    await page.waitForFunction((n) => new Set([...document.querySelectorAll('[data-testid="log-line"]')].map((r) => r.dataset.pod)).size >= n, pods.length, { timeout });
    const before = await linePods(page);
    const tagColours = await page.locator('[data-line-pod]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.textContent, getComputedStyle(e).backgroundColor])));

    // A pod's chip: only that pod's lines (the server filters).
    const picked = pods[0];
    await page.locator(`[data-pod-chip="${picked}"]`).click();
    await page.waitForURL((u) => u.searchParams.get('pods') === picked, { timeout });
    await page.waitForFunction((p) => {
      const rows = [...document.querySelectorAll('[data-testid="log-line"]')];
      return document.querySelector('#log-viewer')?.dataset.phase === 'streaming' && rows.length > 0 && rows.every((r) => r.dataset.pod === p);
    }, picked, { timeout });
    const filtered = await linePods(page);
    const pressed = await page.locator('[data-pod-chip][aria-pressed="true"]').evaluateAll((els) => els.map((e) => e.dataset.podChip));

    await page.keyboard.press('/');
    await page.keyboard.type('shop');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('find') === 'shop', { timeout });
    const found = await findCount(page);

    const downloaded = await download(page, '#log-download-gzip');
    const here = page.url();
    const lines = Number((await viewer(page)).lines);
    const again = await freshTab(page, here, (p) => p.waitForFunction((n) => Number(document.querySelector('#log-viewer')?.dataset.lines) >= n, lines, { timeout }));

    await page.locator('[data-pod-chip=""]').click();
    await page.waitForURL((u) => !u.searchParams.has('pods'), { timeout });
    await page.waitForFunction((n) => new Set([...document.querySelectorAll('[data-testid="log-line"]')].map((r) => r.dataset.pod)).size >= n, pods.length, { timeout });
    const allAgain = await linePods(page);
    return { fullPageUrl, chips, before, tagColours, filtered, pressed, found, lines, downloaded, here, again, allAgain };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], { ...opts, log });
