import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from 'react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { KindList } from '../api/types.gen';
import { kindList, LEASES, WIDGETS } from '../test/kinds';
import { testRoot } from '../testRoot';
import { Sidebar } from './Sidebar';

const dom = testRoot();

async function renderWith(kinds: KindList) {
  const fetched: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      fetched.push(url);
      const body = url === '/api/clusters/alpha/kinds' ? kinds : { subject: 'dana', email: 'd@x', groups: [], tier: null };
      return new Response(JSON.stringify(body), { status: 200 });
    }),
  );
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  act(() =>
    dom.root.render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <Sidebar cluster="alpha" />
        </MemoryRouter>
      </QueryClientProvider>,
    ),
  );
  for (let i = 0; i < 5; i += 1) await act(async () => new Promise((r) => setTimeout(r, 0)));
  return fetched;
}

const sections = () =>
  [...dom.container.querySelectorAll('section')].map((s) => ({
    title: s.querySelector('h2')?.textContent,
    links: [...s.querySelectorAll('a')].map((a) => a.textContent),
    note: s.querySelector('p')?.textContent,
  }));

afterEach(() => vi.unstubAllGlobals());

describe('Sidebar', () => {
  it('lists the kinds the server sends, by section, custom resources last', async () => {
    const fetched = await renderWith(kindList(WIDGETS, LEASES));
    expect(fetched).toContain('/api/clusters/alpha/kinds');
    const all = sections();
    expect(all.map((s) => s.title)).toEqual(['Workloads', 'Networking', 'Storage', 'Config', 'RBAC', 'Cluster', 'Custom resources']);
    expect(all[0]?.links.slice(0, 3)).toEqual(['Pods', 'Deployments', 'StatefulSets']);
    expect(all.at(-1)?.links).toEqual(['Widget']);
    expect(dom.container.textContent).not.toContain('Lease');
    const widget = dom.container.querySelector<HTMLAnchorElement>('a[title^="Widget"]');
    expect(widget?.getAttribute('href')).toBe('/clusters/alpha/r/periscope.dev/v1/widgets');
    expect(dom.container.querySelector('#sidebar-helm')?.getAttribute('href')).toBe('/clusters/alpha/helm');
  });

  it("says calmly when the role can't list CRDs", async () => {
    await renderWith({ ...kindList(), errors: { customResourceDefinitions: { code: 'denied', message: 'customresourcedefinitions is forbidden' } } });
    expect(sections().at(-1)).toEqual({ title: 'Custom resources', links: [], note: "Your role can't list CRDs" });
  });
});
