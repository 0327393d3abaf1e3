import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { SecretData } from './SecretData';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;
const fetchMock = vi.fn();

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  fetchMock.mockReset();
  fetchMock.mockImplementation(async () => new Response('s3cret-value', { status: 200, headers: { 'Content-Type': 'text/plain' } }));
  vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
});

const path = '/api/clusters/alpha/resources/core/v1/secrets/team-a/db';
const keys = [
  { name: 'password', size: 12 },
  { name: 'user', size: 5 },
];

async function click(selector: string) {
  const button = container.querySelector<HTMLButtonElement>(selector);
  expect(button).not.toBeNull();
  await act(async () => button?.click());
}

describe('SecretData', () => {
  it('lists keys and fetches a value only when its Reveal is clicked', async () => {
    act(() => root.render(<SecretData path={path} keys={keys} />));
    expect(container.textContent).toContain('password');
    expect(container.textContent).toContain('12 B');
    expect(fetchMock).not.toHaveBeenCalled();
    await click('[data-reveal="password"]');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0]?.[0]).toBe(`${path}/data/password`);
    expect(container.querySelector('[data-secret-value="password"]')?.textContent).toBe('s3cret-value');
    expect(container.querySelector('[data-secret-value="user"]')).toBeNull();
  });

  it('forgets the value on Hide and when it unmounts', async () => {
    act(() => root.render(<SecretData path={path} keys={keys} />));
    await click('[data-reveal="password"]');
    await click('[data-hide="password"]');
    expect(container.textContent).not.toContain('s3cret-value');
    await click('[data-reveal="password"]');
    act(() => root.render(<p>elsewhere</p>));
    act(() => root.render(<SecretData path={path} keys={keys} />));
    expect(container.textContent).not.toContain('s3cret-value');
    expect(container.querySelector('[data-reveal="password"]')).not.toBeNull();
  });

  it("says calmly that the role can't see a value when the reveal is refused by RBAC", async () => {
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ code: 'E_FORBIDDEN', message: 'secrets "db" is forbidden' }), { status: 403 }));
    act(() => root.render(<SecretData path={path} keys={keys} />));
    await click('[data-reveal="user"]');
    expect(container.querySelector('[role="alert"]')).toBeNull();
    expect(container.querySelector('[role="status"]')?.textContent).toContain("Your role can't see this value.");
    expect(container.querySelector('[data-testid="error-message"]')?.textContent).toBe('secrets "db" is forbidden');
  });

  it("shows other failures' envelope message as an error", async () => {
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ code: 'E_AUDIT_UNAVAILABLE', message: 'audit trail down' }), { status: 503 }));
    act(() => root.render(<SecretData path={path} keys={keys} />));
    await click('[data-reveal="user"]');
    expect(container.querySelector('[role="alert"]')?.textContent).toBe('audit trail down');
  });
});
