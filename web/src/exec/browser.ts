// A session's dependencies in the browser: the real WebSocket, timers, and the diagnosis of a
// terminal that did not open (refusal.ts says why it takes these steps).

import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { ExecTarget } from './protocol';
import { capFromList, isUpgradeOnly, type Refusal, refusalOf } from './refusal';
import { ExecSession, type SessionDeps } from './session';

/**
 * Why the exec URL refused. The plain GET answers every refusal that comes before the upgrade
 * check (pod, container, command, exec switched off); past it, the user's RBAC (can-i) and
 * their open sessions (the per-user cap) are asked separately.
 */
export async function diagnose(target: ExecTarget, path: string): Promise<Refusal | null> {
  try {
    await api.execProbe(path);
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) return null;
    if (!isUpgradeOnly(error)) return refusalOf(error);
  }
  try {
    const check = { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: target.namespace, name: target.pod };
    const answer = (await api.canI(target.cluster, [check])).results[0];
    if (answer && !answer.allowed && answer.reason === 'denied') {
      return { kind: 'forbidden', message: `Your role may not open a terminal in pod ${target.pod}${answer.message ? `: ${answer.message}` : '.'}` };
    }
    const [sessions, me] = await Promise.all([api.execSessions(), api.whoami()]);
    const cap = capFromList(sessions, me.auditScope === 'all' ? me.subject : undefined);
    if (cap.sessions.length > 0) return { kind: 'cap', cap };
  } catch {
    // the diagnosis is best effort: the terminal says it could not connect
  }
  return null;
}

const deps = (target: ExecTarget): SessionDeps => ({
  socket: (url) => new WebSocket(url),
  diagnose: (path) => diagnose(target, path),
  location: window.location,
  now: () => Date.now(),
  setTimer: (run, ms) => window.setTimeout(run, ms),
  clearTimer: (timer) => window.clearTimeout(timer as number),
});

/** A terminal in the browser; `connectNow: false` waits for its start(). */
export function openSession(target: ExecTarget, connectNow = true): ExecSession {
  return new ExecSession(target, deps(target), connectNow);
}
