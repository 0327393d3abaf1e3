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

let onUnauthenticated: () => void = () => {
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
