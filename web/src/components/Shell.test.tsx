import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { kindList, WIDGETS } from '../test/kinds';
import { testRoot } from '../testRoot';
import { Shell } from './Shell';

const dom = testRoot();

const answers: Record<string, unknown> = {
  '/api/clusters': { clusters: [{ name: 'alpha', backend: 'kubeconfig' }, { name: 'beta', backend: 'kubeconfig' }] },
  '/api/auth/whoami': { subject: 'dana', email: 'dana@example.test', groups: ['sre'], mode: 'dev', tier: 'admin', expiresAt: null },
  '/api/clusters/alpha/kinds': kindList(WIDGETS),
  '/api/clusters/beta/kinds': kindList(),
  '/api/tokens': {
    items: [{ id: 't1', name: 'laptop', subject: 'dana', email: '', groups: [], clusters: ['beta'], createdAt: 1, expiresAt: 2, lastUsedAt: null }],
    maxTtlSeconds: 3600,
  },
};

function Where() {
  const location = useLocation();
  return (
    <div>
      <p id="where">{location.pathname + location.search}</p>
      <input id="some-input" />
    </div>
  );
}

const settle = async () => {
  for (let i = 0; i < 5; i += 1) await act(async () => new Promise((r) => setTimeout(r, 0)));
};

beforeEach(async () => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => new Response(JSON.stringify(answers[new URL(url, 'http://x').pathname] ?? { items: [], columns: [] }), { status: 200 })),
  );
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  act(() =>
    dom.root.render(
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={['/clusters/alpha/r/core/v1/pods?namespace=team-a']}>
          <Routes>
            <Route element={<Shell />}>
              <Route path="*" element={<Where />} />
              <Route path="clusters/:cluster/r/:group/:version/:resource" element={<Where />} />
            </Route>
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    ),
  );
  await settle();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const where = () => dom.container.querySelector('#where')?.textContent;

function press(key: string, target: Element = document.body) {
  act(() => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}

async function runCommand(text: string) {
  press(':');
  const input = dom.container.querySelector<HTMLInputElement>('#command-input');
  expect(input).not.toBeNull();
  if (!input) return;
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  press('Enter', input);
  await settle();
}

describe('Shell keyboard', () => {
  it('`:pods team-b` opens that list with the namespace in the URL', async () => {
    await runCommand('pods team-b');
    expect(where()).toBe('/clusters/alpha/r/core/v1/pods?namespace=team-b');
    expect(dom.container.querySelector('#command-input')).toBeNull();
  });

  it('keeps the namespace for a bare kind and finds CRDs from the cluster catalog', async () => {
    await runCommand('widgets');
    expect(where()).toBe('/clusters/alpha/r/periscope.dev/v1/widgets?namespace=team-a');
  });

  it('`:ctx beta` keeps kind and namespace', async () => {
    await runCommand('ctx beta');
    expect(where()).toBe('/clusters/beta/r/core/v1/pods?namespace=team-a');
  });

  it('shows why a command cannot run and stays open', async () => {
    await runCommand('frobnicate');
    expect(dom.container.querySelector('#command-error')?.textContent).toContain('Unknown command or kind “frobnicate”');
    expect(dom.container.querySelector('#command-input')).not.toBeNull();
    expect(where()).toBe('/clusters/alpha/r/core/v1/pods?namespace=team-a');
    press('Escape', dom.container.querySelector('#command-input') as Element);
    expect(dom.container.querySelector('#command-input')).toBeNull();
  });

  it('`?` opens the shortcut sheet, Esc closes it', () => {
    press('?');
    const rows = [...dom.container.querySelectorAll('#shortcut-sheet [data-shortcut]')].map((r) => r.getAttribute('data-shortcut'));
    expect(rows).toEqual(['filter', 'command', 'down', 'up', 'open', 'select', 'split', 'pods', 'overview', 'fleet', 'helm', 'audit', 'palette', 'help', 'escape', 'apply', 'shell', 'edit', 'terminal', 'replay-play', 'replay-seek']);
    press('Escape');
    expect(dom.container.querySelector('#shortcut-sheet')).toBeNull();
  });

  it('`a` opens Apply YAML for this cluster with the page\'s namespace as the default', async () => {
    press('a');
    for (let i = 0; i < 50 && !dom.container.querySelector('#apply-yaml'); i++) await settle();
    expect(dom.container.querySelector('[role="dialog"]')?.getAttribute('aria-label')).toBe('Apply YAML to alpha');
    expect(dom.container.querySelector<HTMLInputElement>('#apply-yaml-namespace')?.value).toBe('team-a');
    // Esc in the page does not drop what was pasted; the dialog's own Cancel closes it.
    press('Escape');
    expect(dom.container.querySelector('#apply-yaml')).not.toBeNull();
    act(() => [...dom.container.querySelectorAll('button')].find((b) => b.textContent === 'Cancel')?.click());
    expect(dom.container.querySelector('#apply-yaml')).toBeNull();
  });

  it('the header and the identity footer open "Use with kubectl" with this cluster ticked', async () => {
    for (const opener of ['#kubectl-button', '#identity-kubectl']) {
      act(() => dom.container.querySelector<HTMLButtonElement>(opener)?.click());
      for (let i = 0; i < 50 && !dom.container.querySelector('#token-list'); i++) await settle();
      const ticked = [...dom.container.querySelectorAll<HTMLInputElement>('[data-testid="kubectl-cluster"]')].map((c) => `${c.value}:${c.checked}`);
      expect(ticked).toEqual(['alpha:true', 'beta:false']);
      expect(dom.container.querySelector('[data-testid="token-row"]')?.getAttribute('data-name')).toBe('laptop');
      // The maximum lifetime bounds the choices.
      expect([...dom.container.querySelectorAll('#token-ttl option')].map((o) => o.textContent)).toEqual(['15 minutes', '1 hour']);
      press('Escape');
      expect(dom.container.querySelector('#kubectl-dialog')).toBeNull();
    }
  });

  it('does nothing while typing in a field', () => {
    const input = dom.container.querySelector('#some-input') as HTMLInputElement;
    for (const key of ['?', ':', 'g', 'f', 'j']) press(key, input);
    expect(dom.container.querySelector('#shortcut-sheet')).toBeNull();
    expect(dom.container.querySelector('#command-input')).toBeNull();
    expect(where()).toBe('/clusters/alpha/r/core/v1/pods?namespace=team-a');
  });

  it('runs two-key sequences from the page', () => {
    press('g');
    press('f');
    expect(where()).toBe('/');
    press('g');
    press('a');
    expect(where()).toBe('/audit');
  });
});
