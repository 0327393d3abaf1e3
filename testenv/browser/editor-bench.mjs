#!/usr/bin/env node
// Measures the YAML editor in Debian's Chromium (playwright-core) for `PERISCOPE_BENCH=editor`
// (bench/src/editor.rs). The server must not need a sign-in (dev mode). Prints ONE JSON line on
// stdout (on failure {"error",...} and exit 1); progress goes to stderr.
//
//   node testenv/browser/editor-bench.mjs --base URL --path P --typing-path T [--floor-path F] [--cold-runs N]
//        [--warm-runs N] [--keys N] [--dist DIR] [--timeout MS] [--chromium PATH]
//
//   interactive  P is an object's page (a 200 KB object). From the click on "Edit YAML" to the
//                frame after the editor says it is interactive (text in, the kind's schema
//                attached, a validation pass done: `#editor[data-state=ready]`). `cold`: each
//                run in a fresh browser profile (the editor's code, workers and the schema not
//                loaded yet); `warm`: again in the same tab (closed with Esc, opened again).
//                Also: the JavaScript loaded before the click (gzipped: the editor is not in
//                it) and what the first click loaded.
//   typing       T is an object whose YAML has ~5,000 lines: open the editor, go to the middle
//                (Ctrl+G), type N characters one at a time; per key, from the keydown event to
//                the frame showing it (the editor's lines re-rendered, then the next task
//                after that frame; `keystroke_to_render`: to the re-render itself, inside that
//                frame; `render_in_frame`: from that frame's start to the re-render), and long
//                animation frames meanwhile. F (optional): the same on a tiny object, the
//                floor of this machine's frames.
// --dist serves the page and /assets/* from DIR (a `vite build` output), as bench.mjs does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, out, serveDist, summarize } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 800 };
const log = (msg) => process.stderr.write(`editor-bench.mjs: ${msg}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    path: { type: 'string' },
    'typing-path': { type: 'string' },
    'floor-path': { type: 'string' },
    'cold-runs': { type: 'string', default: '3' },
    'warm-runs': { type: 'string', default: '5' },
    keys: { type: 'string', default: '200' },
    dist: { type: 'string' },
    timeout: { type: 'string', default: '60000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.path || !opts['typing-path']) {
  out({ error: 'usage: --base URL --path P --typing-path T (see the top of this file)' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;

/** Installed before the app runs: long animation frames as they happen. */
function instrument() {
  const b = { loafs: [] };
  window.__bench = b;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.loafs.push({
          start: e.startTime, duration: e.duration,
          scripts: (e.scripts ?? []).slice(0, 3).map((s) => ({ invoker: s.invoker, duration: Math.round(s.duration), source: s.sourceURL ? `${s.sourceURL.split('/').pop()}:${s.sourceFunctionName ?? ''}` : '' })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch { /* no LoAF in this browser */ }
}

/** Clicks "Edit YAML"; ms from the click to the frame after the editor is interactive. */
async function openTimed(page) {
  const waiting = page.evaluate(() => new Promise((resolve, reject) => {
    const button = document.querySelector('#edit-yaml');
    let clicked = null;
    button.addEventListener('click', () => { clicked = performance.now(); }, { capture: true, once: true });
    const give = setTimeout(() => reject(new Error('the editor never became interactive')), 60000);
    const check = () => {
      const ready = document.querySelector('#editor[data-state="ready"]');
      if (clicked !== null && ready) {
        clearTimeout(give);
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve({ ms: Math.round(performance.now() - clicked), clickedAt: clicked, lines: document.querySelectorAll('#editor-code .view-line').length });
        ch.port2.postMessage(0);
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }));
  await page.locator('#edit-yaml').click();
  return waiting;
}

const scripts = (page) => page.evaluate(() => performance.getEntriesByType('resource').filter((e) => /\.js(\?|$)/.test(e.name)).map((e) => ({ name: e.name, start: e.startTime })));

async function gzipped(names) {
  let total = 0;
  for (const name of names) {
    const bytes = opts.dist ? readFileSync(join(opts.dist, 'assets', name.split('/').pop())) : Buffer.from(await (await fetch(name)).arrayBuffer());
    total += gzipSync(bytes).length;
  }
  return total;
}

async function newContext(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(timeout);
  if (opts.dist) await serveDist(context, opts.dist);
  return context;
}

async function coldRun(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.addInitScript(instrument);
  await page.goto(url(opts.path));
  await page.locator('#edit-yaml:not([disabled])').waitFor();
  const before = await scripts(page);
  const run = await openTimed(page);
  const after = await scripts(page);
  // Where the time went: each request the click made, relative to the click (ms).
  const timeline = await page.evaluate((at) => performance.getEntriesByType('resource').filter((e) => e.startTime >= at - 50).map((e) => ({
    what: new URL(e.name).pathname.replace(/^\/api\/clusters\/[^/]+\/(resources\/)?/, '').split('/').slice(-3).join('/'),
    start: Math.round(e.startTime - at),
    end: Math.round(e.responseEnd - at),
    kib: Math.round(e.encodedBodySize / 1024),
  })), run.clickedAt);
  const loaded = after.filter((s) => s.start >= run.clickedAt).map((s) => s.name.split('/').pop());
  const initial = before.map((s) => s.name);
  return { context, page, run: { ms: run.ms, lines_rendered: run.lines, loaded_on_click: loaded, timeline }, initial, editorBefore: before.some((s) => /EditorOverlay/.test(s.name)) };
}

async function interactive(browser) {
  const cold = [];
  let keep = null;
  let initial = [];
  let editorInInitial = false;
  for (let i = 0; i < Number(opts['cold-runs']); i += 1) {
    const r = await coldRun(browser);
    cold.push(r.run);
    log(`cold ${i + 1}: ${r.run.ms} ms`);
    initial = r.initial;
    editorInInitial ||= r.editorBefore;
    if (keep) await keep.context.close();
    keep = r;
  }
  const warm = [];
  for (let i = 0; keep && i < Number(opts['warm-runs']); i += 1) {
    await keep.page.keyboard.press('Escape');
    await keep.page.locator('#editor').waitFor({ state: 'detached' });
    const r = await openTimed(keep.page);
    warm.push({ ms: r.ms });
    log(`warm ${i + 1}: ${r.ms} ms`);
  }
  await keep?.context.close();
  return {
    cold: { runs: cold, ...summarize(cold.map((r) => r.ms)) },
    warm: { runs: warm, ...summarize(warm.map((r) => r.ms)) },
    initial_js: { scripts: initial.map((n) => n.split('/').pop()), gzip_bytes: await gzipped(initial), editor_chunk_in_it: editorInInitial },
  };
}

/** Types `--keys` characters in the middle of the object at `path`'s YAML, one at a time. */
async function typing(browser, path) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.addInitScript(instrument);
  await page.goto(url(path));
  await page.locator('#edit-yaml:not([disabled])').click();
  await page.locator('#editor[data-state="ready"]').waitFor();
  const lines = await page.evaluate(async () => (await (await fetch(window.location.pathname.replace('/clusters/', '/api/clusters/').replace('/r/', '/resources/') + '/yaml')).text()).split('\n').length);
  await page.locator('#editor-code .view-lines').click();
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(Math.round(lines / 2)));
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.evaluate(() => {
    const b = window.__bench;
    b.keys = [];
    b.renders = [];
    b.inFrame = [];
    let pending = null;
    let frameStart = null;
    window.addEventListener('keydown', (e) => {
      if (e.key.length !== 1) return;
      pending = e.timeStamp;
      frameStart = null;
      // Registered before the editor schedules its render: runs first in that frame.
      requestAnimationFrame((t) => { frameStart = t; });
    }, true);
    new MutationObserver(() => {
      if (pending === null) return;
      const t0 = pending;
      const now = performance.now();
      pending = null;
      b.renders.push(now - t0);
      if (frameStart !== null) b.inFrame.push(now - frameStart);
      const ch = new MessageChannel();
      ch.port1.onmessage = () => b.keys.push(performance.now() - t0);
      ch.port2.postMessage(0);
    }).observe(document.querySelector('#editor-code .view-lines'), { childList: true, subtree: true, characterData: true });
    b.typingFrom = performance.now();
  });
  const text = 'typed x';
  const n = Number(opts.keys);
  for (let i = 0; i < n; i += 1) await page.keyboard.type(text[i % text.length], { delay: 0 }).then(() => page.waitForTimeout(40));
  await page.waitForTimeout(300);
  const r = await page.evaluate(() => {
    const b = window.__bench;
    const loafs = b.loafs.filter((l) => l.start >= b.typingFrom);
    const worst = loafs.reduce((w, l) => (!w || l.duration > w.duration ? l : w), null);
    return { keys: b.keys, renders: b.renders, inFrame: b.inFrame, long_frames: { count: loafs.length, max_ms: Math.round(worst?.duration ?? 0), worst_scripts: worst?.scripts ?? [] } };
  });
  await context.close();
  return {
    document_lines: lines,
    keys_typed: n,
    keys_measured: r.keys.length,
    keystroke_to_frame: summarize(r.keys),
    keystroke_to_render: summarize(r.renders),
    render_in_frame: summarize(r.inFrame),
    long_animation_frames: r.long_frames,
  };
}

async function main() {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout });
    const result = { browser: browser.version() };
    result.interactive = await interactive(browser);
    result.typing = await typing(browser, opts['typing-path']);
    // The same harness on a two-key object: what this machine's frames cost without the 5,000 lines.
    if (opts['floor-path']) result.typing_floor = await typing(browser, opts['floor-path']);
    out(result);
    return 0;
  } catch (e) {
    log(e.stack || e.message);
    out({ error: e.message.split('\n')[0] });
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

process.exitCode = await main();
