#!/usr/bin/env node
// Measures the web console in Debian's Chromium (playwright-core) for `PERISCOPE_BENCH=web`
// (bench/src/web.rs). The server must not need a sign-in (dev mode). Prints ONE JSON line on
// stdout (on failure {"error",...} and exit 1); progress goes to stderr.
//
//   node testenv/browser/bench.mjs --base URL --path P --phases LIST [--runs N]
//        [--scroll-px N] [--scroll-seconds S] [--keys TEXT] [--split-keys N] [--split-clicks N]
//        [--split-profile FILE] [--timeout MS] [--chromium PATH] [--dist DIR]
//
// --dist serves the page (index.html) and /assets/* from DIR, a `vite build` output, instead of
// what the server embeds (the API still goes to the server): a change to web/ can be measured
// without rebuilding the binary. --split-profile writes a CPU profile (Chrome's .cpuprofile) of
// the split phase's `j` pass.
//
// P is a list page (e.g. /clusters/bench/pods?namespace=bench-50k). Phases (comma-separated,
// run in this order in one browser):
//   cold    one navigation to P in a fresh browser profile          → cold: <load>
//   warm    N navigations to P, each in a new page of one context (the assets cached, the
//           server's list warm from the navigation before)           → warm: [<load>]
//   filter  after a warm navigation: press `/`, type --keys one key at a time (each waits for
//           its result), then Backspace 4 times; then the same text typed at 80 ms a key
//                                                                   → filter: {keystrokes, typed}
//   scroll  after a warm navigation: scroll down through the whole list at --scroll-px per
//           animation frame (pages of rows load as it goes; at most --scroll-seconds), then
//           back up through the loaded rows at twice that speed     → scroll: {down, up}
//   split   the split layout, in a browser context of its own (the layout is remembered in
//           localStorage): a warm navigation, `v`, the list scrolled to row 60 and a row there
//           clicked; then `j` --split-keys times (rows never shown: each was read ahead while
//           its neighbour showed), `k` as many times back (rows shown before), one key at a
//           time, each waiting until the pane shows its pod and the page's requests are quiet;
//           then a fresh tab (empty query cache) where every click highlights the row two below
//           the last (never read ahead: its read is the click's), --split-clicks times
//                                                                   → split: {down, up, click, …}
//   jssize  the JavaScript index.html loads (module scripts and modulepreloads), gzipped
//                                                                   → jssize: {files, gzip_bytes, …}
//
// A split switch is timed from the key's keydown (the click's click) to the end of the first
// animation frame in which the pane (#split-detail) names the new row and shows its describe
// view ([data-describe], data-state="loaded"): a user-blocking task (scheduler.postTask) posted
// from that frame's requestAnimationFrame runs right after its style, layout and paint
// (`frame_ms`: to the frame's requestAnimationFrame, before them). Each switch also says when the list's highlight
// and the pane's heading showed it, whether the pane showed "Loading…" for it (its object was
// not in the query cache), its object read if one started after the input, the long animation
// frames in between, and where the list's scroller was before and after.
//
// <load> = {fmp_ms, row_in_dom_ms, fcp_ms, dom_content_loaded_ms, first_list_response_ms,
//           snapshot_ms, snapshot_bytes, long_frames_while_loading: {count, max_ms, worst}, js: […]}, in ms
// since navigation start (performance.timeOrigin). FMP is the first animation frame after the
// first data row (`[data-testid="row"]`) entered the DOM, i.e. the frame that paints it.

