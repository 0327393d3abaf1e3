#!/usr/bin/env node
// Reads CPU and memory usage (metrics-server) where the console shows it, in Debian's Chromium
// (playwright-core), for crates/periscope/tests/usage_browser.rs. The server must not need a
// sign-in (dev mode).
//
//   node testenv/browser/usage.mjs --base URL --scenario usage --cluster C --namespace NS
//        --pod NAME --touch NAME --kubectl PATH --kubeconfig PATH [--screenshot FILE]
//        [--timeout MS] [--chromium PATH]
//
// Scenario (prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   usage  the pods list of --namespace, live, once every row has its usage cells:
//            pods {columns: [header keys], rows: [{name, cpu, cpuText, memory, memoryText}]};
//          `kubectl label` --touch (a live delta without usage): afterDelta (the rows 1.5 s
//          later: the cells must still be there); the /usage/ requests the list made while
//          shown for 17 s (polling every 15 s): polls [{url}];
//          a click on the CPU header, then another: ascending / descending
//            {url sort, rows: [{name, cpuText}], ariaSort};
//          the describe view of --pod: describe {bars: [{usage, of, percent, text, valueText}],
//            rows: [{key, text}]};
//          the nodes list: nodes {columns, rows};
//          the cluster's overview: top {pods: [{name, namespace, cpu}], nodes: [{name, cpu, memory}]}
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests. Screenshots:
// FILE-pods.png, -pods-by-cpu, -describe, -describe-dark (the dark theme), -nodes, and FILE (the overview).

import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';

