#!/usr/bin/env node
// Reads the describe view of objects' pages in Debian's Chromium (playwright-core) for
// crates/periscope/tests/describe_browser.rs, and measures it for `make bench`. The server must
// not need a sign-in (dev mode).
//
//   node testenv/browser/describe.mjs --base URL --scenario NAME --paths JSON [--rounds N]
//        [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   read   for each path of --paths (a JSON array of console paths), open it and wait until the
//          describe view is in and has settled (nothing "Loading…", the same content twice 150 ms apart);
//          returns {views: {path: view}}, a view being: fields {label: text} (key fields and the
//          sections' own data-field marks), sections [ids], rows {section: [{key, cells}]},
//          text {section: its text}, links [resource/name], containers [{name, restarts, text}]
//   split  open --list (a list page), press v (the detail pane), then j: the pane follows each
//          highlighted row; ms (in the page) from each j to the pane showing that row's describe
//          view. Then `kubectl scale deployment/--name --replicas=--replicas` in --namespace: the
//          list gains the rows live while the pane keeps its row. Then ← twice on the pane's
//          resize bar, and a reload: the pane is still on, as wide. Returns {rows, panes, switchMs,
//          liveRows, paneKept, reloaded, width: {before, resized, afterReload}, splitAfterReload}
//   bench  (make bench, not a test) --rounds times per path: open it in the same tab by a
//          client-side navigation from the list page (filtered to its namespace) and measure the ms from the navigation to
//          the frame that shows the first path's containers section settled:
//          {open: count/p50/p95/p99/max}
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';

import { runScenario, summarize } from './harness.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    paths: { type: 'string', default: '[]' },
    list: { type: 'string', default: '/' },
    kubectl: { type: 'string', default: 'kubectl' },
    kubeconfig: { type: 'string', default: '' },
    namespace: { type: 'string', default: '' },
    name: { type: 'string', default: '' },
    replicas: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '20' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '30000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  process.stdout.write(`${JSON.stringify({ error: 'usage: --base URL --scenario NAME --paths JSON (see the top of this file)' })}\n`);
  process.exit(2);
}
const timeout = Number(opts.timeout);
const paths = JSON.parse(opts.paths);
const url = (path) => new URL(path, opts.base).href;

/** What the describe view shows, read from its data- marks. */
const view = (page) =>
  page.evaluate(() => {
    const fields = {};
    for (const dd of document.querySelectorAll('[data-field]')) {
      if (!dd.closest('[data-container]')) fields[dd.dataset.field] = dd.textContent.trim();
    }
    const sections = [...document.querySelectorAll('[data-section]')];
    return {
      name: document.querySelector('#object-name')?.textContent ?? null,
      // The describe view itself is in (its chunk is fetched on demand, behind "Loading…").
      shown: document.querySelector('[data-describe]') !== null,
      loading: [...document.querySelectorAll('[data-section], [data-empty], #related-pods')].some((e) => e.textContent.includes('Loading…')),
      fields,
      sections: sections.map((s) => s.dataset.section),
      rows: Object.fromEntries(
        sections.map((s) => [s.dataset.section, [...s.querySelectorAll('[data-row]')].map((r) => ({ key: r.dataset.row, cells: [...r.children].map((c) => c.textContent.trim()) }))]),
      ),
      text: Object.fromEntries(sections.map((s) => [s.dataset.section, s.textContent.replace(/\s+/g, ' ').trim()])),
      links: [...document.querySelectorAll('[data-link]')].map((a) => a.dataset.link),
      relatedPods: [...document.querySelectorAll('[data-testid="related-pod"]')].map((r) => ({ name: r.dataset.name, namespace: r.dataset.namespace, node: r.dataset.node })),
      containers: [...document.querySelectorAll('[data-container]')].map((c) => ({
        name: c.dataset.container,
        restarts: Number(c.dataset.restarts),
        fields: Object.fromEntries([...c.querySelectorAll('[data-field]')].map((d) => [d.dataset.field, d.textContent.trim()])),
        text: c.textContent.replace(/\s+/g, ' ').trim(),
      })),
    };
  });

