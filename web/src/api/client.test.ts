import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError, errorFromBody, errorMessage, getJson, loginUrl, SIGN_IN_LOOP_MS, send, setUnauthenticatedHandler, signInStep } from './client';

describe('errorFromBody', () => {
  it('reads the envelope', () => {
    const e = errorFromBody(403, 'Forbidden', '{"code":"E_FORBIDDEN","message":"pods is forbidden","details":{"status":{}}}');
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('E_FORBIDDEN');
    expect(e.message).toBe('pods is forbidden');
    expect(e.status).toBe(403);
    expect(e.forbidden).toBe(true);
  });

  it('treats a refused origin as an error, not a role limit', () => {
    expect(errorFromBody(403, '', '{"code":"E_ORIGIN","message":"cross-origin"}').forbidden).toBe(false);
  });

  it('falls back to the first line of a non-envelope body', () => {
    const e = errorFromBody(502, 'Bad Gateway', '<html>upstream down\nmore</html>');
    expect(e.code).toBe('HTTP_502');
    expect(e.message).toBe('<html>upstream down');
  });

  it('falls back to the status text for an empty body or a JSON non-envelope', () => {
    expect(errorFromBody(500, 'Internal Server Error', '').message).toBe('Internal Server Error');
    expect(errorFromBody(500, '', '').message).toBe('HTTP 500');
    expect(errorFromBody(500, 'x', '{"error":"nope"}').code).toBe('HTTP_500');
  });

  it('gives a message for anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
  });
});

describe('requests', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the session from the same origin and parses JSON', async () => {
    const fetchMock = vi.fn().mockResolvedValue(new Response('{"ok":1}', { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    await expect(getJson('/api/fleet')).resolves.toEqual({ ok: 1 });
    expect(fetchMock.mock.calls[0]?.[1]).toMatchObject({ credentials: 'same-origin' });
  });

  it('throws the envelope and goes to sign-in on 401', async () => {
    const body = '{"code":"E_UNAUTHENTICATED","message":"sign in"}';
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response(body, { status: 401 })));
    const handler = vi.fn();
    setUnauthenticatedHandler(handler);
    await expect(getJson('/api/fleet')).rejects.toMatchObject({ code: 'E_UNAUTHENTICATED', message: 'sign in' });
    expect(handler).toHaveBeenCalledOnce();
  });

  it('posts JSON bodies for mutations', async () => {
    const fetchMock = vi.fn().mockResolvedValue(new Response('', { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    await expect(send('POST', '/api/x/scale', { replicas: 3 })).resolves.toEqual({});
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit;
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"replicas":3}');
  });

  it('returns to the page after sign-in', () => {
    expect(loginUrl('/clusters/alpha/r/core/v1/pods?namespace=team-a')).toBe(
      '/api/auth/login?returnTo=%2Fclusters%2Falpha%2Fr%2Fcore%2Fv1%2Fpods%3Fnamespace%3Dteam-a',
    );
  });
});

describe('signInStep', () => {
  it('goes to sign in on a 401', () => {
    expect(signInStep(null, 0, 1_000_000)).toBe('redirect');
  });

  it('stops instead of looping when signing in did not give a working session', () => {
    expect(signInStep(null, 1_000_000, 1_000_000 + SIGN_IN_LOOP_MS - 1)).toBe('stop');
    expect(signInStep(null, 1_000_000, 1_000_000 + SIGN_IN_LOOP_MS)).toBe('redirect');
  });

  it('stays on the signed-out page after signing out on purpose', () => {
    expect(signInStep('signed-out', 0, 1_000_000)).toBe('stay');
    expect(signInStep('expired', 0, 1_000_000)).toBe('stay');
  });
});
