#!/usr/bin/env node
// Drives the web console's terminal in Debian's Chromium (playwright-core) for
// crates/periscope/tests/exec_browser.rs. The server must not need a sign-in (dev mode).
//
//   node testenv/browser/exec.mjs --base URL --scenario NAME --path P [--screenshot FILE]
//        [--timeout MS] [--chromium PATH]
//
// Scenarios (each prints ONE JSON line on stdout; on failure {"error",...} and exit 1):
//   shell   open P (a pod page), click Terminal, open the default container in the drawer, type
//           `echo hel''lo`, read the screen; `stty size` before and after making the window
//           smaller; open the session list from the header, find the session and its
//           recording, replay it at ×8 to the end and read the screen, search "hello" and jump
//           to the match; back on the session list, end the session and read the drawer
//                                                  → {sessionId,container,typed,style:{font,color},
//                                                    sizes:[{stty,cols,rows}],
//                                                    listed,recorded,replay:{screen,time,duration},
//                                                    search:{count,time,screen},ended:{phase,text}}
//   workload open P (a workload page), press `s`, read the pod and container choices, press
//           Enter (the first in the drawer) and run `echo $((6*7))`
//                                                  → {pods,containers,typed,footer}
//   cap     (a server allowing one session per user) open P (a pod page), a terminal in the
//           drawer, then its Full page link: the cap dialog lists the drawer's session; End it,
//           Try again                              → {first,second,dialog,listed,drawerEnded}
//   idle    (a server with short idle timers) open P (a pod page) and a terminal, wait for the
//           idle countdown, type a key (it goes), then wait for the idle close
//                                                  → {warned,phaseAfterTyping,ended}
//   reconnect open P (a pod page) and a terminal, print {"ready":true}, wait for a line on stdin
//           (the test restarted the server), wait for the terminal to reconnect to a new shell
//           and run a command in it               → {first,second,phases,screen}
//   refused open P (a pod page of a cluster with exec switched off, or a pod gone), open the
//           full-page terminal at P + "/exec" and read why it did not open
//                                                  → {phase,text,buttonDisabled,buttonTitle}
// Every result also carries pageErrors (uncaught exceptions) and blockedRequests.

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { out, runScenario, shot as harnessShot } from './harness.mjs';

const log = (msg) => process.stderr.write(`exec: ${msg}\n`);

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    scenario: { type: 'string' },
    path: { type: 'string', default: '/' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '30000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
  strict: true,
});
if (!opts.base || !opts.scenario) {
  out({ error: 'usage: --base URL --scenario NAME --path P (see the top of this file)' });
  process.exit(2);
}
const timeout = Number(opts.timeout);
const url = (path) => new URL(path, opts.base).href;

const shot = (page, suffix) => harnessShot(page, opts.screenshot, suffix);

/** The text on a terminal's screen (xterm's rows), one line per row, trailing blanks dropped. */
function screen(page, selector) {
  return page.locator(`${selector} .xterm-rows`).evaluate((rows) =>
    [...rows.children].map((r) => r.textContent.replace(/\u00a0/g, ' ').trimEnd()).join('\n').trimEnd());
}

/** Waits until the screen of `selector` satisfies `test` (a regex or a predicate), and returns it. */
async function screenUntil(page, selector, test) {
  const ok = typeof test === 'function' ? test : (t) => test.test(t);
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await screen(page, selector).catch(() => '');
    if (ok(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`the terminal never showed ${test}: ${JSON.stringify(text)}`);
}

const DRAWER = '#terminal-drawer [data-phase]';

/** Waits for the test to write a line on stdin (it has acted, e.g. restarted the server). */
function waitForGo() {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) => lines.once('line', () => {
    lines.close();
    resolve();
  }));
}

/** Runs `stty size` in the drawer's terminal; returns its answer and the terminal's own size. */
async function sttySize(page, marker) {
  const term = page.locator('#terminal-drawer [data-terminal]');
  const cols = await term.getAttribute('data-cols');
  const rows = await term.getAttribute('data-rows');
  // A marker before the answer tells it from earlier ones.
  await page.keyboard.type(`echo ${marker}; stty size`);
  await page.keyboard.press('Enter');
  const text = await screenUntil(page, '#terminal-drawer', new RegExp(`^${marker}\\n(\\d+ \\d+)$`, 'm'));
  const stty = new RegExp(`^${marker}\\n(\\d+ \\d+)$`, 'm').exec(text)[1];
  return { stty, cols: Number(cols), rows: Number(rows) };
}

