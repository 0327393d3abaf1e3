// The terminal drawer's state, outside React so terminals live on while pages change: up to
// MAX_TABS sessions, the active one, open or collapsed. A tab hidden for HIDDEN_CLOSE_MS closes
// its terminals; back within AUTO_RESTART_WINDOW_MS of that, they restart (new shells).

import { useSyncExternalStore } from 'react';

import type { ExecTarget } from './protocol';
import { autoRestarts, HIDDEN_CLOSE_MS, MAX_TABS } from './reconnect';
import type { ExecSession } from './session';

export interface DrawerState {
  sessions: readonly ExecSession[];
  active: string | null;
  open: boolean;
}

let state: DrawerState = { sessions: [], active: null, open: true };
const listeners = new Set<() => void>();

function set(patch: Partial<DrawerState>): void {
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useDrawer(): DrawerState {
  return useSyncExternalStore(subscribe, () => state);
}

const sameTarget = (a: ExecTarget, b: ExecTarget) =>
  a.cluster === b.cluster && a.namespace === b.namespace && a.pod === b.pod && (a.container ?? '') === (b.container ?? '');

/**
 * Opens a terminal in the drawer (`create` makes its session), or shows the live one for the
 * same container; `full` when the drawer has MAX_TABS already.
 */
export function openInDrawer(target: ExecTarget, create: (target: ExecTarget) => ExecSession): 'opened' | 'shown' | 'full' {
  const existing = state.sessions.find((s) => sameTarget(s.target, target) && s.view.phase !== 'ended');
  if (existing) {
    set({ active: existing.localId, open: true });
    return 'shown';
  }
  if (state.sessions.length >= MAX_TABS) return 'full';
  const session = create(target);
  set({ sessions: [...state.sessions, session], active: session.localId, open: true });
  return 'opened';
}

/** The state now (tests). */
export function drawerState(): DrawerState {
  return state;
}

export function focusTab(localId: string): void {
  set({ active: localId, open: true });
}

/** Closes a tab and its session. */
export function closeTab(localId: string): void {
  const session = state.sessions.find((s) => s.localId === localId);
  session?.close();
  const sessions = state.sessions.filter((s) => s.localId !== localId);
  const active = state.active === localId ? (sessions[sessions.length - 1]?.localId ?? null) : state.active;
  set({ sessions, active });
}

export function toggleDrawer(): void {
  if (state.sessions.length > 0) set({ open: !state.open });
}

// The hidden-tab rule.
let hiddenTimer: number | undefined;
let closedWhileHidden: { sessions: ExecSession[]; at: number } | null = null;

/** The hidden-tab rule (exported for tests; the document's visibilitychange calls it). */
export function onVisibility(): void {
  if (document.visibilityState === 'hidden') {
    window.clearTimeout(hiddenTimer);
    hiddenTimer = window.setTimeout(() => {
      const live = state.sessions.filter((s) => s.view.phase !== 'ended');
      live.forEach((s) => s.close());
      closedWhileHidden = live.length > 0 ? { sessions: live, at: Date.now() } : null;
    }, HIDDEN_CLOSE_MS);
    return;
  }
  window.clearTimeout(hiddenTimer);
  const closed = closedWhileHidden;
  closedWhileHidden = null;
  if (closed && autoRestarts(closed.at, Date.now())) {
    closed.sessions.filter((s) => state.sessions.includes(s)).forEach((s) => s.restart());
  }
}

if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility);