import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const VIEWPORT = { width: 1280, height: 800 };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const log = (msg) => process.stderr.write(`bench.mjs: ${msg}\n`);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    path: { type: 'string' },
    phases: { type: 'string', default: 'cold,warm,scroll,filter,jssize' },
    runs: { type: 'string', default: '5' },
    'scroll-px': { type: 'string', default: '320' },
    'scroll-seconds': { type: 'string', default: '300' },
    keys: { type: 'string', default: 'pod-0421' },
    'split-keys': { type: 'string', default: '100' },
    'split-clicks': { type: 'string', default: '50' },
    'split-profile': { type: 'string' },
    dist: { type: 'string' },
    timeout: { type: 'string', default: '60000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.path) {
  out({ error: 'usage: --base URL --path P [--phases cold,warm,scroll,filter,split,jssize]' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;

// ---------------------------------------------------------------------------------------------
// In-page instrumentation, installed before the app's scripts run on every navigation. It only
// observes: a MutationObserver for the first row, PerformanceObservers for long frames and
// resources, a listener on the app's EventSource for the snapshot's arrival, key timestamps,
// and the app's history.replaceState calls (when a typed filter is committed to the URL).
function instrument() {
  const b = {
    rowInDom: null, rowPainted: null, loafs: [], longtasks: [], snapshots: [], keys: [], urls: [],
  };
  window.__bench = b;
  const afterPaint = (fn) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => fn(performance.now());
    ch.port2.postMessage(0);
  });
  const rows = new MutationObserver(() => {
    if (b.rowInDom !== null || !document.querySelector('[data-testid="row"]')) return;
    b.rowInDom = performance.now();
    rows.disconnect();
    // The frame after the commit paints the row (rAF runs right before that frame's paint).
    requestAnimationFrame((ts) => { b.rowFrame = ts; });
    afterPaint((t) => { b.rowPainted = t; });
  });
  rows.observe(document, { childList: true, subtree: true });
  const attribution = (e) => (e.scripts ?? []).map((s) => ({
    invoker: s.invoker, source: s.sourceURL ? `${s.sourceURL.split('/').pop()}:${s.sourceFunctionName ?? ''}@${s.sourceCharPosition}` : '',
    duration: Math.round(s.duration), forcedLayout: Math.round(s.forcedStyleAndLayoutDuration ?? 0),
  }));
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.loafs.push({
          start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
          render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
          style: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: attribution(e),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch { /* no LoAF in this browser */ }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch { /* no longtask */ }
  const Source = window.EventSource;
  if (Source) {
    window.EventSource = class extends Source {
      constructor(...args) {
        super(...args);
        // Registered before the app's listeners: the time is the arrival, before the app parses.
        this.addEventListener('snapshot', (e) => b.snapshots.push({ at: performance.now(), bytes: e.data.length }));
      }
    };
  }
  window.addEventListener('keydown', (e) => b.keys.push({ key: e.key, at: e.timeStamp }), true);
  for (const name of ['replaceState', 'pushState']) {
    const orig = history[name].bind(history);
    history[name] = (state, title, u) => {
      b.urls.push({ at: performance.now(), url: String(u) });
      return orig(state, title, u);
    };
  }
}

/** Frame-time summary of durations in ms. */
function summarize(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  const pick = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))] : null);
  const round = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return { count: sorted.length, p50_ms: round(pick(50)), p95_ms: round(pick(95)), p99_ms: round(pick(99)), max_ms: round(pick(100)) };
}

/** Long animation frames (≥ 50 ms, LoAF) that started in [from, to), with the longest one's scripts. */
function longFrames(loafs, from, to) {
  const inside = loafs.filter((l) => l.start >= from && l.start < to);
  const worst = inside.reduce((w, l) => (!w || l.duration > w.duration ? l : w), null);
  return {
    count: inside.length,
    max_ms: worst ? Math.round(worst.duration) : 0,
    total_ms: Math.round(inside.reduce((s, l) => s + l.duration, 0)),
    worst: worst && {
      at_ms: Math.round(worst.start), duration_ms: Math.round(worst.duration), blocking_ms: Math.round(worst.blocking),
      render_ms: Math.round(worst.render), style_layout_ms: Math.round(worst.style), scripts: worst.scripts.slice(0, 5),
    },
  };
}

/** Tracks the page's API list requests, to know when the list has settled. */
function trackRequests(page) {
  const state = { inflight: 0, last: Date.now() };
  const isList = (r) => new URL(r.url()).pathname.includes('/resources/');
  page.on('request', (r) => { if (isList(r)) { state.inflight += 1; state.last = Date.now(); } });
  const done = (r) => { if (isList(r)) { state.inflight -= 1; state.last = Date.now(); } };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return state;
}

/** Waits until the stream's snapshot arrived and no list request ran for `quietMs`. */
async function settle(page, requests, quietMs = 1500) {
  await page.waitForFunction(() => window.__bench.snapshots.length > 0, null, { timeout });
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (requests.inflight === 0 && Date.now() - requests.last >= quietMs) return;
    await page.waitForTimeout(100);
  }
  throw new Error('the list did not settle');
}

