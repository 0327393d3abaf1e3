#!/usr/bin/env node
// Measures the log viewer in Debian's Chromium (playwright-core) for `PERISCOPE_BENCH=logs-web`
// (bench/src/logs_web.rs). The server must not need a sign-in (dev mode). Prints ONE JSON line
// on stdout at the end (on failure {"error",...} and exit 1); progress goes to stderr.
//
//   node testenv/browser/logs-bench.mjs --base URL --path P --lines N [--follow-seconds S]
//        [--finds Q1,Q2,…] [--no-wait] [--timeout MS] [--chromium PATH] [--dist DIR]
//
// P is a log page whose history holds N lines (e.g. /clusters/bench/r/core/v1/pods/ns/pod/logs?tail=50000).
//   load    navigate to P and wait until N lines are in the viewer, or the history is complete
//           with the server having dropped some of it (`event: dropped`)
//                                                                   → load: {ms, lines, dropped_by_server, long_frames}
// then print {"ready":true} and wait for a line on stdin (the caller starts appending lines to
// the pod's log; --no-wait skips this), then
//   follow  for S seconds: requestAnimationFrame deltas and long animation frames while the
//           viewer follows the appended lines                       → follow: {frame_ms, …, lines_per_second}
//   find    once the viewer holds N lines (appended ones fill what the server dropped; at most a
//           minute's wait, then with what it holds: lines_held_at_find), while
//           lines keep coming, for each query: `/`, type it, Enter; the time of the
//           search itself (the app's `log-find` performance measure) and from Enter to the
//           frame showing the match count                           → find: [{query, matches, search_ms, enter_to_frame_ms}]
// --dist serves the page and /assets/* from DIR (a `vite build` output) instead of what the
// server embeds, as bench.mjs does. --profile FILE writes a CPU profile of the follow phase
// (Chrome's .cpuprofile format) with the long animation frames' times beside it (FILE.loafs.json),
// to see what a long frame spent its time on. Both also come from the environment
// (PERISCOPE_BENCH_WEB_DIST, PERISCOPE_BENCH_PROFILE), so a bench run can set them.

