import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { testRoot } from '../testRoot';
import KubectlDialog from './KubectlDialog';

const dom = testRoot();

const token = (id: string, name: string, subject = 'dana') => ({ id, name, subject, email: '', groups: [], clusters: ['alpha'], createdAt: 1, expiresAt: 2, lastUsedAt: null });

let calls: { method: string; url: string; body?: unknown }[] = [];
let mine = [token('t1', 'laptop')];

/** The token routes as the server answers them; `scope` is the caller's audit scope. */
function stubServer(scope: 'self' | 'all') {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      calls.push({ method, url, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
      const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
      if (url === '/api/auth/whoami') return json({ subject: 'dana', auditScope: scope });
      if (method === 'POST' && url === '/api/tokens') return json({ ...token('t2', 'new-one'), token: 'pst_secret' }, 201);
      if (url === '/api/tokens') return json({ items: mine, maxTtlSeconds: 8 * 3600 });
      if (url === '/api/tokens?all=true') return json({ items: [...mine, token('t9', 'ci', 'erin')], maxTtlSeconds: 8 * 3600 });
      if (method === 'DELETE') {
        mine = mine.filter((t) => !url.endsWith(`/${t.id}`));
        return new Response(null, { status: 204 });
      }
      return json({ code: 'E_NOT_FOUND', message: url }, 404);
    }),
  );
}

beforeEach(() => {
  calls = [];
  mine = [token('t1', 'laptop')];
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const settle = async () => {
  for (let i = 0; i < 10; i += 1) await act(async () => new Promise((r) => setTimeout(r, 0)));
};
const $ = (selector: string) => dom.container.ownerDocument.querySelector<HTMLElement>(selector);
const click = async (selector: string) => {
  expect($(selector)).not.toBeNull();
  await act(async () => $(selector)?.click());
  await settle();
};
const rows = () => [...dom.container.ownerDocument.querySelectorAll<HTMLElement>('[data-testid="token-row"]')].map((r) => r.dataset.name);

async function render() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  act(() =>
    dom.root.render(
      <QueryClientProvider client={client}>
        <KubectlDialog cluster="alpha" clusters={['alpha', 'beta']} onClose={() => undefined} />
      </QueryClientProvider>,
    ),
  );
  await settle();
}

describe('Use with kubectl', () => {
  it('makes a token for the ticked clusters and shows its secret until dismissed', async () => {
    stubServer('self');
    await render();
    const name = $('#token-name') as HTMLInputElement;
    act(() => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(name, 'new-one');
      name.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await click('[data-testid="kubectl-cluster"][value="beta"]');
    await click('#token-create');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'new-one', clusters: ['alpha', 'beta'], ttlSeconds: 8 * 3600 });
    expect(($('#token-secret-value') as HTMLInputElement).value).toBe('pst_secret');
    expect($('#token-secret')?.textContent).toContain('you will not see it again');
    await click('#token-secret-done');
    expect(dom.container.ownerDocument.body.innerHTML).not.toContain('pst_secret');
  });

  it('revokes only after the confirmation', async () => {
    stubServer('self');
    await render();
    expect(rows()).toEqual(['laptop']);
    await click('[data-testid="token-revoke"]');
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await click('[data-testid="token-revoke-confirm"]');
    expect(calls.find((c) => c.method === 'DELETE')?.url).toBe('/api/tokens/t1');
    expect(rows()).toEqual([]);
  });

  it("offers everyone's tokens, with their users, to audit admins only", async () => {
    stubServer('self');
    await render();
    expect($('#token-all')).toBeNull();
    act(() => dom.root.render(<></>));

    stubServer('all');
    await render();
    await click('#token-all');
    expect(calls.some((c) => c.url === '/api/tokens?all=true')).toBe(true);
    expect(rows()).toEqual(['laptop', 'ci']);
    expect([...dom.container.ownerDocument.querySelectorAll('[data-testid="token-owner"]')].map((c) => c.textContent)).toEqual(['dana', 'erin']);
  });
});