/** Navigates `page` to the list and reports the load (see <load> above). */
async function load(page, scripts) {
  const requests = trackRequests(page);
  await page.goto(url(opts.path), { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__bench?.rowPainted !== null && window.__bench?.rowPainted !== undefined, null, { timeout });
  await settle(page, requests);
  const result = await page.evaluate(() => {
    const b = window.__bench;
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const list = performance.getEntriesByType('resource').find((r) => r.name.includes('/resources/') && r.name.includes('limit='));
    return {
      fmp_ms: b.rowPainted, row_frame_ms: b.rowFrame ?? null, row_in_dom_ms: b.rowInDom,
      fcp_ms: fcp ? fcp.startTime : null,
      dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
      first_list_request_ms: list ? list.startTime : null,
      first_list_response_ms: list ? list.responseEnd : null,
      snapshot_ms: b.snapshots[0]?.at ?? null, snapshot_bytes: b.snapshots[0]?.bytes ?? null,
      loafs: b.loafs, settled_ms: performance.now(),
      rows: document.querySelector('#list-count')?.textContent ?? '',
    };
  });
  const round = (v) => (v === null ? null : Math.round(v));
  const report = {
    fmp_ms: round(result.fmp_ms), row_in_dom_ms: round(result.row_in_dom_ms), fcp_ms: round(result.fcp_ms),
    dom_content_loaded_ms: round(result.dom_content_loaded_ms), first_list_request_ms: round(result.first_list_request_ms),
    first_list_response_ms: round(result.first_list_response_ms), snapshot_ms: round(result.snapshot_ms),
    snapshot_bytes: result.snapshot_bytes, settled_ms: round(result.settled_ms), rows_shown: result.rows,
    // Frames the main thread held ≥ 50 ms while the page loaded (until settled).
    long_frames_while_loading: longFrames(result.loafs, 0, result.settled_ms),
  };
  if (scripts) report.js = scripts;
  return report;
}

/** The JS responses of a page (for the cold load: what the browser really fetched). */
function recordScripts(page) {
  const files = [];
  page.on('response', async (r) => {
    if (r.request().resourceType() !== 'script') return;
    try {
      const body = await r.body();
      files.push({ path: new URL(r.url()).pathname, bytes: body.length, gzip_bytes: gzipSync(body).length });
    } catch { /* redirected or gone */ }
  });
  return files;
}

async function newContext(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(timeout);
  await context.route((u) => !LOOPBACK.has(u.hostname) && /^(https?|wss?):$/.test(u.protocol), (route) => route.abort('blockedbyclient'));
  await context.addInitScript(instrument);
  if (opts.dist) {
    const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };
    await context.route((u) => LOOPBACK.has(u.hostname), (route) => {
      const request = route.request();
      const { pathname } = new URL(request.url());
      const file = pathname.startsWith('/assets/') ? join(opts.dist, pathname)
        : request.resourceType() === 'document' ? join(opts.dist, 'index.html') : null;
      if (!file) return route.fallback();
      return route.fulfill({ body: readFileSync(file), contentType: types[extname(file)] ?? 'application/octet-stream' });
    });
  }
  return context;
}

