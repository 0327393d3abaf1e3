#!/usr/bin/env node
// Drives the Helm section in Debian's Chromium (playwright-core) for
// crates/periscope/tests/helm_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/helm.mjs --base URL --scenario NAME [--path P] [--name N]
//        [--screenshot FILE] [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   rollback  open the Helm list P, read release N's row; open it with j and Enter; History:
//             read the revisions, compare 1 → 2 and read the object and value changes; "Roll
//             back to this" on 1: read the confirmation's diff, confirm; read the new revision
//             and the values tab, then the list's row again
//   tabs      open the release page P: the supplied and computed values, the manifest, the
//             notes, the resources (kind, name, live state, link) and drift (objects, states,
//             changed paths with the release's and the live value)
//   refused   open the release page P, History, "Roll back to this" on 1, confirm: read the
//             pre-flight's denials shown, and the revision shown afterwards
//   off       open the release page P: read the Upgrade/Uninstall buttons' state and tooltip
//   uninstall open the release page P, Uninstall: is the button enabled before the name N is
//             typed, and after; confirm: read the list it lands on
//   install   open the Helm list P, Install chart: repository --repo, chart hello, version
//             --version; the values replaced by --values in the editor; Ctrl+S previews (read
//             the objects); install: read the release page it lands on
//   upgrade   open the release page P, Upgrade: read the version choices, pick --version,
//             replace the values by --values; preview (read the diff); confirm: read the page
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { parseArgs } from 'node:util';

import { runScenario } from './harness.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    name: { type: 'string', default: '' },
    repo: { type: 'string', default: '' },
    version: { type: 'string', default: '' },
    values: { type: 'string', default: '' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '60000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  process.stdout.write(`${JSON.stringify({ error: 'usage: --base URL --scenario NAME (see the top of this file)' })}\n`);
  process.exit(2);
}
const url = (path) => new URL(path, opts.base).href;
/** How long to wait for what a Helm write changes: the real helm runs through the proxy, which
 * on a loaded 2-core machine takes far longer than a page update. */
const WRITE_WAIT = 120000;
/** A screenshot of a moment of the scenario, beside its final one (`helm-<scenario>-<state>.png`). */
const shot = (page, state) => (opts.screenshot ? page.screenshot({ path: opts.screenshot.replace(/\.png$/, `-${state}.png`) }) : undefined);

/** The release's row in the list: revision and status cells. */
async function listedRow(page, name) {
  const row = page.locator(`tr[data-release="${name}"]`);
  await row.waitFor();
  return { revision: (await row.locator('[data-cell="revision"]').innerText()).trim(), status: (await row.locator('[data-cell="status"]').innerText()).trim() };
}

/** The changed paths of a diff panel: `Object: path` of objects, `{path,before,after}` of values. */
async function readDiff(page, panel) {
  const root = page.locator(panel);
  await root.waitFor();
  const objectChanges = await root.locator('[data-object]').evaluateAll((els) =>
    els.flatMap((o) => [...o.querySelectorAll('[data-testid="object-change"]')].map((r) => `${o.dataset.object}: ${r.dataset.path}`)),
  );
  const valueChanges = await root.locator('[data-testid="value-change"]').evaluateAll((rows) =>
    rows.map((r) => ({ path: r.dataset.path, before: r.querySelector('[data-cell="before"]').textContent, after: r.querySelector('[data-cell="after"]').textContent })),
  );
  return { objectChanges, valueChanges };
}