import { out, runScenario, shot } from './harness.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    cluster: { type: 'string', default: 'alpha' },
    namespace: { type: 'string', default: '' },
    pod: { type: 'string', default: '' },
    touch: { type: 'string', default: '' },
    kubectl: { type: 'string', default: 'kubectl' },
    kubeconfig: { type: 'string', default: '' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '40000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  out({ error: 'usage: --base URL --scenario usage --namespace NS --pod NAME (see the top of this file)' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;
const seg = encodeURIComponent;
const resources = (resource) => `/clusters/${seg(opts.cluster)}/r/core/v1/${resource}`;

/** The list's header keys and its rows' usage cells (raw numbers from the data attributes, and the text shown). */
const listed = (page) =>
  page.evaluate(() => ({
    columns: [...document.querySelectorAll('[data-sort-key]')].map((h) => h.dataset.sortKey),
    rows: [...document.querySelectorAll('[data-testid="row"]')].map((r) => {
      const cpu = r.querySelector('[data-usage-cpu]');
      const memory = r.querySelector('[data-usage-memory]');
      return {
        name: r.dataset.name,
        cpu: cpu ? Number(cpu.dataset.usageCpu) : null,
        cpuText: cpu?.textContent ?? null,
        memory: memory ? Number(memory.dataset.usageMemory) : null,
        memoryText: memory?.textContent ?? null,
      };
    }),
  }));

/** Waits until the rows are the answer for the current URL, every row has usage, the CPU header sorted `dir` (or any). */
async function usageRows(page, dir, count) {
  await page.waitForFunction(
    ({ d, n }) => {
      const list = document.querySelector('[data-list-state]');
      const rendered = list?.dataset.listSearch === new URLSearchParams(window.location.search).toString() && list.dataset.listPath === window.location.pathname;
      const rows = [...document.querySelectorAll('[data-testid="row"]')];
      return (
        rendered &&
        list.dataset.listState === 'current' &&
        rows.length >= n &&
        rows.every((r) => r.querySelector('[data-usage-cpu]') && r.querySelector('[data-usage-memory]')) &&
        (!d || document.querySelector(`[data-sort-key="cpu"][aria-sort="${d}"]`))
      );
    },
    { d: dir, n: count },
    { timeout },
  );
  return listed(page);
}

const scenarios = {
  async usage(page) {
    const polls = [];
    page.on('request', (r) => {
      if (r.url().includes('/usage/')) polls.push({ url: r.url(), at: Date.now() });
    });

    // The pods list: usage columns, values, live.
    await page.goto(url(`${resources('pods')}?namespace=${seg(opts.namespace)}`));
    await page.locator('[data-live="live"]').waitFor();
    const pods = await usageRows(page, null, 3);
    await shot(page, opts.screenshot, 'pods');

    // A live delta (a label) carries no usage: the row keeps its cells. Then the polling.
    const shownAt = Date.now();
    await promisify(execFile)(opts.kubectl, ['--kubeconfig', opts.kubeconfig, '-n', opts.namespace, 'label', 'pod', opts.touch, `touched=${Date.now()}`], { timeout });
    await page.waitForTimeout(1500);
    const afterDelta = await listed(page);
    await page.waitForTimeout(Math.max(0, 17_000 - (Date.now() - shownAt)));
    const polled = polls.filter((p) => p.at >= shownAt).map((p) => ({ url: p.url }));

    // Sorting on the server by CPU: ascending, then descending.
    const header = page.locator('[data-sort-key="cpu"]');
    const sorted = async (dir) => {
      const { rows } = await usageRows(page, dir, 3);
      return { sort: new URL(page.url()).searchParams.get('sort'), rows: rows.map((r) => ({ name: r.name, cpuText: r.cpuText })), ariaSort: await header.getAttribute('aria-sort') };
    };
    await header.click();
    const ascending = await sorted('ascending');
    await header.click();
    const descending = await sorted('descending');
    await shot(page, opts.screenshot, 'pods-by-cpu');

    // The describe view of the busiest pod: bars against its request and limit.
    await page.goto(url(`${resources('pods')}/${seg(opts.namespace)}/${seg(opts.pod)}`));
    await page.locator('[data-section="usage"] [data-usage-bar="cpu"]').first().waitFor();
    const describe = await page.evaluate(() => {
      const section = document.querySelector('[data-section="usage"]');
      return {
        bars: [...section.querySelectorAll('[data-usage-bar]')].map((b) => ({
          row: b.closest('[data-row]')?.dataset.row ?? null,
          usage: b.dataset.usageBar,
          of: b.dataset.of,
          percent: Number(b.dataset.percent),
          text: b.textContent,
          valueText: b.querySelector('[role="meter"]')?.getAttribute('aria-valuetext') ?? null,
        })),
        rows: [...section.querySelectorAll('[data-row]')].map((r) => ({ key: r.dataset.row, text: r.textContent.replace(/\s+/g, ' ').trim() })),
      };
    });

    await shot(page, opts.screenshot, 'describe');
    await page.evaluate(() => document.documentElement.classList.add('dark'));
    await shot(page, opts.screenshot, 'describe-dark');
    await page.evaluate(() => document.documentElement.classList.remove('dark'));

    // The nodes list: usage columns on the nodes that report.
    await page.goto(url(resources('nodes')));
    await page.locator('[data-testid="row"] [data-usage-cpu]').first().waitFor();
    const nodes = await listed(page);
    await shot(page, opts.screenshot, 'nodes');

    // The overview: the busiest pods and nodes.
    await page.goto(url(`/clusters/${seg(opts.cluster)}`));
    await page.locator('[data-top="pods"] [data-top-row]').first().waitFor();
    await page.locator('[data-top="nodes"] [data-top-row]').first().waitFor();
    const top = await page.evaluate(() => {
      const rows = (kind) =>
        [...document.querySelectorAll(`[data-top="${kind}"] [data-top-row]`)].map((r) => ({
          name: r.dataset.topRow,
          namespace: r.dataset.namespace ?? null,
          cpu: Number(r.querySelector('[data-usage-cpu]')?.dataset.usageCpu),
          memory: Number(r.querySelector('[data-usage-memory]')?.dataset.usageMemory),
          href: r.querySelector('a')?.getAttribute('href') ?? null,
        }));
      return { pods: rows('pods'), nodes: rows('nodes') };
    });

    return { pods, afterDelta, polls: polled, ascending, descending, describe, nodes, top };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], opts);
