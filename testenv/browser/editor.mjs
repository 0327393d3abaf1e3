#!/usr/bin/env node
// Drives the YAML editor in Debian's Chromium (playwright-core) for the browser tests in
// crates/periscope/tests/editor_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/editor.mjs --base URL --scenario NAME --path P [--edits JSON]
//        [--name N] [--kubectl BIN --kubeconfig FILE --drift JSON] [--screenshot FILE]
//        [--timeout MS] [--chromium PATH]
//
// Edits are made as a user makes them: Monaco's find/replace (Ctrl+H), `--edits` a JSON list
// of [search, replacement, regex?]. Scenarios (each prints ONE JSON line on stdout; on failure
// {"error",...} and exit 1):
//   apply     open P (an object's page), `e`; make the edits; Ctrl+S (preview: the apply body,
//             the removals, the dry run's diff); Ctrl+Enter (apply); read the status
//   conflict  as apply, but the apply is refused (409): read the conflict view (field, manager,
//             class per row), try to force before the name is typed, type --name, force
//   drift     open the editor, make the edits, then run `kubectl --drift` (args as JSON) while it
//             is open; wait for the drift banner, open the three-way view and read its columns;
//             then the unsaved-change guards: Esc, Back (both ask; "Keep editing"), and leaving
//             the page (the browser's beforeunload question, dismissed)
//   invalid   open the editor, make the edits, wait for a schema problem, apply, read the error
// Every result also carries pageErrors (uncaught exceptions), blockedRequests and the editor's
// data attributes when opened (schema, glyphs, owners shown in the margin).

import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { out, runScenario } from './harness.mjs';