const scenarios = {
  async rollback(page) {
    const name = opts.name;
    await page.goto(url(opts.path));
    await page.locator('[data-helm-list="loaded"]').waitFor();
    const listed = await listedRow(page, name);
    // Keyboard-first: the filter narrows to the release, j highlights it, Enter opens it.
    await page.keyboard.press('/');
    await page.keyboard.type(name);
    await page.keyboard.press('Escape');
    await page.waitForFunction((n) => [...document.querySelectorAll('tr[data-release]')].every((r) => r.dataset.release.includes(n)), name);
    await page.keyboard.press('j');
    await page.locator(`[data-cursor="${name}"]`).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('[data-release-page="2"]').waitFor();

    await page.locator('[data-tab="history"]').click();
    await page.locator('tr[data-history-revision]').first().waitFor();
    const history = await page.locator('tr[data-history-revision]').evaluateAll((rows) => rows.map((r) => r.dataset.historyRevision));
    await page.locator('input[data-compare="from"][data-revision="1"]').check();
    await page.locator('input[data-compare="to"][data-revision="2"]').check();
    await page.locator('#helm-compare').click();
    const compared = await readDiff(page, '#helm-diff');
    await shot(page, 'compare');
    const compareUrl = new URL(page.url()).search;

    await page.locator('#rollback-1').click();
    const confirm = await readDiff(page, '#helm-rollback-diff');
    await page.locator('#helm-rollback-confirm').click();
    // A write runs the real helm through the proxy: on a loaded machine that takes a while.
    await page.locator('#helm-rollback-dialog').waitFor({ state: 'detached', timeout: WRITE_WAIT });
    await page.locator('[data-release-page="3"]').waitFor({ timeout: WRITE_WAIT });
    await page.locator('tr[data-history-revision="3"]').waitFor();
    const history3 = await page.locator('tr[data-history-revision]').evaluateAll((rows) => rows.map((r) => r.dataset.historyRevision));
    await page.locator('[data-tab="values"]').click();
    const values = await page.locator('#release-values #yaml').innerText();
    const revision = await page.locator('#release-revision').getAttribute('data-revision');

    await page.locator('#back-to-helm').click();
    await page.locator('[data-helm-list="loaded"]').waitFor();
    // The list may show its cached rows first: the rollback marked them stale, so they refresh.
    await page.waitForFunction((n) => document.querySelector(`tr[data-release="${n}"] [data-cell="revision"]`)?.textContent === '3', name).catch(() => undefined);
    const relisted = await listedRow(page, name);
    return {
      listed,
      history,
      compareUrl,
      ...compared,
      confirmDiff: confirm.valueChanges,
      after: { revision, values, history: history3, listed: relisted },
    };
  },
};

/** Opens the release page P and waits for its detail. */
async function openRelease(page) {
  await page.goto(url(opts.path));
  await page.locator('[data-release-page]:not([data-release-page="pending"])').waitFor();
}

/** Replaces the values editor's whole text (the editor ready), as a paste would. */
async function replaceValues(page, text) {
  await page.locator('#helm-values-editor[data-state="ready"]').waitFor();
  await page.locator('#editor-code .view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

/**
 * After asking for a preview: first that the ask landed (its button busy, or the answer already
 * there), then the answer, which is the real helm's server-side dry run through the proxy, so
 * it gets a write's time rather than a page update's (CI at stop 27 timed out here at 60 s).
 */
async function previewShown(page, button) {
  const answer = '#helm-preview, #helm-error, #helm-denied';
  await page.locator(`${button}:has-text("Previewing"), ${answer}`).first().waitFor({ timeout: 10000 });
  await page.locator(answer).first().waitFor({ timeout: WRITE_WAIT });
  const refused = page.locator('#helm-error, #helm-denied');
  if (await refused.count()) throw new Error(`the preview was refused: ${await refused.first().innerText()}`);
}

/** The preview's objects: `object action allowed`. */
const previewObjects = (page) =>
  page.locator('[data-preview-object]').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent).join(' ')));

/** The release page once it shows `revision`: its revision, chart and values. */
async function releaseShown(page, revision) {
  await page.locator(`[data-release-page="${revision}"]`).waitFor({ timeout: WRITE_WAIT });
  return {
    path: new URL(page.url()).pathname,
    revision: await page.locator('#release-revision').getAttribute('data-revision'),
    chart: await page.locator('#release-chart').innerText(),
    values: await page.locator('#release-values #yaml').innerText(),
  };
}