/** Waits until the page's describe view shows `name`, loads nothing and reads the same twice. */
async function settled(page, name) {
  const started = Date.now();
  let last = '';
  for (;;) {
    const shown = await view(page);
    const text = JSON.stringify(shown);
    if (shown.name === name && shown.shown && !shown.loading && text === last) return shown;
    last = text;
    if (Date.now() - started > timeout) throw new Error(`the describe view of ${name} did not settle within ${timeout} ms: ${text.slice(0, 2000)}`);
    await page.waitForTimeout(150);
  }
}

const nameOf = (path) => decodeURIComponent(new URL(url(path)).pathname.split('/').pop());

/** The list's row names, top first. */
const rowNames = (page) => page.evaluate(() => [...document.querySelectorAll('[data-testid="row"]')].map((r) => r.dataset.name));

/** Presses `key` in the page and resolves with the ms until the pane shows `name` loaded. */
const switchTo = (page, key, name) =>
  page.evaluate(
    ({ key, name }) =>
      new Promise((resolve) => {
        const start = performance.now();
        window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
        const check = () => {
          const pane = document.querySelector('#split-detail');
          if (pane?.dataset.name === name && pane.dataset.state === 'loaded') requestAnimationFrame(() => resolve(performance.now() - start));
          else requestAnimationFrame(check);
        };
        check();
      }),
    { key, name },
  );

const scenarios = {
  async split(page) {
    await page.goto(url(opts.list));
    await page.locator('[data-live="live"] [data-testid="row"]').first().waitFor();
    const rows = await rowNames(page);
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    await page.keyboard.press('v');
    await page.locator('#split-empty').waitFor();
    const panes = [];
    const switchMs = [];
    for (const name of rows) {
      switchMs.push(await switchTo(page, 'j', name));
      panes.push(await page.locator('#split-detail').getAttribute('data-name'));
    }
    const kept = panes.at(-1);
    const run = promisify(execFile);
    await run(opts.kubectl, ['--kubeconfig', opts.kubeconfig, '-n', opts.namespace, 'scale', `deployment/${opts.name}`, `--replicas=${opts.replicas}`], { timeout });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="row"]').length === n, Number(opts.replicas), { timeout });
    const liveRows = await rowNames(page);
    const paneKept = (await page.locator('#split-detail').getAttribute('data-name')) === kept;
    const reloaded = !(await page.evaluate(() => window.__sameDocument === true));
    const before = Number(await page.locator('#split-resizer').getAttribute('aria-valuenow'));
    await page.locator('#split-resizer').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    const resized = Number(await page.locator('#split-resizer').getAttribute('aria-valuenow'));
    await page.reload();
    const splitAfterReload = await page.locator('#split-pane').waitFor().then(() => true, () => false);
    const afterReload = Number(await page.locator('#split-resizer').getAttribute('aria-valuenow'));
    return { rows, panes, switchMs, liveRows, paneKept, reloaded, width: { before, resized, afterReload }, splitAfterReload };
  },

  async read(page) {
    const views = {};
    for (const path of paths) {
      await page.goto(url(path));
      views[path] = await settled(page, nameOf(path));
    }
    return { views };
  },

  async bench(page) {
    const [path] = paths;
    const name = nameOf(path);
    const parts = path.split('/');
    const list = `${parts.slice(0, -2).join('/')}?namespace=${parts.at(-2)}`;
    const samples = [];
    await page.goto(url(list));
    for (let i = 0; i < Number(opts.rounds); i++) {
      await page.goto(url(list));
      await page.locator('[data-testid="row"]').first().waitFor();
      const ms = await page.evaluate(
        ({ to, name }) =>
          new Promise((resolve) => {
            const start = performance.now();
            window.history.pushState({}, '', to);
            window.dispatchEvent(new PopStateEvent('popstate'));
            const check = () => {
              const shown = document.querySelector('#object-name')?.textContent === name && document.querySelector('[data-section="containers"] [data-container]');
              if (shown) requestAnimationFrame(() => resolve(performance.now() - start));
              else requestAnimationFrame(check);
            };
            check();
          }),
        { to: path, name },
      );
      samples.push(ms);
    }
    return { open: summarize(samples) };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], opts);
