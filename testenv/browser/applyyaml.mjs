#!/usr/bin/env node
// Drives "Apply YAML" and the lists' bulk YAML download in Debian's Chromium (playwright-core)
// for crates/periscope/tests/applyyaml_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/applyyaml.mjs --base URL --scenario NAME --path P [--yaml FILE]
//        [--broken FILE] [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   apply   open P (a list page), press `a`; paste --broken, check: the problems shown and
//           whether Apply is offered; paste --yaml, check (dry run), read each document's
//           row, open the first diff, apply, read each row and the summary again
//   conflict  open P, click Apply YAML, paste --yaml (one document), check, apply: read the
//           conflict; press its Force button; read the row again
//   bulk    open P (a list page, filtered), tick the header box, Download YAML, Download;
//           read the saved file
//   secret  open P (the secrets list, filtered), tick the first row (`j`, `x`), Download YAML; read the
//           reveal warning and count /yaml requests made so far; confirm; read the saved file
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { runScenario } from './harness.mjs';

const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    yaml: { type: 'string', default: '' },
    broken: { type: 'string', default: '' },
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

/** Each document row of the dialog: state, name, badge, and the texts under it. */
const rows = (page) =>
  page.locator('[data-testid="apply-row"]').evaluateAll((els) =>
    els.map((e) => ({
      state: e.dataset.state,
      name: e.dataset.name,
      badge: e.querySelector('[data-testid="apply-badge"]')?.textContent ?? '',
      problem: e.querySelector('[data-testid="apply-problem"]')?.textContent ?? null,
      result: e.querySelector('[data-testid="apply-result"]')?.textContent ?? null,
      text: e.textContent,
    })),
  );

const phase = (page, p) => page.waitForFunction((want) => document.querySelector('#apply-yaml')?.dataset.phase === want, p, { timeout });

/** Replaces the dialog's text with `text` (as a paste would). */
async function paste(page, text) {
  await page.locator('#apply-yaml-text').fill(text);
}

/** Waits for the list to show at least `n` rows. */
const listed = (page, n) => page.waitForFunction((k) => document.querySelectorAll('[data-testid="row"]').length >= k, n, { timeout });

/** Clicks `selector` and reads the file it downloads. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout }), page.locator(selector).click()]);
  return { filename: file.suggestedFilename(), text: readFileSync(await file.path()).toString('utf8') };
}

const scenarios = {
  async apply(page) {
    await page.goto(url(opts.path));
    await page.locator('[data-testid="row"], #list-count').first().waitFor();
    await page.keyboard.press('a');
    await page.locator('#apply-yaml').waitFor();
    const namespaceDefault = await page.locator('#apply-yaml-namespace').inputValue();

    await paste(page, readFileSync(opts.broken, 'utf8'));
    await page.locator('#apply-yaml-check').click();
    await phase(page, 'checked');
    const broken = { rows: await rows(page), applyEnabled: await page.locator('#apply-yaml-apply').isEnabled() };

    await paste(page, readFileSync(opts.yaml, 'utf8'));
    await page.keyboard.press('Control+Enter');
    await phase(page, 'checked');
    const checked = await rows(page);
    await page.locator('[data-testid="apply-diff-toggle"]').first().click();
    const diff = await page.locator('[data-testid="apply-diff"] [data-op]').evaluateAll((els) => els.map((e) => e.dataset.op + e.textContent.slice(2)));
    const applyLabel = await page.locator('#apply-yaml-apply').innerText();
    await page.locator('#apply-yaml-apply').click();
    await phase(page, 'done');
    const applied = await rows(page);
    const summary = await page.locator('#apply-yaml-summary').innerText();
    return { namespaceDefault, broken, checked, diff, applyLabel, applied, summary };
  },

  async conflict(page) {
    await page.goto(url(opts.path));
    await page.locator('#apply-yaml-button').click();
    await paste(page, readFileSync(opts.yaml, 'utf8'));
    await page.locator('#apply-yaml-check').click();
    await phase(page, 'checked');
    const checked = await rows(page);
    await page.locator('#apply-yaml-apply').click();
    await phase(page, 'done');
    const refused = await rows(page);
    const conflicts = await page.locator('[data-testid="apply-result"] [data-testid="apply-conflicts"] li').allInnerTexts();
    await page.locator('[data-testid="apply-force"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="apply-row"]')?.dataset.state === 'applied', null, { timeout });
    const forced = await rows(page);
    return { checked, refused, conflicts, forced };
  },

  async bulk(page) {
    await page.goto(url(opts.path));
    await listed(page, 20);
    await page.locator('#select-all').check();
    const selected = Number(await page.locator('#list-selection').getAttribute('data-count'));
    await page.locator('#bulk-download-button').click();
    await page.locator('#bulk-download').waitFor();
    const strip = await page.locator('#bulk-strip').isChecked();
    const file = await download(page, '#bulk-start');
    await page.locator('#bulk-done').waitFor();
    const done = await page.locator('#bulk-done').innerText();
    return { selected, strip, file, done };
  },

  async secret(page) {
    const yamlRequests = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.endsWith('/yaml')) yamlRequests.push(r.url());
    });
    await page.goto(url(opts.path));
    await listed(page, 1);
    // The keyboard: `j` highlights the first row, `x` ticks it.
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.locator('#bulk-download-button').click();
    await page.locator('#bulk-download').waitFor();
    const title = await page.locator('[role="dialog"] h2').innerText();
    const warning = await page.locator('#bulk-reveal-warning').innerText();
    const readBeforeConfirm = yamlRequests.length;
    const file = await download(page, '#bulk-start');
    await page.locator('#bulk-done').waitFor();
    return { title, warning, readBeforeConfirm, readAfter: yamlRequests.length, file };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], opts);