Object.assign(scenarios, {
  async tabs(page) {
    await openRelease(page);
    const supplied = await page.locator('#release-values #yaml').innerText();
    await page.locator('[data-values="computed"]').click();
    await page.locator('#release-values[data-view="computed"]').waitFor();
    const computed = await page.locator('#release-values #yaml').innerText();
    const computedUrl = new URL(page.url()).search;
    await page.locator('[data-tab="manifest"]').click();
    // The manifest's own view: the values tab's YAML may still be on screen for a moment.
    const manifest = await page.locator('#release-manifest #yaml').innerText();
    await page.locator('[data-tab="notes"]').click();
    const notes = await page.locator('#release-notes').innerText();
    await page.locator('[data-tab="resources"]').click();
    await page.locator('#helm-resources [data-state]').first().waitFor();
    const resources = await page.locator('#helm-resources tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ resource: r.dataset.resource, state: r.querySelector('[data-state]')?.dataset.state ?? null, href: r.querySelector('a')?.getAttribute('href') ?? null })),
    );
    await page.locator('[data-tab="drift"]').click();
    await page.locator('#helm-drift').waitFor();
    const drift = await page.locator('[data-drift-object]').evaluateAll((els) =>
      els.map((o) => ({
        object: o.dataset.driftObject,
        state: o.querySelector('[data-state]').dataset.state,
        changes: [...o.querySelectorAll('[data-testid="drift-change"]')].map((r) => ({ path: r.dataset.path, release: r.querySelector('[data-cell="before"]').textContent, live: r.querySelector('[data-cell="after"]').textContent })),
      })),
    );
    const drifted = await page.locator('#helm-drift').getAttribute('data-drifted');
    return { supplied, computed, computedUrl, manifest, notes, resources, drift, drifted };
  },

  async refused(page) {
    await openRelease(page);
    await page.locator('[data-tab="history"]').click();
    await page.locator('#rollback-1').click();
    await page.locator('#helm-rollback-diff').waitFor();
    await page.locator('#helm-rollback-confirm').click();
    await page.locator('#helm-denied').waitFor({ timeout: WRITE_WAIT });
    const denied = await page.locator('#helm-denied [data-denied]').evaluateAll((els) => els.map((e) => e.dataset.denied));
    const text = await page.locator('#helm-denied').innerText();
    const revision = await page.locator('#release-revision').getAttribute('data-revision');
    return { denied, text, revision };
  },

  async off(page) {
    await openRelease(page);
    // The features answer may come after the detail: wait for the buttons to settle.
    await page.waitForFunction(() => !document.querySelector('#helm-upgrade')?.title.startsWith('Checking'));
    const button = async (id) => ({ disabled: await page.locator(id).isDisabled(), title: await page.locator(id).getAttribute('title') });
    return { upgrade: await button('#helm-upgrade'), uninstall: await button('#helm-uninstall') };
  },

  async uninstall(page) {
    await openRelease(page);
    await page.locator('#helm-uninstall:not([disabled])').click();
    const before = await page.locator('#helm-uninstall-confirm').isEnabled();
    await page.locator('#helm-uninstall-name').fill(opts.name);
    const after = await page.locator('#helm-uninstall-confirm').isEnabled();
    await page.locator('#helm-uninstall-confirm').click();
    await page.locator('[data-helm-list="loaded"]').waitFor();
    await page.waitForFunction((n) => !document.querySelector(`tr[data-release="${n}"]`), opts.name, { timeout: WRITE_WAIT });
    return { before, after, landed: new URL(page.url()).pathname, empty: await page.locator('#helm-empty').isVisible() };
  },
});

Object.assign(scenarios, {
  async install(page) {
    await page.goto(url(opts.path));
    await page.locator('#helm-install:not([disabled])').click();
    await page.locator('#helm-install-repo').fill(opts.repo);
    await page.locator('#helm-install-chart').fill('hello');
    await page.locator('#helm-install-chart').press('Enter');
    await page.locator(`#helm-install-version option[value="${opts.version}"]`).waitFor({ state: 'attached' });
    const versions = await page.locator('#helm-install-version option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    await page.locator('#helm-install-version').selectOption(opts.version);
    await page.locator('#helm-install-name').fill(opts.name);
    await replaceValues(page, opts.values);
    await page.keyboard.press('Control+S');
    await previewShown(page, '#helm-install-preview');
    const objects = await previewObjects(page);
    await shot(page, 'preview');
    await page.locator('#helm-install-confirm').click();
    return { versions, objects, release: await releaseShown(page, 1) };
  },

  async upgrade(page) {
    await openRelease(page);
    await page.locator('#helm-upgrade:not([disabled])').click();
    await page.locator('#helm-upgrade-version').waitFor();
    await page.locator(`#helm-upgrade-version option[value="${opts.version}"]`).waitFor({ state: 'attached' });
    const versions = await page.locator('#helm-upgrade-version option').evaluateAll((os) => os.map((o) => o.value));
    await page.locator('#helm-upgrade-version').selectOption(opts.version);
    await replaceValues(page, opts.values);
    await page.locator('#helm-upgrade-preview').click();
    await previewShown(page, '#helm-upgrade-preview');
    const diff = await readDiff(page, '#helm-preview-diff');
    const objects = await previewObjects(page);
    await shot(page, 'preview');
    await page.locator('#helm-upgrade-confirm').click();
    await page.locator('#helm-upgrade-view').waitFor({ state: 'detached', timeout: WRITE_WAIT });
    return { versions, diff, objects, release: await releaseShown(page, 2) };
  },
});

process.exit(await runScenario(opts.scenario, scenarios[opts.scenario], opts));
