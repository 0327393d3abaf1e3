import { afterEach, expect, it, vi } from 'vitest';

import { closeTab, drawerState, onVisibility, openInDrawer, toggleDrawer } from './drawer';
import type { ExecTarget } from './protocol';
import { AUTO_RESTART_WINDOW_MS, HIDDEN_CLOSE_MS, MAX_TABS } from './reconnect';
import type { ExecSession } from './session';

let n = 0;
/** A session stand-in: the drawer reads its target and phase, and calls close/restart. */
function fake(target: ExecTarget) {
  const s = {
    localId: `f${n++}`,
    target,
    view: { phase: 'open' },
    close: vi.fn(() => {
      s.view = { phase: 'ended' };
    }),
    restart: vi.fn(() => {
      s.view = { phase: 'connecting' };
    }),
  };
  return s as unknown as ExecSession;
}

const pod = (name: string, container = 'c'): ExecTarget => ({ cluster: 'alpha', namespace: 'ns', pod: name, container });

function visibility(state: 'hidden' | 'visible') {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  onVisibility();
}

afterEach(() => {
  for (const s of drawerState().sessions) closeTab(s.localId);
  vi.useRealTimers();
});

it('holds up to five terminals, shows the live one for the same container, and closes tabs', () => {
  expect(openInDrawer(pod('a'), fake)).toBe('opened');
  const first = drawerState().active;
  expect(openInDrawer(pod('b'), fake)).toBe('opened');
  expect(openInDrawer(pod('a'), fake)).toBe('shown');
  expect(drawerState().active).toBe(first);
  expect(openInDrawer(pod('a', 'other'), fake)).toBe('opened');
  for (const name of ['d', 'e']) openInDrawer(pod(name), fake);
  expect(drawerState().sessions).toHaveLength(MAX_TABS);
  expect(openInDrawer(pod('f'), fake)).toBe('full');

  const last = drawerState().sessions[MAX_TABS - 1] as ExecSession;
  closeTab(last.localId);
  expect(last.close).toHaveBeenCalled();
  expect(drawerState().sessions).toHaveLength(MAX_TABS - 1);
  expect(drawerState().active).toBe(drawerState().sessions[MAX_TABS - 2]?.localId);

  toggleDrawer();
  expect(drawerState().open).toBe(false);
  openInDrawer(pod('a'), fake);
  expect(drawerState().open).toBe(true);
});

it('an ended terminal for the same container is not reused', () => {
  openInDrawer(pod('a'), fake);
  const old = drawerState().sessions[0] as ExecSession;
  old.close();
  expect(openInDrawer(pod('a'), fake)).toBe('opened');
});

it('a tab hidden for five minutes closes its terminals; back within a minute they restart', () => {
  vi.useFakeTimers();
  openInDrawer(pod('a'), fake);
  const s = drawerState().sessions[0] as ExecSession;
  visibility('hidden');
  vi.advanceTimersByTime(HIDDEN_CLOSE_MS - 1);
  expect(s.close).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1);
  expect(s.close).toHaveBeenCalled();
  vi.advanceTimersByTime(AUTO_RESTART_WINDOW_MS / 2);
  visibility('visible');
  expect(s.restart).toHaveBeenCalled();
});

it('back after the window, closed terminals stay closed', () => {
  vi.useFakeTimers();
  openInDrawer(pod('a'), fake);
  const s = drawerState().sessions[0] as ExecSession;
  visibility('hidden');
  vi.advanceTimersByTime(HIDDEN_CLOSE_MS + AUTO_RESTART_WINDOW_MS + 1000);
  visibility('visible');
  expect(s.close).toHaveBeenCalled();
  expect(s.restart).not.toHaveBeenCalled();
});

it('a tab hidden briefly closes nothing', () => {
  vi.useFakeTimers();
  openInDrawer(pod('a'), fake);
  const s = drawerState().sessions[0] as ExecSession;
  visibility('hidden');
  vi.advanceTimersByTime(60_000);
  visibility('visible');
  vi.advanceTimersByTime(HIDDEN_CLOSE_MS);
  expect(s.close).not.toHaveBeenCalled();
});
