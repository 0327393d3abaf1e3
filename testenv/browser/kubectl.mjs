#!/usr/bin/env node
// Drives the "Use with kubectl" dialog in Debian's Chromium (playwright-core) for
// crates/periscope/tests/kubectl_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/kubectl.mjs --base URL --scenario NAME [--path P] [--name N]
//        [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   create      open P, click the header's kubectl button; name a token N, create it: read the
//               secret and its notice, the token list; dismiss the secret: is it still on the page?
//   revoke      open P, open the dialog from the palette (Ctrl+K, "use with kubectl", Enter);
//               revoke the token named N (Revoke, then confirm); read the list before and after
//   kubeconfig  open P, open the dialog from the identity footer; read the ticked clusters and
//               the usage line; Download kubeconfig: read the saved file
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
    name: { type: 'string', default: '' },
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

/** The token list's rows: name, clusters, and the texts of the time cells. */
const tokenRows = (page) =>
  page.locator('[data-testid="token-row"]').evaluateAll((els) =>
    els.map((e) => ({ id: e.dataset.id, name: e.dataset.name, cells: [...e.querySelectorAll('td')].slice(1, 5).map((td) => td.textContent) })),
  );

/** Waits until the token list has (`present`) or lacks a row named `name`. */
const listed = (page, name, present) =>
  page.waitForFunction(([n, p]) => [...document.querySelectorAll('[data-testid="token-row"]')].some((r) => r.dataset.name === n) === p, [name, present], { timeout });

/** Opens the page and waits for the shell to know its clusters. */
async function open(page) {
  await page.goto(url(opts.path));
  await page.locator('#kubectl-button:not([disabled])').waitFor();
}

const scenarios = {
  async create(page) {
    await open(page);
    // One CI run (load 2) lost this click: the button was enabled, the page settled, no page
    // error, yet no dialog within 20 s; not reproduced or understood. The click is repeated
    // once after 10 s so the scenario tests the dialog, and the run says when it was needed.
    await page.locator('#kubectl-button').click();
    if (!(await page.locator('#kubectl-dialog').waitFor({ timeout: 10000 }).then(() => true, () => false))) {
      process.stderr.write('create: the first click on #kubectl-button opened no dialog; clicking again\n');
      await page.locator('#kubectl-button').click();
      await page.locator('#kubectl-dialog').waitFor();
    }
    const ttlChoices = await page.locator('#token-ttl option').allInnerTexts();
    const ttl = await page.locator('#token-ttl').inputValue();
    await page.locator('#token-name').fill(opts.name);
    await page.locator('#token-create').click();
    await page.locator('#token-secret').waitFor();
    const secret = await page.locator('#token-secret-value').inputValue();
    const notice = await page.locator('#token-secret').innerText();
    await listed(page, opts.name, true);
    const rows = await tokenRows(page);
    await page.locator('#token-secret-done').click();
    await page.locator('#token-secret').waitFor({ state: 'detached' });
    const stillShown = (await page.content()).includes(secret);
    return { ttlChoices, ttl, secret, notice, rows, stillShown };
  },

  async revoke(page) {
    await open(page);
    await page.keyboard.press('Control+k');
    await page.locator('#palette-input').fill('use with kubectl');
    await page.keyboard.press('Enter');
    await page.locator('#kubectl-dialog').waitFor();
    await listed(page, opts.name, true);
    const before = await tokenRows(page);
    const row = page.locator(`[data-testid="token-row"][data-name="${opts.name}"]`);
    await row.locator('[data-testid="token-revoke"]').click();
    await row.locator('[data-testid="token-revoke-confirm"]').click();
    await listed(page, opts.name, false);
    const after = await tokenRows(page);
    return { before, after };
  },

  async kubeconfig(page) {
    await open(page);
    await page.locator('#identity-kubectl').click();
    await page.locator('#kubectl-dialog').waitFor();
    const ticked = await page.locator('[data-testid="kubectl-cluster"]:checked').evaluateAll((els) => els.map((e) => e.value));
    const usage = await page.locator('[data-testid="kubectl-usage"]').allInnerTexts();
    const [file] = await Promise.all([page.waitForEvent('download', { timeout }), page.locator('#kubectl-download').click()]);
    const saved = { filename: file.suggestedFilename(), text: readFileSync(await file.path()).toString('utf8') };
    await page.locator('#kubectl-downloaded').waitFor();
    return { ticked, usage, file: saved };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], opts);
