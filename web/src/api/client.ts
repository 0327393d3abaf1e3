// The one way the app talks to the server: same-origin fetch with the session cookie (the
// browser holds nothing else), errors normalised from the `{code, message}` envelope.

export interface Envelope {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The apiserver or Periscope refused this user (RBAC, allowed groups): not a failure. */
  get forbidden(): boolean {
    return this.status === 403 && this.code !== 'E_ORIGIN';
  }
}

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}

/** Builds the error for a non-2xx answer from its status and body text. */
export function errorFromBody(status: number, statusText: string, body: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isEnvelope(parsed)) return new ApiError(status, parsed.code, parsed.message, parsed.details);
  } catch {
    // not JSON: a proxy or a crash page
  }
  const text = body.trim().split('\n')[0]?.slice(0, 200) ?? '';
  return new ApiError(status, `HTTP_${status}`, text || statusText || `HTTP ${status}`);
}

/** The message to show for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Where an expired or missing session goes: sign in, then back to this page. */
export function loginUrl(here: string): string {
  return `/api/auth/login?returnTo=${encodeURIComponent(here)}`;
}

/** Why this tab shows the signed-out page instead of the console (null: it does not). */
export type SignedOutReason = 'signed-out' | 'expired';

let signedOut: SignedOutReason | null = null;
const signedOutListeners = new Set<() => void>();

export function signedOutReason(): SignedOutReason | null {
  return signedOut;
}

export function setSignedOut(reason: SignedOutReason | null): void {
  if (signedOut === reason) return;
  signedOut = reason;
  signedOutListeners.forEach((l) => l());
}

export function onSignedOutChange(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** When this tab last went to sign in (sessionStorage), to notice a sign-in that does not stick. */
const SIGN_IN_AT = 'periscope.signInAt';
/** A 401 this soon after going to sign in means signing in did not help: stop and explain. */
export const SIGN_IN_LOOP_MS = 30_000;

/** What a 401 does: go to sign in, or (signed out on purpose, or looping) stay on the signed-out page. */
export function signInStep(reason: SignedOutReason | null, lastSignInAt: number, now: number): 'stay' | 'redirect' | 'stop' {
  if (reason !== null) return 'stay';
  return now - lastSignInAt < SIGN_IN_LOOP_MS ? 'stop' : 'redirect';
}

function readSignInAt(): number {
  try {
    return Number(window.sessionStorage.getItem(SIGN_IN_AT) ?? 0) || 0;
  } catch {
    return 0;
  }
}

let onUnauthenticated: () => void = () => {
  const step = signInStep(signedOut, readSignInAt(), Date.now());
  if (step === 'stay') return;
  if (step === 'stop') return setSignedOut('expired');
  try {
    window.sessionStorage.setItem(SIGN_IN_AT, String(Date.now()));
  } catch {
    // storage refused: no loop guard, still sign in
  }
  window.location.assign(loginUrl(window.location.pathname + window.location.search));
};

/** The session ended (a 401, or the live stream's `auth_expired`): sign in again. */
export function signInAgain(): void {
  onUnauthenticated();
}

/** Replaces the 401 reaction (tests). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, { credentials: 'same-origin', ...init });
  if (!response.ok) {
    const error = errorFromBody(response.status, response.statusText, await response.text());
    if (response.status === 401 && error.code === 'E_UNAUTHENTICATED') onUnauthenticated();
    throw error;
  }
  return response;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await request(path, { headers: { Accept: 'application/json' }, signal });
  return (await response.json()) as T;
}

export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const response = await request(path, { headers: { Accept: 'text/yaml, text/plain, */*' }, signal });
  return response.text();
}

/**
 * A streamed answer (server-sent events, read with fetch so that a refusal's envelope — 400
 * naming the containers, 403, 429 — reaches the page, which EventSource cannot read).
 */
export async function openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const response = await request(path, { headers: { Accept: 'text/event-stream' }, signal, cache: 'no-store' });
  if (!response.body) throw new Error('the browser gave no body to read the stream from');
  return response.body;
}

/** A mutation. The browser adds this page's `Origin`, which the server requires. */
export async function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  }
  const response = await request(path, init);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}