/** Scrolls the list's scroller by `px` each animation frame until `done` or `maxMs`. */
async function scrollPass(page, direction, px, maxMs) {
  const from = await page.evaluate(() => performance.now());
  const result = await page.evaluate(({ direction, px, maxMs }) => new Promise((resolve) => {
    const el = document.querySelector('[role="table"]');
    const counts = () => {
      const m = /^(\d+) of (\d+)/.exec(document.querySelector('#list-count')?.textContent ?? '');
      return m ? { loaded: Number(m[1]), total: Number(m[2]) } : { loaded: 0, total: 0 };
    };
    const deltas = [];
    let prev = null;
    let start = null;
    let stalled = 0;
    const frame = (ts) => {
      if (start === null) start = ts;
      if (prev !== null) deltas.push(ts - prev);
      prev = ts;
      const before = el.scrollTop;
      el.scrollTop = direction === 'down' ? before + px : before - px;
      const c = counts();
      const atEnd = direction === 'down'
        ? c.loaded >= c.total && el.scrollTop + el.clientHeight >= el.scrollHeight - 1
        : el.scrollTop <= 0;
      if (el.scrollTop === before) stalled += 1; // waiting for the next page of rows
      if (atEnd || ts - start > maxMs) {
        resolve({ deltas, ms: ts - start, rows: c, stalledFrames: stalled, reachedEnd: atEnd, scrollTop: el.scrollTop });
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }), { direction, px, maxMs });
  await page.waitForTimeout(300); // let the last frames' LoAF entries arrive
  const loafs = await page.evaluate(() => window.__bench.loafs);
  const to = from + result.ms + 200;
  return {
    px_per_frame: px,
    seconds: Math.round(result.ms / 100) / 10,
    reached_end: result.reachedEnd,
    rows_loaded: result.rows.loaded,
    rows_total: result.rows.total,
    frames: result.deltas.length,
    frames_waiting_for_rows: result.stalledFrames,
    // requestAnimationFrame deltas: a frame held by a long task shows as one long delta.
    frame_ms: summarize(result.deltas),
    frames_over_50ms: result.deltas.filter((d) => d > 50).length,
    long_animation_frames: longFrames(loafs, from, to),
  };
}

async function scrollPhase(context) {
  const page = await context.newPage();
  const load0 = await load(page);
  const px = Number(opts['scroll-px']);
  const maxMs = Number(opts['scroll-seconds']) * 1000;
  log(`scroll: down at ${px} px/frame (the list loads as it goes)`);
  const down = await scrollPass(page, 'down', px, maxMs);
  log(`scroll: down ${JSON.stringify(down.frame_ms)}; up through the loaded rows`);
  await page.waitForTimeout(1000);
  const up = await scrollPass(page, 'up', px * 2, maxMs);
  log(`scroll: up ${JSON.stringify(up.frame_ms)}`);
  await page.close();
  return { load: { fmp_ms: load0.fmp_ms }, down, up };
}

/**
 * Waits for the frame that shows the rows for filter `text` (everything shown matches); `null`
 * means whatever the search box holds.
 */
async function filteredFrame(page, text) {
  return page.evaluate((wanted) => new Promise((resolve, reject) => {
    const give = setTimeout(() => reject(new Error(`no result for ${JSON.stringify(wanted)}`)), 30_000);
    const check = (ts) => {
      const want = wanted ?? document.querySelector('#list-search')?.value ?? '';
      const params = new URLSearchParams(window.location.search);
      const list = document.querySelector('[data-list-state]');
      const rows = [...document.querySelectorAll('[data-testid="row"]')].map((r) => r.dataset.name ?? '');
      const ok = (params.get('q') ?? '') === want
        && list?.dataset.listSearch === params.toString()
        && list?.dataset.listState === 'current'
        && rows.every((n) => n.toLowerCase().includes(want.toLowerCase()))
        && (rows.length > 0 || /match\.$/.test(list.textContent ?? ''));
      if (ok) {
        clearTimeout(give);
        resolve({ at: ts, text: want, rows: rows.length, count: document.querySelector('#list-count')?.textContent ?? '' });
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }), text);
}

async function filterPhase(context) {
  const page = await context.newPage();
  const requests = trackRequests(page);
  await load(page);
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  await page.keyboard.press('/');
  const keys = [...opts.keys].map((k) => ({ key: k })).concat(Array(4).fill({ key: 'Backspace' }));
  let text = '';
  const samples = [];
  for (const { key } of keys) {
    text = key === 'Backspace' ? text.slice(0, -1) : text + key;
    const before = await page.evaluate(() => ({ keys: window.__bench.keys.length, urls: window.__bench.urls.length }));
    const shown = filteredFrame(page, text);
    await page.keyboard.press(key);
    const frame = await shown;
    const b = await page.evaluate(({ k, u, want }) => {
      const q = new URLSearchParams({ q: want }).toString();
      const res = performance.getEntriesByType('resource').filter((r) => r.name.includes('/resources/') && r.name.includes(q));
      const last = res[res.length - 1];
      return {
        key: window.__bench.keys[k], commit: window.__bench.urls.slice(u).find((x) => x.url.includes(q)),
        server_ms: last ? last.responseEnd - last.requestStart : null,
      };
    }, { k: before.keys, u: before.urls, want: text });
    const sample = {
      text,
      ms: Math.round(frame.at - b.key.at),
      debounce_ms: b.commit ? Math.round(b.commit.at - b.key.at) : null,
      after_commit_ms: b.commit ? Math.round(frame.at - b.commit.at) : null,
      request_ms: b.server_ms === null ? null : Math.round(b.server_ms),
      rows: frame.count,
    };
    samples.push(sample);
    log(`filter: ${JSON.stringify(sample)}`);
    await settle(page, requests, 500);
  }
  // The same word typed at 80 ms a key: from the last key to its result.
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Backspace');
  await filteredFrame(page, '').catch(() => {});
  await settle(page, requests, 500);
  const start = await page.evaluate(() => window.__bench.keys.length);
  await page.keyboard.type(opts.keys, { delay: 80 });
  // Checked from right after the last key (a result cannot come sooner than the app's debounce).
  // The box may not hold what was typed: report what it holds.
  const typedFrame = await filteredFrame(page, null);
  const typedKeys = await page.evaluate((s) => window.__bench.keys.slice(s), start);
  const lastKey = typedKeys[typedKeys.length - 1];
  await page.close();
  const ms = samples.map((s) => s.ms);
  return {
    keystrokes: samples,
    keystroke_ms: summarize(ms),
    typed: {
      text: opts.keys, delay_between_keys_ms: 80, last_key_to_result_ms: Math.round(typedFrame.at - lastKey.at),
      box_holds: typedFrame.text, keys_lost: typedFrame.text !== opts.keys,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// split: the list page's split layout (list and detail pane side by side).

/** Tracks the page's API requests other than streams, to know when the pane's reads are done. */
function trackApi(page) {
  const state = { inflight: 0, last: Date.now() };
  const counted = (r) => {
    const { pathname } = new URL(r.url());
    return pathname.startsWith('/api/') && r.resourceType() !== 'eventsource' && !pathname.includes('stream');
  };
  page.on('request', (r) => { if (counted(r)) { state.inflight += 1; state.last = Date.now(); } });
  const done = (r) => { if (counted(r)) { state.inflight -= 1; state.last = Date.now(); } };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return state;
}

/** Waits until no API request ran for `quietMs` (at most 10 s), then two animation frames. */
async function quiet(page, requests, quietMs = 300) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !(requests.inflight <= 0 && Date.now() - requests.last >= quietMs)) {
    await page.waitForTimeout(50);
  }
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * The list's scroller and rows: scrollTop, the loaded rows in the DOM (names, top first), the
 * highlighted one, and whether `name`'s row is wholly in view (below the sticky header).
 */
function listState(page, name = null) {
  return page.evaluate((name) => {
    const el = document.querySelector('[role="table"]');
    const header = el.querySelector('[role="row"]:not([data-testid="row"])');
    const view = el.getBoundingClientRect();
    const top = view.top + (header ? header.getBoundingClientRect().height : 0);
    const rows = [...el.querySelectorAll('[data-testid="row"]')]
      .map((r) => ({ name: r.dataset.name, rect: r.getBoundingClientRect(), cursor: r.getAttribute('aria-selected') === 'true' }))
      .sort((a, b) => a.rect.top - b.rect.top);
    const bottom = view.top + el.clientTop + el.clientHeight;
    const fully = (r) => Boolean(r) && r.rect.top >= top - 1 && r.rect.bottom <= bottom + 1;
    const target = name === null ? null : rows.find((r) => r.name === name);
    return {
      scrollTop: el.scrollTop,
      names: rows.map((r) => r.name),
      visible: rows.filter(fully).map((r) => r.name),
      cursor: rows.find((r) => r.cursor)?.name ?? null,
      targetInView: name === null ? null : fully(target),
      target: name,
      // Where a click lands on it: its last cell (the first, the checkbox, is not a pick).
      targetPoint: target ? { x: target.rect.width - 12, y: target.rect.height / 2 } : null,
    };
  }, name);
}

/**
 * One switch: arms a per-frame watcher for `target`, runs `act` (a key press or a click), and
 * resolves when the pane shows `target`'s describe view (see the comment at the top).
 */
async function switchOnce(page, requests, target, act) {
  const before = await listState(page, target);
  await page.evaluate((target) => {
    const w = { target, input: null, highlight: null, heading: null, loadingSeen: false, shown: null, painted: null };
    window.__split = w;
    const take = (e) => {
      if (w.input === null) w.input = { type: e.type, key: e.key ?? null, at: e.timeStamp, row: e.target?.closest?.('[data-testid="row"]')?.dataset.name };
    };
    window.addEventListener('keydown', take, { capture: true, once: true });
    window.addEventListener('click', take, { capture: true, once: true });
    // For the message when the pane never shows the row: how the list scrolled meanwhile.
    const scroller = document.querySelector('[role="table"]');
    const scrolls = [[Math.round(performance.now()), scroller.scrollTop]];
    const onScroll = (e) => scrolls.push([Math.round(e.timeStamp), scroller.scrollTop]);
    scroller.addEventListener('scroll', onScroll);
    w.done = new Promise((resolve, reject) => {
      const give = setTimeout(() => {
        scroller.removeEventListener('scroll', onScroll);
        const pane = document.querySelector('#split-detail');
        const list = document.querySelector('[data-list-state][data-cursor]');
        const seen = `input ${JSON.stringify(w.input)}, scrollTop at ${JSON.stringify(scrolls)}, highlighted ${list?.dataset.cursor}, pane ${pane?.dataset.name} ${pane?.dataset.state}`;
        reject(new Error(`the pane did not show ${target} (${seen})`));
      }, 30_000);
      const frame = () => {
        const now = performance.now();
        const list = document.querySelector('[data-list-state][data-cursor]');
        const pane = document.querySelector('#split-detail');
        if (w.highlight === null && list?.dataset.cursor === target) w.highlight = now;
        if (pane?.dataset.name === target) {
          if (w.heading === null && document.querySelector('#split-name')?.textContent === target) w.heading = now;
          if (pane.dataset.state !== 'loaded') w.loadingSeen = true;
          if (pane.dataset.state === 'loaded' && pane.querySelector('[data-describe]')) {
            w.shown = now;
            // The first task after this frame's style, layout and paint: a user-blocking task
            // runs before the tasks the app queued meanwhile (React's effects, reads ahead).
            const after = () => {
              w.painted = performance.now();
              clearTimeout(give);
              scroller.removeEventListener('scroll', onScroll);
              resolve();
            };
            if (window.scheduler?.postTask) window.scheduler.postTask(after, { priority: 'user-blocking' });
            else {
              const ch = new MessageChannel();
              ch.port1.onmessage = after;
              ch.port2.postMessage(0);
            }
            return;
          }
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
  }, target);
  await act(before);
  const w = await page.evaluate(async () => {
    const w = window.__split;
    await w.done;
    const { target, input } = w;
    // The object's reads (GET …/resources/core/v1/pods/{namespace}/{name}).
    const reads = performance.getEntriesByType('resource').filter((e) => {
      const { pathname } = new URL(e.name);
      return pathname.includes('/resources/') && pathname.endsWith(`/${encodeURIComponent(target)}`);
    });
    const read = input && reads.find((e) => e.startTime >= input.at - 1);
    const ahead = input && reads.filter((e) => e.startTime < input.at - 1).pop();
    return {
      input, highlight: w.highlight, heading: w.heading, shown: w.shown, painted: w.painted, loadingSeen: w.loadingSeen,
      read: read ? {
        start: read.startTime, end: read.responseEnd, server: read.responseStart - read.requestStart,
        queued: read.requestStart - read.startTime, download: read.responseEnd - read.responseStart,
        connect: read.connectEnd - read.connectStart, protocol: read.nextHopProtocol,
      } : null,
      readAhead: ahead ? { start: ahead.startTime, end: ahead.responseEnd } : null,
    };
  });
  if (!w.input) throw new Error(`no input event for the switch to ${target}`);
  await quiet(page, requests);
  // Long animation frames between the input and the paint (reported once each frame ended).
  w.loafs = await page.evaluate(({ from, to }) => window.__bench.loafs.filter((l) => l.start < to && l.start + l.duration > from), { from: w.input.at, to: w.painted });
  const after = await listState(page, target);
  const from = w.input.at;
  const rel = (t) => (t === null || t === undefined ? null : Math.round((t - from) * 10) / 10);
  return {
    to: target,
    input: w.input.key ?? w.input.type,
    // To the end of the frame that paints the pod's details (its rendering included).
    ms: rel(w.painted),
    // To that frame's start (its requestAnimationFrame callbacks).
    frame_ms: rel(w.shown),
    highlight_ms: rel(w.highlight),
    heading_ms: rel(w.heading),
    // Whether the pane showed "Loading…" for this row: its object was not in the query cache.
    loading_shown: w.loadingSeen,
    // The object's read after the input: sent, answered (after the input), and its parts:
    // before the request went out (queued_ms), to the first byte, and the body.
    read: w.read && {
      start_ms: rel(w.read.start), end_ms: rel(w.read.end), queued_ms: Math.round(w.read.queued * 10) / 10,
      server_ms: Math.round(w.read.server * 10) / 10, body_ms: Math.round(w.read.download * 10) / 10,
      connect_ms: Math.round(w.read.connect * 10) / 10, protocol: w.read.protocol,
    },
    read_ahead_pending_at_input: Boolean(w.readAhead && w.readAhead.end > from),
    long_frames: w.loafs.map((l) => ({
      at_ms: rel(l.start), duration_ms: Math.round(l.duration), blocking_ms: Math.round(l.blocking),
      render_ms: Math.round(l.render), style_layout_ms: Math.round(l.style), scripts: l.scripts.slice(0, 3),
    })),
    scroll: {
      before: before.scrollTop, after: after.scrollTop,
      target_in_view_before: before.targetInView, target_in_view_after: after.targetInView,
      highlighted_after: after.cursor,
    },
  };
}

/** Sums up a pass of switches: times, what showed first, cache misses, long frames, scrolling. */
function splitPass(samples, loafs, from, to) {
  const pick = (k) => samples.map((s) => s[k]).filter((v) => v !== null);
  const own = samples.filter((s) => s.read && s.loading_shown);
  // The list keeps its scroll: it moves only to bring the new row into view, by at most two rows.
  const scroll = samples.map((s) => s.scroll);
  const moved = scroll.filter((s) => s.after !== s.before);
  const jumps = samples.filter(({ scroll: s }) => (s.target_in_view_before ? s.after !== s.before : Math.abs(s.after - s.before) > 64) || !s.target_in_view_after);
  return {
    switches: samples.length,
    ms: summarize(pick('ms')),
    frame_ms: summarize(pick('frame_ms')),
    highlight_ms: summarize(pick('highlight_ms')),
    heading_ms: summarize(pick('heading_ms')),
    over_100ms: samples.filter((s) => s.ms > 100).length,
    loading_shown: samples.filter((s) => s.loading_shown).length,
    // Reads of the object that started after the input: the pane's own when it showed
    // "Loading…", else a background refresh of a cached (stale) one.
    reads_after_input: samples.filter((s) => s.read).length,
    read_ms: summarize(own.map((s) => s.read.end_ms - s.read.start_ms)),
    // Where a switch that waited for its read spent its time: input → read sent → answer → painted.
    read_sent_ms: summarize(own.map((s) => s.read.start_ms)),
    read_answered_ms: summarize(own.map((s) => s.read.end_ms)),
    read_queued_ms: summarize(own.map((s) => s.read.queued_ms)),
    read_server_ms: summarize(own.map((s) => s.read.server_ms)),
    read_body_ms: summarize(own.map((s) => s.read.body_ms)),
    // Reads that opened a connection of their own (HTTP/1.1: six per origin, the list's stream holds one).
    reads_on_new_connection: own.filter((s) => s.read.connect_ms > 0).length,
    answer_to_paint_ms: summarize(own.map((s) => s.ms - s.read.end_ms)),
    read_ahead_pending_at_input: samples.filter((s) => s.read_ahead_pending_at_input).length,
    long_animation_frames: longFrames(loafs, from, to),
    scroll: {
      first_scroll_top: scroll[0]?.before ?? null,
      last_scroll_top: scroll.at(-1)?.after ?? null,
      switches_that_scrolled: moved.length,
      largest_move_px: moved.reduce((m, s) => Math.max(m, Math.abs(s.after - s.before)), 0),
      // Moved although the new row was in view, moved more than two rows, or left it out of view.
      jumps: jumps.length,
      jumped_at: jumps.slice(0, 5).map((s) => ({ to: s.to, ...s.scroll })),
    },
    slowest: samples.slice().sort((a, b) => b.ms - a.ms).slice(0, 5),
  };
}

/** Navigates a new page of `context` to the list with the split layout on and the list at row 60. */
async function splitPage(context) {
  const page = await context.newPage();
  const requests = trackApi(page);
  const loaded = await load(page);
  await page.evaluate(() => performance.setResourceTimingBufferSize(100_000));
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  let open = null;
  if (!(await page.locator('#split-pane').count())) {
    // `v`: from its keydown to the frame that shows the pane (its code loads on first use).
    await page.evaluate(() => {
      window.__splitOpen = new Promise((resolve) => {
        let key = null;
        window.addEventListener('keydown', (e) => { key = e.timeStamp; }, { capture: true, once: true });
        const frame = () => {
          if (key !== null && document.querySelector('#split-empty, #split-detail')) resolve(performance.now() - key);
          else requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      });
    });
    await page.keyboard.press('v');
    open = Math.round(await page.evaluate(() => window.__splitOpen));
  }
  await page.locator('#split-pane').waitFor();
  await page.evaluate(() => { document.querySelector('[role="table"]').scrollTop = 60 * 32; });
  await quiet(page, requests, 500);
  return { page, requests, loaded, open };
}

async function splitPhase(browser) {
  const context = await newContext(browser);
  const n = Number(opts['split-keys']);
  const { page, requests, loaded, open } = await splitPage(context);
  log(`split: pane opened in ${open} ms; list at row 60`);
  // The first row clicked: its read starts with the click (and the describe code may load).
  const first = (await listState(page)).visible[2];
  // Playwright's click waits until the row is still and would receive the click there.
  const click = (p) => (before) => p.locator(`[data-testid="row"][data-name="${before.target}"]`).click({ position: before.targetPoint });
  const firstClick = await switchOnce(page, requests, first, click(page));
  log(`split: first click ${firstClick.ms} ms`);
  const pass = async (key, count) => {
    let cdp = null;
    if (key === 'j' && opts['split-profile']) {
      cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await cdp.send('Profiler.start');
    }
    const from = await page.evaluate(() => performance.now());
    const samples = [];
    for (let i = 0; i < count; i += 1) {
      const state = await listState(page);
      const at = state.names.indexOf(state.cursor);
      const target = state.names[at + (key === 'j' ? 1 : -1)];
      if (!target) throw new Error(`no row ${key === 'j' ? 'below' : 'above'} ${state.cursor}`);
      samples.push(await switchOnce(page, requests, target, () => page.keyboard.press(key)));
    }
    await page.waitForTimeout(300);
    const to = await page.evaluate(() => performance.now());
    const loafs = await page.evaluate(() => window.__bench.loafs);
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(opts['split-profile'], JSON.stringify(profile));
      log(`wrote ${opts['split-profile']}`);
    }
    const summary = splitPass(samples, loafs, from, to);
    log(`split: ${key} ×${count}: ${JSON.stringify(summary.ms)}, ${summary.loading_shown} showed Loading…, scroll jumps ${summary.scroll.jumps}`);
    return summary;
  };
  const down = await pass('j', n);
  const up = await pass('k', n);
  await page.close();

  // A fresh tab: nothing in the query cache; each click lands two rows below the last.
  const fresh = await splitPage(context);
  const clicks = [];
  const from = await fresh.page.evaluate(() => performance.now());
  let state = await listState(fresh.page);
  let target = state.visible[2];
  for (let i = 0; i < Number(opts['split-clicks']); i += 1) {
    state = await listState(fresh.page, target);
    if (!state.targetInView) {
      await fresh.page.evaluate(() => { document.querySelector('[role="table"]').scrollTop += 10 * 32; });
      await quiet(fresh.page, fresh.requests);
    }
    clicks.push(await switchOnce(fresh.page, fresh.requests, target, click(fresh.page)));
    state = await listState(fresh.page);
    target = state.names[state.names.indexOf(state.cursor) + 2];
    if (!target) throw new Error(`no row two below ${state.cursor}`);
  }
  await fresh.page.waitForTimeout(300);
  const to = await fresh.page.evaluate(() => performance.now());
  const loafs = await fresh.page.evaluate(() => window.__bench.loafs);
  const clickSummary = splitPass(clicks, loafs, from, to);
  delete clickSummary.scroll; // the bench itself scrolls the list between clicks
  log(`split: clicks ×${clicks.length}: ${JSON.stringify(clickSummary.ms)}, ${clickSummary.loading_shown} showed Loading…`);
  await fresh.page.close();
  await context.close();
  return {
    load: { fmp_ms: loaded.fmp_ms },
    pane_open_ms: open,
    first_click: firstClick,
    down,
    up,
    click: clickSummary,
  };
}

/** What the server sends for `href` to a client accepting gzip: {encoding, bytes} on the wire. */
function servedBytes(href) {
  return new Promise((resolve, reject) => {
    get(href, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => { bytes += chunk.length; });
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'] ?? 'identity', bytes }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** index.html's module scripts and modulepreloads (what the first load needs), gzipped. */
async function jssize() {
  const html = opts.dist
    ? readFileSync(join(opts.dist, 'index.html'), 'utf8')
    : await (await fetch(url('/'), { headers: { Accept: 'text/html' } })).text();
  const srcs = new Set();
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
    const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
    if (src) srcs.add(src);
  }
  for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
    if (/\brel="modulepreload"/.test(tag)) srcs.add(/\bhref="([^"]+)"/.exec(tag)?.[1]);
  }
  const files = [];
  for (const src of [...srcs].filter(Boolean)) {
    const body = opts.dist ? readFileSync(join(opts.dist, src)) : Buffer.from(await (await fetch(url(src))).arrayBuffer());
    const served = opts.dist ? { encoding: null, bytes: null } : await servedBytes(url(src));
    files.push({
      path: src, bytes: body.length, gzip_bytes: gzipSync(body).length, gzip9_bytes: gzipSync(body, { level: 9 }).length,
      served_encoding: served.encoding, served_bytes: served.bytes,
    });
  }
  const sum = (k) => files.reduce((s, f) => s + f[k], 0);
  return { files, bytes: sum('bytes'), gzip_bytes: sum('gzip_bytes'), gzip9_bytes: sum('gzip9_bytes'), served_bytes: sum('served_bytes') };
}

async function main() {
  const phases = new Set(opts.phases.split(','));
  const result = {};
  let browser;
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout });
    result.browser = browser.version();
    if (phases.has('cold')) {
      const context = await newContext(browser);
      const page = await context.newPage();
      const scripts = recordScripts(page);
      result.cold = await load(page, scripts);
      log(`cold: FMP ${result.cold.fmp_ms} ms`);
      await context.close();
    }
    const context = await newContext(browser);
    if (phases.has('warm')) {
      result.warm = [];
      // The first page fills the browser cache; the runs measured come after it.
      const primer = await context.newPage();
      await load(primer);
      await primer.close();
      for (let i = 0; i < Number(opts.runs); i += 1) {
        const page = await context.newPage();
        result.warm.push(await load(page));
        log(`warm ${i + 1}: FMP ${result.warm[i].fmp_ms} ms`);
        await page.close();
      }
    }
    if (phases.has('filter')) result.filter = await filterPhase(context);
    if (phases.has('scroll')) result.scroll = await scrollPhase(context);
    if (phases.has('split')) result.split = await splitPhase(browser);
    if (phases.has('jssize')) result.jssize = await jssize();
    out(result);
    return 0;
  } catch (e) {
    log(e.stack || e.message);
    out({ ...result, error: e.message.split('\n')[0] });
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

process.exitCode = await main();
