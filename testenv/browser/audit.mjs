#!/usr/bin/env node
// Drives the audit page in Debian's Chromium (playwright-core) for
// crates/periscope/tests/audit_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/audit.mjs --base URL --scenario NAME [--path P] [--select ID=VALUE]
//        [--action PATH] [--body JSON] [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1). "The
// view" is the page's URL, the rows it renders (id, request id, actor, verb, phase), its row
// count, the scope banner and the export links.
//   rows    open P: the view; pick VALUE in the select #ID: the view; Back: the view; reload:
//           the view
//   detail  open P; j, j, Enter: the URL, the highlighted row and the detail (its rows: phase,
//           id, extra; its links); k: the highlighted row; Esc: the URL
//   event   open P (with `event=`): the detail
//   zoom    open P: the view and the timeline's range and bars; drag across the middle half of
//           the timeline: the view and the timeline's range
//   live    open P and wait for the live tail; in a second tab, POST --body to --action through
//           fetch: its status and request id; the milliseconds from the answer until its
//           outcome row shows on the first tab, and how many /api/audit reads the page made
//           meanwhile (the tail must not poll); then open that row: the detail's changed paths
//   chain   open P in the dark theme, Verify chains: the status, the counts and each problem
//           (writer, row id, seq, reason); whether the page is dark
//   bench   (make bench, not a test) --rounds times: open P in a fresh tab, ms until its first
//           row shows; then on one tab pick a verb in #audit-verb, ms until every row shown is
//           of that verb: {firstPaint, filterChange} as count/p50/p95/p99/max
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { parseArgs } from 'node:util';

import { runScenario, summarize } from './harness.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/audit' },
    select: { type: 'string', default: '' },
    action: { type: 'string', default: '' },
    body: { type: 'string', default: '{}' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '20' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  process.stdout.write(`${JSON.stringify({ error: 'usage: --base URL --scenario NAME (see the top of this file)' })}\n`);
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;
const here = (page) => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};

/** Waits until the page has settled (see `view`). */
const settled = (page) => view(page);

/** The view: URL, rendered rows in order, count, banner, export links. */
async function view(page) {
  // Settled: the rows shown are those of the URL (read, not loading: the page's rows key is the
  // URL's query without `live` and `event`) and the live tail has settled (live, or off).
  // Checked and read in one task: a re-render between the two would pair new rows with an old
  // state. (No eval of shared source text: the page's CSP forbids it.)
  const handle = await page.waitForFunction(() => {
    const root = document.querySelector('#audit-page');
    if (!root || root.dataset.state !== 'current' || root.dataset.tail === 'connecting') return null;
    const key = new URLSearchParams(location.search);
    key.delete('live');
    key.delete('event');
    key.sort();
    const shown = new URLSearchParams(root.dataset.rowsKey);
    shown.sort();
    if (shown.toString() !== key.toString()) return null;
    const banner = document.querySelector('#audit-scope');
    return {
      url: location.pathname + location.search,
      rowsKey: root.dataset.rowsKey,
      tail: root.dataset.tail,
      rows: [...document.querySelectorAll('[data-testid="audit-row"]')].map((r) => ({
        id: Number(r.dataset.id),
        requestId: r.dataset.requestId,
        actor: r.dataset.actor,
        verb: r.dataset.verb,
        phase: r.dataset.phase,
      })),
      count: document.querySelector('#audit-count')?.textContent ?? '',
      scope: banner?.dataset.scope ?? null,
      banner: banner?.textContent ?? '',
      exports: [...document.querySelectorAll('#audit-export-jsonl, #audit-export-csv')].map((a) => a.getAttribute('href')),
    };
  }, undefined, { timeout });
  return handle.jsonValue();
}

/** The timeline's range and the counts of its bars. */
async function timeline(page) {
  await page.locator('#audit-timeline[data-from] [data-bucket]').first().waitFor();
  return page.evaluate(() => {
    const t = document.querySelector('#audit-timeline');
    const bars = [...t.querySelectorAll('[data-bucket]')].map((b) => ({ total: Number(b.dataset.total), denied: Number(b.dataset.denied), failed: Number(b.dataset.failed) }));
    return { from: t.dataset.from, to: t.dataset.to, bars, label: t.querySelector('svg')?.getAttribute('aria-label') ?? '' };
  });
}

/** The open event's detail: the URL, the highlighted row, the panel's rows and links. */
async function detail(page) {
  await page.locator('#audit-detail [data-testid="audit-detail-row"]').first().waitFor();
  return page.evaluate(() => ({
    url: location.pathname + location.search,
    cursor: document.querySelector('#audit-page').dataset.cursor,
    panel: document.querySelector('#audit-detail').dataset.requestId,
    rows: [...document.querySelectorAll('[data-testid="audit-detail-row"]')].map((r) => ({ phase: r.dataset.phase, id: Number(r.dataset.id) })),
    extra: [...document.querySelectorAll('[data-testid="audit-extra"]')].map((e) => JSON.parse(e.textContent)),
    objectLink: document.querySelector('#audit-object-link')?.getAttribute('href') ?? null,
    recordingLink: document.querySelector('#audit-recording-link')?.getAttribute('href') ?? null,
  }));
}

/** Waits for the URL's query to differ from `before`. */
const urlChanged = (page, before) => page.waitForFunction((b) => location.pathname + location.search !== b, before, { timeout });

