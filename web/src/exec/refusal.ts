// Why a terminal did not open. A browser's WebSocket cannot read the server's refusal (the
// envelope comes with a non-101 answer it hides), so the page asks again with a plain GET of
// the same URL: that answers the refusal (404, 403, 429, …), or 400 "needs a WebSocket
// upgrade" once every check it can make without one passed. Pure: the fetches are the caller's.

import type { ApiError } from '../api/client';
import type { SessionSummary } from '../api/types.gen';

/** A session the cap dialog lists (from `details.activeSessions` or the session list). */
export interface ActiveSession {
  id: string;
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  startedAt: string;
}

/** What the cap dialog shows. */
export interface CapInfo {
  /** The server's limit, when it said. */
  limit: number | null;
  message: string;
  sessions: ActiveSession[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The sessions of a 429 `E_CAP_USER`'s `details`, read defensively, oldest first. */
export function capInfo(error: ApiError): CapInfo {
  const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {};
  const limit = typeof details.limit === 'number' ? details.limit : null;
  const raw = Array.isArray(details.activeSessions) ? details.activeSessions : [];
  const sessions = raw.flatMap((s: unknown): ActiveSession[] => {
    if (typeof s !== 'object' || s === null) return [];
    const v = s as Record<string, unknown>;
    const id = str(v.id);
    if (!id) return [];
    return [{ id, cluster: str(v.cluster), namespace: str(v.namespace), pod: str(v.pod), container: str(v.container), startedAt: str(v.startedAt) }];
  });
  sessions.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { limit, message: error.message, sessions };
}

/** The cap dialog for sessions read from the list (when the refusal itself could not be read). */
export function capFromList(sessions: SessionSummary[], user: string | undefined): CapInfo {
  const mine = user === undefined ? sessions : sessions.filter((s) => s.user === user);
  return {
    limit: null,
    message: 'The server refused the terminal. If you are at your limit of terminal sessions, end one and try again.',
    sessions: [...mine].sort((a, b) => a.startedAt.localeCompare(b.startedAt)),
  };
}

/** How a refused terminal is shown. */
export type Refusal =
  | { kind: 'cap'; cap: CapInfo }
  | { kind: 'disabled'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'other'; message: string };

/** The plain GET's answer said nothing but "not a WebSocket request": the refusal came later. */
export function isUpgradeOnly(error: ApiError): boolean {
  return error.status === 400 && /websocket upgrade/i.test(error.message);
}

/** A refusal envelope, as the terminal shows it. */
export function refusalOf(error: ApiError): Refusal {
  if (error.status === 429 && error.code === 'E_CAP_USER') return { kind: 'cap', cap: capInfo(error) };
  if (error.code === 'E_EXEC_DISABLED') return { kind: 'disabled', message: `Terminals are switched off for this cluster: ${error.message}` };
  if (error.status === 403 && error.code === 'E_ORIGIN') return { kind: 'other', message: `The server refused this page's origin: ${error.message}` };
  if (error.status === 403) return { kind: 'forbidden', message: `Your role may not open a terminal here: ${error.message}` };
  if (error.status === 404) return { kind: 'not-found', message: error.message };
  return { kind: 'other', message: error.message };
}

/** The refusal's words, for a line in the terminal or a note. */
export function refusalText(refusal: Refusal): string {
  return refusal.kind === 'cap' ? refusal.cap.message : refusal.message;
}

/** Whether trying again later could help (reconnect attempts go on past it). */
export function isLasting(refusal: Refusal): boolean {
  return refusal.kind !== 'other';
}
