// The terminal drawer's state, outside React so terminals live on while pages change: up to
// MAX_TABS sessions (the dialog that opens them checks), the active one, open or collapsed. A tab hidden for HIDDEN_CLOSE_MS closes
// its terminals; back within AUTO_RESTART_WINDOW_MS of that, they restart (new shells).

import { useSyncExternalStore } from 'react';

import type { ExecTarget } from './protocol';
import { autoRestarts, HIDDEN_CLOSE_MS } from './reconnect';
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

/** Shows the drawer's live terminal for the same container, if there is one. */
export function showLive(target: ExecTarget): boolean {
  const existing = state.sessions.find((s) => sameTarget(s.target, target) && s.view.phase !== 'ended');
  if (existing) set({ active: existing.localId, open: true });
  return existing !== undefined;
}

/** How many terminals the drawer holds. */
export function drawerTabs(): number {
  return state.sessions.length;
}

/** A new terminal in the drawer, shown. */
export function addToDrawer(session: ExecSession): void {
  set({ sessions: [...state.sessions, session], active: session.localId, open: true });
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

function onVisibility(): void {
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
