import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { SecretData } from './SecretData';
import { testRoot } from '../testRoot';

const dom = testRoot();
const fetchMock = vi.fn();

beforeEach(() => {
  fetchMock.mockReset();
  fetchMock.mockImplementation(async () => new Response('s3cret-value', { status: 200, headers: { 'Content-Type': 'text/plain' } }));
  vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const path = '/api/clusters/alpha/resources/core/v1/secrets/team-a/db';
const keys = [
  { name: 'password', size: 12 },
  { name: 'user', size: 5 },
];

async function click(selector: string) {
  const button = dom.container.querySelector<HTMLButtonElement>(selector);
  expect(button).not.toBeNull();
  await act(async () => button?.click());
}

describe('SecretData', () => {
  it('lists keys and fetches a value only when its Reveal is clicked', async () => {
    act(() => dom.root.render(<SecretData path={path} keys={keys} />));
    expect(dom.container.textContent).toContain('password');
    expect(dom.container.textContent).toContain('12 B');
    expect(fetchMock).not.toHaveBeenCalled();
    await click('[data-reveal="password"]');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0]?.[0]).toBe(`${path}/data/password`);
    expect(dom.container.querySelector('[data-secret-value="password"]')?.textContent).toBe('s3cret-value');
    expect(dom.container.querySelector('[data-secret-value="user"]')).toBeNull();
  });

  it('forgets the value on Hide and when it unmounts', async () => {
    act(() => dom.root.render(<SecretData path={path} keys={keys} />));
    await click('[data-reveal="password"]');
    await click('[data-hide="password"]');
    expect(dom.container.textContent).not.toContain('s3cret-value');
    await click('[data-reveal="password"]');
    act(() => dom.root.render(<p>elsewhere</p>));
    act(() => dom.root.render(<SecretData path={path} keys={keys} />));
    expect(dom.container.textContent).not.toContain('s3cret-value');
    expect(dom.container.querySelector('[data-reveal="password"]')).not.toBeNull();
  });

  it("says calmly that the role can't see a value when the reveal is refused by RBAC", async () => {
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ code: 'E_FORBIDDEN', message: 'secrets "db" is forbidden' }), { status: 403 }));
    act(() => dom.root.render(<SecretData path={path} keys={keys} />));
    await click('[data-reveal="user"]');
    expect(dom.container.querySelector('[role="alert"]')).toBeNull();
    expect(dom.container.querySelector('[role="status"]')?.textContent).toContain("Your role can't see this value.");
    expect(dom.container.querySelector('[data-testid="error-message"]')?.textContent).toBe('secrets "db" is forbidden');
  });

  it("shows other failures' envelope message as an error", async () => {
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ code: 'E_AUDIT_UNAVAILABLE', message: 'audit trail down' }), { status: 503 }));
    act(() => dom.root.render(<SecretData path={path} keys={keys} />));
    await click('[data-reveal="user"]');
    expect(dom.container.querySelector('[role="alert"]')?.textContent).toBe('audit trail down');
  });
});