const scenarios = {
  async shell(page) {
    await page.goto(url(opts.path));
    const button = page.locator('[data-terminal-button]');
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-terminal-button]');
      return b && !b.disabled;
    }, null, { timeout });
    await button.click();
    await page.locator('#exec-dialog [data-container]').first().waitFor();
    await page.locator('#exec-open').click();
    await page.locator(`${DRAWER}[data-phase="open"]`).waitFor();
    const pane = page.locator(DRAWER);
    const sessionId = await pane.getAttribute('data-session-id');
    await page.locator('#terminal-drawer .xterm').click();
    await page.keyboard.type("echo hel''lo");
    await page.keyboard.press('Enter');
    const typed = await screenUntil(page, '#terminal-drawer', /^hello$/m);
    const footer = await page.locator('[data-terminal-footer]').innerText();
    const container = /container (\S+)/.exec(footer)?.[1] ?? null;
    // xterm's run-time styles (theme, font) reach the rows despite the page's style-src policy.
    const style = await page.locator('#terminal-drawer .xterm-rows').evaluate((r) => {
      const s = getComputedStyle(r);
      return { font: s.fontFamily, color: s.color };
    });
    await shot(page, 'terminal');

    const sizes = [await sttySize(page, 'before')];
    await page.setViewportSize({ width: 900, height: 640 });
    // The fit follows the window; wait until the terminal has its new size.
    await page.waitForFunction(
      (before) => {
        const t = document.querySelector('#terminal-drawer [data-terminal]');
        return t && (Number(t.dataset.cols) !== before.cols || Number(t.dataset.rows) !== before.rows);
      },
      sizes[0],
      { timeout },
    );
    sizes.push(await sttySize(page, 'after'));
    await shot(page, 'resized');

    // The session list: the open session, and its recording.
    await page.locator('#sessions-link').click();
    await page.locator(`[data-open-session="${sessionId}"]`).waitFor();
    const listed = await page.locator(`[data-open-session="${sessionId}"]`).innerText();
    await page.locator(`[data-recording="${sessionId}"]`).waitFor();
    const recorded = await page.locator(`[data-recording="${sessionId}"]`).innerText();
    await page.locator(`[data-replay="${sessionId}"]`).click();

    // The replay, at ×8 to the end.
    await page.locator('#replay [data-replay-terminal] .xterm-rows').waitFor();
    await page.locator('[data-speed="8"]').click();
    await page.locator('#replay-play').click();
    await page.waitForFunction(() => document.querySelector('#replay')?.dataset.playing === 'false', null, { timeout });
    const replay = {
      // xterm draws on the next frame: wait for the last output to show.
      screen: await screenUntil(page, '#replay', /^after$/m),
      time: Number(await page.locator('#replay').getAttribute('data-time')),
      duration: Number(await page.locator('#replay').getAttribute('data-duration')),
    };
    await shot(page, 'replay');
    // Search, then jump to the first match: the screen is drawn up to that time.
    await page.locator('#replay-search').fill('hello');
    await page.locator('[data-match="0"]').waitFor();
    const count = await page.locator('[data-match]').count();
    const matchTime = Number(await page.locator('[data-match="0"]').getAttribute('data-match-time'));
    await page.locator('[data-match="0"]').click();
    // The screen before the jump (the end) had `after`; drawn again, it has `hello` and not that.
    const redrawn = (t) => /^hello$/m.test(t) && !/^after$/m.test(t);
    await page.waitForFunction((t) => Math.abs(Number(document.querySelector('#replay')?.dataset.time) - t) < 0.01, matchTime, { timeout });
    const search = { count, time: Number(await page.locator('#replay').getAttribute('data-time')), matchTime, screen: await screenUntil(page, '#replay', redrawn) };

    // Ending the session from the list closes the drawer's terminal, saying why.
    await page.locator('#sessions-link').click();
    await page.locator(`[data-end-session="${sessionId}"]`).click();
    await page.locator(`${DRAWER}[data-phase="ended"]`).waitFor();
    const ended = { phase: await pane.getAttribute('data-phase'), text: await page.locator('#terminal-drawer [data-ended]').innerText() };
    await page.locator(`[data-open-session="${sessionId}"]`).waitFor({ state: 'detached' });
    return { sessionId, container, typed, style, sizes, listed, recorded, replay, search, ended };
  },

  async workload(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-terminal-button]');
      return b && !b.disabled;
    }, null, { timeout });
    // k9s's `s`, then Enter: the dialog focuses Open once it has a pod and a container.
    await page.keyboard.press('s');
    await page.locator('#exec-pod').waitFor();
    const pods = await page.locator('#exec-pod option').evaluateAll((os) => os.map((o) => o.value));
    await page.locator('#exec-dialog [data-container]').first().waitFor();
    const containers = await page.locator('#exec-dialog [data-container]').evaluateAll((els) => els.map((e) => e.dataset.container));
    await page.locator('#exec-open:focus').waitFor();
    await page.keyboard.press('Enter');
    await page.locator(`${DRAWER}[data-phase="open"]`).waitFor();
    await page.locator('#terminal-drawer .xterm').click();
    await page.keyboard.type('echo $((6*7))');
    await page.keyboard.press('Enter');
    const typed = await screenUntil(page, '#terminal-drawer', /^42$/m);
    const footer = await page.locator('[data-terminal-footer]').innerText();
    await shot(page, 'terminal');
    return { pods, containers, typed, footer };
  },

  async cap(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-terminal-button]');
      return b && !b.disabled;
    }, null, { timeout });
    await page.locator('[data-terminal-button]').click();
    await page.locator('#exec-open').click();
    await page.locator(`${DRAWER}[data-phase="open"]`).waitFor();
    const first = await page.locator(DRAWER).getAttribute('data-session-id');
    // A second terminal (the drawer's Full page link keeps the first one alive) is over the cap.
    await page.getByRole('link', { name: 'Full page' }).click();
    await page.locator('#cap-dialog').waitFor();
    await shot(page, 'dialog');
    const dialog = await page.locator('#cap-dialog').innerText();
    const listed = await page.locator('#cap-dialog [data-cap-session]').evaluateAll((rows) => rows.map((r) => r.dataset.capSession));
    await page.locator(`#cap-dialog [data-end-session="${first}"]`).click();
    await page.locator(`${DRAWER}[data-phase="ended"]`).waitFor();
    const drawerEnded = await page.locator('#terminal-drawer [data-ended]').innerText();
    await page.locator('#cap-retry').click();
    await page.locator('#exec-page [data-phase="open"]').waitFor();
    const second = await page.locator('#exec-page [data-phase]').getAttribute('data-session-id');
    return { first, second, dialog, listed, drawerEnded };
  },

  async idle(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-terminal-button]');
      return b && !b.disabled;
    }, null, { timeout });
    await page.locator('[data-terminal-button]').click();
    await page.locator('#exec-open').click();
    await page.locator(`${DRAWER}[data-phase="open"]`).waitFor();
    const countdown = page.locator('[data-idle-countdown]');
    await countdown.waitFor();
    const warned = await countdown.innerText();
    await shot(page, 'warned');
    // Typing during the warning keeps the session.
    await page.locator('#terminal-drawer .xterm').click();
    await page.keyboard.type('x');
    await countdown.waitFor({ state: 'detached' });
    const phaseAfterTyping = await page.locator(DRAWER).getAttribute('data-phase');
    await page.locator(`${DRAWER}[data-phase="ended"]`).waitFor();
    return { warned, phaseAfterTyping, ended: await page.locator('#terminal-drawer [data-ended]').innerText() };
  },

  async reconnect(page) {
    await page.goto(url(opts.path));
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-terminal-button]');
      return b && !b.disabled;
    }, null, { timeout });
    await page.locator('[data-terminal-button]').click();
    await page.locator('#exec-open').click();
    await page.locator(`${DRAWER}[data-phase="open"]`).waitFor();
    // The terminal's code (a lazy chunk) must be on the page before the server goes away:
    // "open" is the session's phase, which can come before the chunk has loaded.
    await page.locator('#terminal-drawer .xterm').waitFor();
    const first = await page.locator(DRAWER).getAttribute('data-session-id');
    // Every phase the terminal passes through from here on.
    await page.evaluate(() => {
      window.phases = [];
      window.setInterval(() => {
        const phase = document.querySelector('#terminal-drawer [data-phase]')?.dataset.phase;
        if (phase && window.phases[window.phases.length - 1] !== phase) window.phases.push(phase);
      }, 50);
    });
    out({ ready: true });
    await waitForGo();
    await page.locator(`${DRAWER}[data-shells="2"][data-phase="open"]`).waitFor();
    const second = await page.locator(DRAWER).getAttribute('data-session-id');
    await page.locator('#terminal-drawer .xterm').click();
    await page.keyboard.type("echo sec''ond");
    await page.keyboard.press('Enter');
    const text = await screenUntil(page, '#terminal-drawer', /^second$/m);
    await shot(page, 'again');
    return { first, second, phases: await page.evaluate(() => window.phases), screen: text };
  },

  async refused(page) {
    await page.goto(url(opts.path));
    const button = page.locator('[data-terminal-button]');
    await page.locator('#object-name').waitFor();
    // The button settles once the clusters list and can-i have answered.
    await page.locator('[data-terminal-button][data-permissions="checked"]').waitFor();
    const buttonDisabled = await button.isDisabled();
    const buttonTitle = await button.getAttribute('title');
    await page.goto(url(`${opts.path}/exec`));
    await page.locator('#exec-page [data-phase="ended"]').waitFor();
    await shot(page, 'refused');
    return {
      phase: await page.locator('#exec-page [data-phase]').getAttribute('data-phase'),
      text: await page.locator('#exec-page [data-ended]').innerText(),
      buttonDisabled,
      buttonTitle,
    };
  },
};

process.exitCode = await runScenario(opts.scenario, scenarios[opts.scenario], { ...opts, log });