const scenarios = {
  async bench(page) {
    const rounds = Number(opts.rounds);
    const firstPaint = [];
    for (let i = 0; i < rounds; i += 1) {
      const tab = await page.context().newPage();
      const started = Date.now();
      await tab.goto(url(opts.path));
      await tab.locator('[data-testid="audit-row"]').first().waitFor();
      firstPaint.push(Date.now() - started);
      await tab.close();
    }
    await page.goto(url(opts.path));
    await settled(page);
    const verbs = ['delete', 'auth.login', 'auth.logout'];
    const filterChange = [];
    for (let i = 0; i < rounds; i += 1) {
      const verb = verbs[i % verbs.length];
      const started = Date.now();
      await page.locator('#audit-verb').selectOption(verb);
      await page.waitForFunction((v) => {
        const rows = [...document.querySelectorAll('[data-testid="audit-row"]')];
        return document.querySelector('#audit-page')?.dataset.state === 'current' && rows.length > 0 && rows.every((r) => r.dataset.verb === v);
      }, verb, { timeout });
      filterChange.push(Date.now() - started);
    }
    return { firstPaint: summarize(firstPaint), filterChange: summarize(filterChange) };
  },

  async rows(page) {
    await page.goto(url(opts.path));
    const initial = await view(page);
    let changed = null;
    if (opts.select) {
      const [id, value] = opts.select.split('=');
      await page.locator(`#${id}`).selectOption(value);
      await urlChanged(page, initial.url);
      changed = await view(page);
      await page.goBack();
      await page.waitForFunction((u) => location.pathname + location.search === u, initial.url, { timeout });
    }
    const back = await view(page);
    await page.reload();
    const reloaded = await view(page);
    return { initial, changed, back, reloaded };
  },

  async detail(page) {
    await page.goto(url(opts.path));
    const before = await view(page);
    for (const key of ['j', 'j', 'Enter']) await page.keyboard.press(key);
    const opened = await detail(page);
    await page.keyboard.press('k');
    await page.waitForFunction((c) => document.querySelector('#audit-page').dataset.cursor !== c, opened.cursor, { timeout });
    const up = await page.evaluate(() => document.querySelector('#audit-page').dataset.cursor);
    await page.keyboard.press('Escape');
    await page.locator('#audit-detail').waitFor({ state: 'detached' });
    return { before, opened, up, closed: here(page) };
  },

  async event(page) {
    await page.goto(url(opts.path));
    await view(page);
    return detail(page);
  },

  async zoom(page) {
    await page.goto(url(opts.path));
    const before = await view(page);
    const range = await timeline(page);
    const box = await page.locator('#audit-timeline svg').boundingBox();
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.75, y, { steps: 5 });
    await page.mouse.up();
    await urlChanged(page, before.url);
    const after = await view(page);
    await page.waitForFunction((from) => document.querySelector('#audit-timeline')?.dataset.from !== from, range.from, { timeout });
    const zoomed = await timeline(page);
    return { before, range, after, zoomed };
  },

  async live(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => document.querySelector('#audit-page')?.dataset.tail === 'live', undefined, { timeout });
    const before = await view(page);
    const reads = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/audit') reads.push(u.search);
    });
    const other = await page.context().newPage();
    await other.goto(url('/api/features'));
    const answer = await other.evaluate(async ({ action, body }) => {
      const r = await fetch(action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      return { status: r.status, requestId: r.headers.get('x-request-id') };
    }, { action: opts.action, body: opts.body });
    const answered = Date.now();
    await page.locator(`[data-testid="audit-row"][data-request-id="${answer.requestId}"][data-phase="outcome"]`).waitFor({ timeout });
    const elapsedMs = Date.now() - answered;
    const readsMeanwhile = reads.length;
    const after = await view(page);
    await page.locator(`[data-testid="audit-row"][data-request-id="${answer.requestId}"][data-phase="outcome"]`).click();
    await page.locator('[data-testid="audit-diff-change"]').first().waitFor();
    const changes = await page.locator('[data-testid="audit-diff-change"]').evaluateAll((rows) =>
      rows.map((r) => ({ path: r.dataset.path, cells: [...r.querySelectorAll('td')].map((td) => td.textContent) })),
    );
    return { ...answer, elapsedMs, readsMeanwhile, before, after, changes };
  },

  async chain(page) {
    await page.addInitScript(() => localStorage.setItem('periscope.theme', 'dark'));
    await page.goto(url(opts.path));
    await view(page);
    await page.locator('#audit-verify').click();
    await page.locator('#audit-chain-status').waitFor();
    return page.evaluate(() => ({
      dark: document.documentElement.classList.contains('dark'),
      ok: document.querySelector('#audit-chain').dataset.ok,
      status: document.querySelector('#audit-chain-status').textContent,
      counts: document.querySelector('#audit-chain-counts').textContent,
      problems: [...document.querySelectorAll('[data-testid="chain-problem"]')].map((r) => ({
        writer: r.dataset.writer,
        rowId: Number(r.dataset.rowId),
        cells: [...r.querySelectorAll('td')].map((td) => td.textContent),
      })),
    }));
  },
};

/** The live tail's subscribe answers, reported when a scenario fails. */
const subscriptions = [];
const watched = (scenario) =>
  scenario &&
  (async (page) => {
    page.on('response', async (r) => {
      if (!r.url().includes('/subscriptions')) return;
      subscriptions.push({ status: r.status(), body: (await r.text().catch(() => '')).slice(0, 300) });
    });
    return scenario(page);
  });

process.exitCode = await runScenario(opts.scenario, watched(scenarios[opts.scenario]), { ...opts, failure: async () => ({ subscriptions }) });