const log = (msg) => process.stderr.write(`editor.mjs: ${msg}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    edits: { type: 'string', default: '[]' },
    name: { type: 'string', default: '' },
    kubectl: { type: 'string', default: '' },
    kubeconfig: { type: 'string', default: '' },
    drift: { type: 'string', default: '[]' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '30000' },
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
const editor = (page) => page.evaluate(() => ({ ...document.querySelector('#editor')?.dataset }));

/** Opens the object's page and the editor with `e`; waits until it is interactive. */
async function open(page) {
  await page.goto(url(opts.path));
  await page.locator('#edit-yaml:not([disabled])').waitFor();
  await page.keyboard.press('e');
  await page.locator('#editor[data-state="ready"]').waitFor();
  // Glyphs follow once the editor is interactive.
  await page.waitForFunction(() => {
    const glyphs = document.querySelector('#editor')?.dataset.glyphs;
    return glyphs === '0' || (glyphs !== 'pending' && document.querySelector('#editor-code .owner-glyph'));
  });
  const owners = await page.evaluate(() => [...document.querySelectorAll('#editor-code .owner-glyph')].map((g) => g.className.match(/owner-(\w+)/g)?.[1] ?? ''));
  return { ...(await editor(page)), owners };
}

/** One find/replace over the whole buffer (Ctrl+H, replace all), as a user would. */
async function replace(page, [search, replacement, regex]) {
  await page.locator('#editor-code .view-lines').click();
  await page.keyboard.press('Control+H');
  const find = page.locator('#editor-code .find-widget .find-part textarea');
  const toggle = page.locator('#editor-code .find-widget .codicon-regex');
  const on = (await toggle.getAttribute('aria-checked')) === 'true';
  if (Boolean(regex) !== on) await toggle.click();
  await find.fill(search);
  await page.waitForFunction(() => !/No results/.test(document.querySelector('#editor-code .find-widget .matchesCount')?.textContent ?? ''), null, { timeout: 5000 });
  const input = page.locator('#editor-code .find-widget .replace-part textarea');
  await input.fill(replacement);
  await input.focus();
  await page.keyboard.press('Control+Alt+Enter');
  await page.keyboard.press('Escape');
}

async function edit(page) {
  for (const e of JSON.parse(opts.edits)) await replace(page, e);
  await page.locator('#editor[data-dirty="true"]').waitFor();
}

/** Ctrl+S from inside the editor, then what the preview shows. */
async function preview(page) {
  await page.locator('#editor-code .view-lines').click();
  await page.keyboard.press('Control+S');
  await page.locator('#editor-preview').waitFor();
  await page.locator('#editor-status[data-status="previewed"], #editor-status[data-status="unchanged"]').waitFor();
  const diffShown = await page.locator('#editor-preview-diff .editor.modified').count();
  return page.evaluate((diff) => ({
    changed: document.querySelector('#editor-preview')?.dataset.changed,
    apply: document.querySelector('#editor-preview-apply')?.textContent ?? '',
    remove: [...document.querySelectorAll('#editor-preview-remove li')].map((li) => li.textContent),
    diffShown: diff > 0,
  }), diffShown);
}

/** Ctrl+Enter from inside the editor; waits for the status to settle. */
async function apply(page) {
  await page.locator('#editor-code .view-lines').click();
  await page.keyboard.press('Control+Enter');
  await page.locator('#editor-status:not([data-status="busy"]):not([data-status="idle"]):not([data-status="previewed"])').waitFor();
  return page.evaluate(() => ({ status: document.querySelector('#editor-status')?.dataset.status, message: document.querySelector('#editor-status')?.textContent }));
}

const scenarios = {
  async apply(page) {
    const opened = await open(page);
    await edit(page);
    const previewed = await preview(page);
    const applied = await apply(page);
    await page.locator('#editor[data-dirty="false"]').waitFor();
    // Applied and reloaded: nothing is unsaved, so Esc closes at once.
    await page.keyboard.press('Escape');
    await page.locator('#editor').waitFor({ state: 'detached' });
    return { opened, previewed, applied, closed: true };
  },

  async conflict(page) {
    const opened = await open(page);
    await edit(page);
    const refused = await apply(page);
    await page.locator('#editor-conflicts').waitFor();
    const conflicts = await page.locator('#editor-conflicts [data-conflict]').evaluateAll((rows) => rows.map((r) => ({ field: r.dataset.conflict, manager: r.dataset.manager, class: r.dataset.class, text: r.textContent })));
    const forceBeforeName = await page.locator('#editor-force').isEnabled();
    await page.locator('#editor-force-name').fill(opts.name);
    await page.locator('#editor-force').click();
    await page.locator('#editor-status[data-status="applied"]').waitFor();
    await page.locator('#editor[data-dirty="false"]').waitFor();
    return { opened, refused, conflicts, forceBeforeName, forced: await editor(page) };
  },

  async drift(page) {
    const opened = await open(page);
    await edit(page);
    execFileSync(opts.kubectl, ['--kubeconfig', opts.kubeconfig, ...JSON.parse(opts.drift)], { stdio: 'pipe' });
    await page.locator('#editor-drift').waitFor();
    const banner = await page.locator('#editor-drift').innerText();
    await page.locator('#editor-drift-show').click();
    await page.locator('#editor-three-way').waitFor();
    const column = (id) => page.locator(`#${id} .view-lines`).innerText().then((t) => t.replace(/\u00a0/g, ' '));
    await page.waitForFunction(() => document.querySelectorAll('#editor-three-way .view-lines .view-line').length > 0);
    const threeWay = { opened: await column('three-way-opened'), theirs: await column('three-way-theirs'), mine: await column('three-way-mine') };
    // Esc with unsaved changes asks first; "Keep editing" keeps them.
    await page.locator('#editor-code .view-lines').click();
    await page.keyboard.press('Escape');
    await page.locator('#editor-discard').waitFor();
    await page.locator('#editor-discard-no').click();
    const kept = await editor(page);
    // Back asks as well, and the editor stays open; so does leaving the page (beforeunload).
    await page.goBack().catch(() => null);
    await page.locator('#editor-discard').waitFor();
    await page.locator('#editor-discard-no').click();
    const afterBack = { ...(await editor(page)), url: page.url() };
    const dialog = new Promise((resolve) => page.once('dialog', (d) => { resolve(d.type()); void d.dismiss(); }));
    await page.close({ runBeforeUnload: true });
    const unload = await Promise.race([dialog, new Promise((r) => setTimeout(() => r('none'), 5000))]);
    return { opened, banner, threeWay, kept, afterBack, unload, stayed: !page.isClosed() };
  },

  async invalid(page) {
    const opened = await open(page);
    await edit(page);
    await page.locator('#editor-problems li').first().waitFor();
    const problems = await page.locator('#editor-problems li').allInnerTexts();
    const refused = await apply(page);
    await page.locator('#editor-error').waitFor();
    const error = await page.evaluate(() => ({ code: document.querySelector('#editor-error')?.dataset.code, message: document.querySelector('#editor-error')?.textContent }));
    return { opened, problems, refused, error };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], {
  ...opts,
  log,
  failure: async (page) => ({
    editor: await editor(page),
    refusal: await page.evaluate(() => ['#editor-error', '#editor-conflicts', '#editor-status'].map((q) => document.querySelector(q)?.textContent ?? '')),
  }),
});
