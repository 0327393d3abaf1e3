import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from 'react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import { ClusterCard } from '../pages/FleetPage';
import { SignedOutPage } from '../pages/SignedOutPage';
import { ErrorBox } from './ErrorBox';
import { ShortcutSheet } from './ShortcutSheet';
import { YamlView } from './YamlView';
import { testRoot } from '../testRoot';

const dom = testRoot();

describe('ErrorBox', () => {
  it('shows a calm role note for a 403 from RBAC', () => {
    act(() => dom.root.render(<ErrorBox error={new ApiError(403, 'E_FORBIDDEN', 'pods is forbidden: User "alice"')} />));
    expect(dom.container.querySelector('[role="status"]')?.textContent).toContain("Your role can't see this.");
    expect(dom.container.querySelector('[role="alert"]')).toBeNull();
    expect(dom.container.textContent).toContain('pods is forbidden: User "alice"');
  });

  it('adds a hint to the role note only', () => {
    act(() => dom.root.render(<ErrorBox error={new ApiError(403, 'E_FORBIDDEN', 'no')} hint="Pick a namespace." />));
    expect(dom.container.querySelector('[role="status"]')?.textContent).toContain('Pick a namespace.');
    act(() => dom.root.render(<ErrorBox error={new ApiError(500, 'E_INTERNAL', 'boom')} hint="Pick a namespace." />));
    expect(dom.container.textContent).not.toContain('Pick a namespace.');
  });

  it('shows other failures as errors with the envelope code and message', () => {
    act(() => dom.root.render(<ErrorBox error={new ApiError(502, 'E_CLUSTER_UNREACHABLE', 'connection refused')} />));
    const alert = dom.container.querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('E_CLUSTER_UNREACHABLE');
    expect(alert?.textContent).toContain('connection refused');
  });
});

describe('YamlView', () => {
  it('keeps the text exactly and marks keys', () => {
    const text = 'kind: Pod\nmetadata:\n  name: "web"\n# note\n- item\n';
    act(() => dom.root.render(<YamlView text={text} />));
    const pre = dom.container.querySelector('#yaml') as HTMLElement;
    expect([...pre.children].map((line) => line.textContent)).toEqual(['kind: Pod', 'metadata:', '  name: "web"', '# note', '- item']);
    const keys = [...pre.querySelectorAll('.text-blue-700')].map((k) => k.textContent);
    expect(keys).toEqual(['kind', 'metadata', 'name']);
  });

  it('renders markup in values as text', () => {
    act(() => dom.root.render(<YamlView text={'a: <img src=x onerror=alert(1)>'} />));
    expect(dom.container.querySelector('img')).toBeNull();
  });
});

describe('ClusterCard', () => {
  const base = { name: 'beta', backend: 'kubeconfig', version: null, nodes: null, pods: null, namespaces: null, stuckOrFailed: null, hotSignals: [], elapsedMs: 3 };
  it("says calmly when the role can't see a cluster", () => {
    act(() =>
      dom.root.render(
        <MemoryRouter>
          <ClusterCard c={{ ...base, status: 'denied', error: { code: 'denied', message: 'nodes is forbidden' } }} liveNodes={undefined} />
        </MemoryRouter>,
      ),
    );
    expect(dom.container.querySelector('[role="status"]')?.textContent).toBe("Your role can't see this cluster's nodes or pods.");
    expect(dom.container.querySelector('.text-red-700')).toBeNull();
  });

  it('shows an unreachable cluster as an error, and live node counts over the fleet answer', () => {
    act(() =>
      dom.root.render(
        <MemoryRouter>
          <ClusterCard c={{ ...base, status: 'unreachable', error: { code: 'timeout', message: 'no answer within 3000 ms' } }} liveNodes={undefined} />
          <ClusterCard c={{ ...base, name: 'alpha', status: 'healthy', nodes: { ready: 2, total: 2 } }} liveNodes={{ ready: 1, total: 2 }} />
        </MemoryRouter>,
      ),
    );
    expect(dom.container.querySelector('.text-red-700')?.textContent).toBe('no answer within 3000 ms');
    expect(dom.container.querySelector('[data-nodes="live"]')?.textContent).toBe('1/2');
  });
});

describe('SignedOutPage', () => {
  it('offers to sign in again and come back to this page, and forgets what was read', () => {
    const client = new QueryClient();
    client.setQueryData(['fleet'], { secret: 1 });
    window.history.replaceState(null, '', '/clusters/alpha/r/core/v1/pods?namespace=team-a');
    act(() =>
      dom.root.render(
        <QueryClientProvider client={client}>
          <SignedOutPage reason="signed-out" />
        </QueryClientProvider>,
      ),
    );
    expect(dom.container.querySelector('h1')?.textContent).toBe('You are signed out of Periscope');
    expect(dom.container.querySelector('#sign-in-again')?.getAttribute('href')).toBe(
      '/api/auth/login?returnTo=%2Fclusters%2Falpha%2Fr%2Fcore%2Fv1%2Fpods%3Fnamespace%3Dteam-a',
    );
    expect(client.getQueryData(['fleet'])).toBeUndefined();
  });

  it('explains an expired session that signing in did not fix', () => {
    act(() =>
      dom.root.render(
        <QueryClientProvider client={new QueryClient()}>
          <SignedOutPage reason="expired" />
        </QueryClientProvider>,
      ),
    );
    expect(dom.container.querySelector('h1')?.textContent).toBe('Your session has ended');
  });
});

describe('ShortcutSheet', () => {
  it('lists each shortcut with its keys', () => {
    act(() => dom.root.render(<ShortcutSheet onClose={() => undefined} />));
    const keys = [...dom.container.querySelectorAll('#shortcut-sheet kbd')].map((k) => k.textContent);
    expect(keys).toEqual(['/', ':', 'j', '↓', 'k', '↑', 'Enter', 'x', 'v', 'g p', 'g o', 'g f', 'g h', 'g a', 'Ctrl K', '⌘ K', '?', 'Esc', 'a', 's', 'e', 'Ctrl `', '⌘ `', 'Space', '←', '→']);
  });
});
