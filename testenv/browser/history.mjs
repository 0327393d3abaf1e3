#!/usr/bin/env node
// Drives the History tab of an object's page in Debian's Chromium (playwright-core) for
// crates/periscope/tests/history_browser.rs, and measures it for `make bench`. The server must
// not need a sign-in (dev mode).
//
//   node testenv/browser/history.mjs --base URL --scenario NAME [--path P] [--replicas N]
//        [--kubectl BIN --kubeconfig FILE --namespace NS --name NAME] [--rounds N] [--rows N] [--dist DIR]
//        [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1). "The
// entries" are what the History tab shows, top (newest) first: id, source, who, manager,
// action, what, time, chips.
//   live    open P (a Deployment's page with ?tab=history) and wait until the page is live;
//           then, on the same page and without reloading it, one after the other, each waited
//           for on the tab: (a) scale it to --replicas with the Scale action; (b) kubectl (as
//           --kubeconfig) `apply --server-side --field-manager=gitops-sim` of a label on it;
//           (c) `kubectl rollout restart`, until an observed change by a manager other than
//           those two shows above (b) and one by kube-controller-manager above that. Returns
//           the entries and the recording line after each step, each step's milliseconds from
//           done to shown, whether the page was reloaded, and its history reads meanwhile
//   bench   (make bench, not a test) --rounds times: open P (an object's page, no tab) in a
//           fresh tab, click History, ms (in the page) from the click to the frame that paints
//           --rows entries (or all there are): {tabToRows: count/p50/p95/p99/max, rows};
//           --dist serves that `vite build` output instead of the embedded app
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';

import { runScenario, serveDist, summarize } from './harness.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    replicas: { type: 'string', default: '2' },
    kubectl: { type: 'string', default: 'kubectl' },
    kubeconfig: { type: 'string', default: '' },
    namespace: { type: 'string', default: '' },
    name: { type: 'string', default: '' },
    rounds: { type: 'string', default: '20' },
    rows: { type: 'string', default: '200' },
    dist: { type: 'string' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '30000' },
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

/** kubectl as the cluster admin; its output, or an error with what it said. */
async function kubectl(args, stdin) {
  const run = promisify(execFile);
  const child = run(opts.kubectl, ['--kubeconfig', opts.kubeconfig, ...args], { timeout });
  if (stdin !== undefined) child.child.stdin.end(stdin);
  try {
    return (await child).stdout;
  } catch (e) {
    throw new Error(`kubectl ${args.join(' ')}: ${e.stderr || e.message}`);
  }
}

/** The entries the tab shows, top first. */
const entries = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="history-entry"]')].map((e) => ({
      id: e.dataset.id,
      source: e.dataset.source,
      who: e.dataset.who,
      manager: e.dataset.manager,
      action: e.dataset.action,
      what: e.querySelector('[data-testid="history-what"]')?.textContent ?? '',
      ts: e.dataset.ts,
      chips: [...e.querySelectorAll('[data-testid="history-chip"]')].map((c) => c.textContent),
    })),
  );

const recording = (page) => page.evaluate(() => document.querySelector('#history-recording')?.dataset.recording ?? null);

/** Waits until `test(entries)` holds (polled); returns the ms it took, or fails at the deadline with what was shown. */
async function until(page, what, test) {
  const started = Date.now();
  for (;;) {
    const shown = await entries(page);
    if (test(shown)) return Date.now() - started;
    if (Date.now() - started > timeout) throw new Error(`no ${what} on the History tab within ${timeout} ms: ${JSON.stringify(shown.slice(0, 12))}`);
    await page.waitForTimeout(50);
  }
}

const scenarios = {
  async live(page) {
    const reads = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.endsWith('/history')) reads.push(Date.now());
    });
    await page.goto(url(opts.path));
    await page.locator('[data-live="live"] #history[data-state="loaded"]').waitFor();
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    const initial = await entries(page);
    const steps = {};

    // (a) A console scale, through the page's own Scale action.
    await page.waitForFunction(() => document.querySelector('[data-action="scale"]')?.disabled === false, null, { timeout });
    await page.locator('[data-action="scale"]').click();
    await page.locator('#action-input').fill(opts.replicas);
    await page.locator('#action-confirm').click();
    await page.locator('#action-input').waitFor({ state: 'detached' });
    steps.scale = { ms: await until(page, 'console scale', (shown) => shown.some((e) => e.source === 'console' && e.action === 'scale')) };

    // (b) A GitOps tool's server-side apply of a label.
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: opts.name, namespace: opts.namespace, labels: { 'gitops-sim/revision': '1' } },
    });
    await kubectl(['apply', '--server-side', '--field-manager=gitops-sim', '-f', '-'], manifest);
    steps.gitops = { ms: await until(page, 'change by gitops-sim', (shown) => shown.some((e) => e.source === 'change' && e.who === 'gitops-sim')) };

    // (c) A restart by kubectl, then the deployment controller's rollout.
    await kubectl(['-n', opts.namespace, 'rollout', 'restart', `deployment/${opts.name}`]);
    steps.restart = {
      ms: await until(page, 'restart and rollout', (shown) => {
        const gitops = shown.findIndex((e) => e.source === 'change' && e.who === 'gitops-sim');
        const restart = shown.findIndex((e, i) => i < gitops && e.source === 'change' && !['gitops-sim', 'kube-controller-manager'].includes(e.who));
        return restart >= 0 && shown.some((e, i) => i < restart && e.source === 'change' && e.who === 'kube-controller-manager');
      }),
    };
    return {
      initial,
      steps,
      after: await entries(page),
      recording: await recording(page),
      reloaded: !(await page.evaluate(() => window.__sameDocument === true)),
      historyReads: reads.length,
    };
  },

  async bench(page) {
    if (opts.dist) await serveDist(page.context(), opts.dist);
    const rounds = Number(opts.rounds);
    const times = [];
    let rows = 0;
    for (let i = 0; i < rounds; i += 1) {
      const tab = await page.context().newPage();
      await tab.goto(url(opts.path));
      await tab.locator('#object-name').waitFor();
      // Timed in the page, from the click event to the frame that paints the rows (not the
      // driver's own round trips).
      await tab.evaluate(() =>
        document.querySelector('[data-tab="history"]').addEventListener('click', () => {
          window.__clickedAt = performance.now();
        }, { capture: true, once: true }),
      );
      await tab.locator('[data-tab="history"]').click();
      const painted = await tab.waitForFunction(
        (n) => {
          const state = document.querySelector('#history')?.dataset.state;
          const shown = document.querySelectorAll('[data-testid="history-entry"]').length;
          const done = state === 'loaded' && (shown >= n || document.querySelector('#history-older') === null);
          return done && { ms: performance.now() - window.__clickedAt, shown };
        },
        Number(opts.rows),
        { timeout, polling: 'raf' },
      ).then((h) => h.jsonValue());
      times.push(painted.ms);
      rows = painted.shown;
      await tab.close();
    }
    return { tabToRows: summarize(times), rows };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], opts);