import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, offLoopback, out, serveDist, summarize } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 800 };
const log = (msg) => process.stderr.write(`logs-bench.mjs: ${msg}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    path: { type: 'string' },
    lines: { type: 'string', default: '50000' },
    'follow-seconds': { type: 'string', default: '20' },
    finds: { type: 'string', default: 'line 12345 ,request,zzz-no-such-text' },
    'no-wait': { type: 'boolean', default: false },
    dist: { type: 'string', default: process.env.PERISCOPE_BENCH_WEB_DIST || undefined },
    profile: { type: 'string', default: process.env.PERISCOPE_BENCH_PROFILE || undefined },
    timeout: { type: 'string', default: '120000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.path) {
  out({ error: 'usage: --base URL --path P --lines N (see the top of this file)' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;

/** Installed before the app runs: long animation frames (LoAF) as they happen. */
function instrument() {
  const b = { loafs: [] };
  window.__bench = b;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        // Where the frame went: scripts (with the style and layout they forced), then the
        // rendering step (rAF and ResizeObserver callbacks from renderStart), then style and layout.
        const end = e.startTime + e.duration;
        b.loafs.push({
          start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
          phases: e.renderStart ? {
            tasks_ms: Math.round(e.renderStart - e.startTime),
            render_callbacks_ms: Math.round((e.styleAndLayoutStart || end) - e.renderStart),
            style_and_layout_ms: e.styleAndLayoutStart ? Math.round(end - e.styleAndLayoutStart) : 0,
          } : undefined,
          scripts: (e.scripts ?? []).slice(0, 3).map((s) => ({
            invoker: s.invoker, duration: Math.round(s.duration),
            forced_style_and_layout_ms: Math.round(s.forcedStyleAndLayoutDuration ?? 0),
            source: s.sourceURL ? `${s.sourceURL.split('/').pop()}:${s.sourceFunctionName ?? ''}` : '',
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch { /* no LoAF in this browser */ }
}

function longFrames(loafs, from, to) {
  const inside = loafs.filter((l) => l.start >= from && l.start < to);
  const worst = inside.reduce((w, l) => (!w || l.duration > w.duration ? l : w), null);
  return {
    count: inside.length,
    max_ms: worst ? Math.round(worst.duration) : 0,
    worst: worst && { at_ms: Math.round(worst.start), duration_ms: Math.round(worst.duration), blocking_ms: Math.round(worst.blocking), phases: worst.phases, scripts: worst.scripts },
  };
}

/** The viewer's counters: lines held, lines received in all, whether it follows. */
const counters = (page) => page.evaluate(() => {
  const v = document.querySelector('#log-viewer');
  return {
    lines: Number(v?.dataset.lines ?? 0), received: Number(v?.dataset.received ?? 0), dropped: Number(v?.dataset.dropped ?? 0),
    follow: v?.dataset.follow, phase: v?.dataset.phase,
  };
});

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

async function load(page) {
  const wanted = Number(opts.lines);
  await page.goto(url(opts.path), { waitUntil: 'commit' });
  // All lines in, or all accounted for: those the server dropped (it says how many) are not coming.
  await page.waitForFunction((n) => {
    const v = document.querySelector('#log-viewer')?.dataset;
    return Number(v?.lines ?? 0) >= n || Number(v?.lines ?? 0) + Number(v?.dropped ?? 0) >= n;
  }, wanted, { timeout, polling: 100 });
  const ms = await page.evaluate(() => performance.now());
  await page.waitForTimeout(500);
  const loafs = await page.evaluate(() => window.__bench.loafs);
  const c = await counters(page);
  return { ms: Math.round(ms), lines: c.lines, dropped_by_server: c.dropped, long_frames: longFrames(loafs, 0, ms + 500) };
}

/** Starts a CPU profile of the page when --profile asks for one; the returned function stops and writes it. */
async function profileIf(page) {
  if (!opts.profile) return async () => {};
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Profiler.start');
  const startedAt = await page.evaluate(() => performance.now());
  return async (loafs) => {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(opts.profile, JSON.stringify(profile));
    writeFileSync(`${opts.profile}.loafs.json`, JSON.stringify({ profile_started_at_ms: startedAt, loafs }));
    log(`wrote ${opts.profile}`);
  };
}

async function follow(page) {
  const seconds = Number(opts['follow-seconds']);
  const before = await counters(page);
  const stopProfile = await profileIf(page);
  const from = await page.evaluate(() => performance.now());
  const deltas = await page.evaluate((ms) => new Promise((resolve) => {
    const d = [];
    let prev = null;
    const start = performance.now();
    const frame = (ts) => {
      if (prev !== null) d.push(ts - prev);
      prev = ts;
      if (ts - start < ms) requestAnimationFrame(frame);
      else resolve(d);
    };
    requestAnimationFrame(frame);
  }), seconds * 1000);
  const to = await page.evaluate(() => performance.now());
  await page.waitForTimeout(300);
  const after = await counters(page);
  const loafs = await page.evaluate(() => window.__bench.loafs);
  await stopProfile(loafs.filter((l) => l.start >= from && l.start < to));
  // The newest line is on screen (following keeps it in view).
  const newestVisible = await page.evaluate(() => {
    const el = document.querySelector('#log-lines');
    return el ? el.scrollHeight - el.scrollTop - el.clientHeight <= 4 : false;
  });
  return {
    seconds,
    frames: deltas.length,
    frame_ms: summarize(deltas),
    frames_over_50ms: deltas.filter((d) => d > 50).length,
    long_animation_frames: longFrames(loafs, from, to),
    lines_received: after.received - before.received,
    lines_per_second: Math.round(((after.received - before.received) / ((to - from) / 1000)) * 10) / 10,
    lines_held: after.lines,
    still_following: after.follow === 'following',
    newest_line_in_view: newestVisible,
  };
}

/**
 * One find: the query is put in the box at once and Enter pressed right after (before the box's
 * typing pause commits it), so the search runs on Enter: its own time (the app's `log-find`
 * measure) and the time from Enter to the frame that shows the match count.
 */
async function find(page, query) {
  await page.locator('#log-lines').focus();
  await page.keyboard.press('/');
  const waiting = page.evaluate((q) => new Promise((resolve) => {
    const give = setTimeout(() => resolve({ error: `no count for ${JSON.stringify(q)}` }), 30_000);
    const input = document.querySelector('#log-find');
    let pressed = null;
    const onKey = (e) => {
      if (e.key !== 'Enter') return;
      pressed = e.timeStamp;
      input.removeEventListener('keydown', onKey, true);
    };
    input.addEventListener('keydown', onKey, true);
    const check = () => {
      const count = document.querySelector('#log-find-count');
      const measure = performance.getEntriesByName('log-find').filter((m) => pressed !== null && m.startTime >= pressed).pop();
      if (measure && count && new URLSearchParams(window.location.search).get('find') === q) {
        clearTimeout(give);
        // This frame shows the count: the time is taken once it has been painted.
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve({
          search_ms: Math.round(measure.duration * 10) / 10,
          enter_to_frame_ms: Math.round(performance.now() - pressed),
          matches: Number(count.dataset.count),
          text: count.textContent,
        });
        ch.port2.postMessage(0);
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }), query);
  await page.locator('#log-find').fill(query);
  await page.keyboard.press('Enter');
  return { query, ...(await waiting) };
}

async function findPhase(page) {
  const results = [];
  for (const query of opts.finds.split(',')) {
    const from = await page.evaluate(() => performance.now());
    const r = await find(page, query);
    await page.waitForTimeout(200);
    const loafs = await page.evaluate(() => window.__bench.loafs);
    r.long_frames = longFrames(loafs, from, Infinity);
    log(`find: ${JSON.stringify(r)}`);
    results.push(r);
  }
  return results;
}

async function main() {
  let browser;
  const result = {};
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout });
    result.browser = browser.version();
    const context = await browser.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(timeout);
    await context.route(offLoopback, (route) => route.abort('blockedbyclient'));
    await context.addInitScript(instrument);
    if (opts.dist) await serveDist(context, opts.dist);
    const page = await context.newPage();
    result.load = await load(page);
    log(`load: ${JSON.stringify(result.load)}`);
    if (!opts['no-wait']) {
      out({ ready: true });
      await nextStdinLine();
    }
    // Let the appended lines start to arrive before measuring.
    await page.waitForTimeout(1000);
    result.follow = await follow(page);
    log(`follow: ${JSON.stringify(result.follow)}`);
    // Finds are over a full ring: appended lines make up for history the server dropped (for
    // at most a minute; the lines held are reported either way).
    await page.waitForFunction((n) => Number(document.querySelector('#log-viewer')?.dataset.lines ?? 0) >= n, Number(opts.lines), { timeout: 60_000, polling: 100 }).catch(() => {});
    result.lines_held_at_find = (await counters(page)).lines;
    result.find = await findPhase(page);
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
