import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, type ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { testRoot } from '../testRoot';
import InstallDialog from './InstallDialog';
import type { ReleaseDetail } from './types';
import UpgradeOverlay from './UpgradeOverlay';

// Monaco does not run in happy-dom: the values editor is a text box with the same contract.
vi.mock('./ValuesEditor', () => ({
  ValuesEditor: ({ text, onBuffer, onChange }: { text: string; onBuffer: (read: () => string) => void; onChange: (dirty: boolean) => void }) => {
    onBuffer(() => document.querySelector<HTMLTextAreaElement>('#values')?.value ?? '');
    return <textarea id="values" defaultValue={text} onChange={(e) => onChange(e.target.value !== text)} />;
  },
}));

const dom = testRoot();
const base = '/api/clusters/alpha/helm/releases/team-a/web';
let calls: { method: string; url: string; body?: unknown }[] = [];
type Answer = { status?: number; body: unknown };
let answers: Record<string, Answer> = {};

beforeEach(() => {
  calls = [];
  answers = {};
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      calls.push({ method, url, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
      const answer = answers[`${method} ${url}`] ?? { status: 404, body: { code: 'E_NOT_FOUND', message: url } };
      return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200 });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

const settle = async () => {
  for (let i = 0; i < 10; i += 1) await act(async () => new Promise((r) => setTimeout(r, 0)));
};
const $ = (selector: string) => document.querySelector<HTMLElement>(selector);
const click = async (selector: string) => {
  expect($(selector), selector).not.toBeNull();
  await act(async () => $(selector)?.click());
  await settle();
};
/** Types into a React-controlled field (the native setter, then the events React listens to). */
async function type(selector: string, value: string, enter = false) {
  const el = $(selector) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(el, value);
    el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
    if (enter) el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  });
  await settle();
}

function render(node: ReactNode, at = '/clusters/alpha/helm') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  act(() =>
    dom.root.render(
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[at]}>
          <Routes>
            <Route path="/clusters/:cluster/helm" element={node} />
            <Route path="/clusters/:cluster/helm/:namespace/:name" element={<p id="landed">release page</p>} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    ),
  );
}

const summary = { name: 'web', namespace: 'team-a', revision: 2, status: 'deployed', chartName: 'hello', chartVersion: '0.1.0', appVersion: '1', updated: null, description: '' };
const detail: ReleaseDetail = { release: summary, values: { message: 'one' }, computedValues: {}, manifest: '', notes: '', resources: [], source: { repo: 'https://charts.example.com', chart: 'hello' } };
const preview = (denied: string[] = []) => ({
  manifest: 'kind: ConfigMap\n',
  notes: '',
  objects: [{ object: 'ConfigMap web-hello', action: 'update', allowed: denied.length === 0 }],
  denied,
  diff: { objects: [], values: [{ path: 'message', kind: 'modify', before: 'one', after: 'two' }] },
});
const versions = { repo: 'https://charts.example.com', chart: 'hello', versions: [{ version: '0.2.0', appVersion: '2', description: null, created: null }, { version: '0.1.0', appVersion: '1', description: null, created: null }] };

describe('upgrade', () => {
  it('previews the edited values with the picked version, then sends exactly that body', async () => {
    answers['GET /api/clusters/alpha/helm/charts/versions?repo=https%3A%2F%2Fcharts.example.com&chart=hello'] = { body: versions };
    answers[`POST ${base}/upgrade-preview`] = { body: preview() };
    answers[`POST ${base}/upgrade`] = { body: { release: { ...summary, revision: 3 }, output: '' } };
    const onClose = vi.fn();
    render(<UpgradeOverlay cluster="alpha" path={base} detail={detail} onClose={onClose} />);
    await settle();
    expect(($('#values') as HTMLTextAreaElement).value).toBe('message: one\n');
    await type('#values', 'message: two\n');
    await type('#helm-upgrade-version', '0.2.0');
    await click('#helm-upgrade-preview');
    const body = { values: 'message: two\n', chart: { repo: 'https://charts.example.com', chart: 'hello', version: '0.2.0' } };
    expect(calls.find((c) => c.url.endsWith('/upgrade-preview'))?.body).toEqual(body);
    expect($('#helm-preview-diff [data-path="message"]')?.textContent).toContain('two');
    // Edited after the preview: Confirm still sends what was previewed.
    await type('#values', 'message: three\n');
    await click('#helm-upgrade-confirm');
    expect(calls.find((c) => c.url.endsWith('/upgrade'))?.body).toEqual(body);
    expect(onClose).toHaveBeenCalled();
  });

  it('keeps Confirm disabled when the preview has denials, and lists a refused upgrade', async () => {
    answers[`POST ${base}/upgrade-preview`] = { body: preview(['patch ConfigMap web-hello']) };
    render(<UpgradeOverlay cluster="alpha" path={base} detail={{ ...detail, source: null }} onClose={() => undefined} />);
    await settle();
    await click('#helm-upgrade-preview');
    expect(calls.find((c) => c.url.endsWith('/upgrade-preview'))?.body).toEqual({ values: 'message: one\n' });
    expect(($('#helm-upgrade-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect($('#helm-preview')?.textContent).toContain('patch ConfigMap web-hello');

    answers[`POST ${base}/upgrade-preview`] = { status: 403, body: { code: 'E_HELM_PREFLIGHT_DENIED', message: 'denied', details: { denied: ['create secrets'] } } };
    await click('#helm-upgrade-preview');
    expect([...document.querySelectorAll<HTMLElement>('#helm-denied [data-denied]')].map((e) => e.dataset.denied)).toEqual(['create secrets']);
  });
});

describe('closing with edited values', () => {
  it('asks first: Keep editing stays, Discard closes; unedited values close at once', async () => {
    const onClose = vi.fn();
    render(<UpgradeOverlay cluster="alpha" path={base} detail={{ ...detail, source: null }} onClose={onClose} />);
    await settle();
    await click('#helm-values-close');
    expect(onClose).toHaveBeenCalledTimes(1);
    await type('#values', 'message: edited\n');
    await click('#helm-values-close');
    expect($('#helm-discard')).not.toBeNull();
    await click('#helm-discard-keep');
    expect($('#helm-discard')).toBeNull();
    expect(onClose).toHaveBeenCalledTimes(1);
    await click('#helm-values-close');
    await click('#helm-discard-confirm');
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});

describe('install', () => {
  it('lists versions, prefills the defaults, previews and installs, then opens the release', async () => {
    const repo = 'https://charts.example.com';
    const query = 'repo=https%3A%2F%2Fcharts.example.com&chart=hello';
    answers[`GET /api/clusters/alpha/helm/charts/versions?${query}`] = { body: versions };
    answers[`GET /api/clusters/alpha/helm/charts/values?${query}&version=0.2.0`] = { body: { chart: { name: 'hello', version: '0.2.0', appVersion: '2', description: null }, values: 'replicas: 1\n' } };
    answers['POST /api/clusters/alpha/helm/install-preview'] = { body: { ...preview(), diff: undefined } };
    answers['POST /api/clusters/alpha/helm/install'] = { body: { release: summary, output: '' } };
    render(<InstallDialog cluster="alpha" namespace="team-a" onClose={() => undefined} />);
    await type('#helm-install-repo', repo, true);
    await type('#helm-install-chart', 'hello', true);
    expect([...document.querySelectorAll('#helm-install-version option')].map((o) => o.getAttribute('value'))).toEqual(['', '0.2.0', '0.1.0']);
    await type('#helm-install-version', '0.2.0');
    expect(($('#values') as HTMLTextAreaElement).value).toBe('replicas: 1\n');
    expect(($('#helm-install-preview') as HTMLButtonElement).disabled).toBe(true);
    await type('#helm-install-name', 'web');
    await click('#helm-install-preview');
    const body = { repo, chart: 'hello', version: '0.2.0', namespace: 'team-a', name: 'web', createNamespace: false, values: 'replicas: 1\n' };
    expect(calls.find((c) => c.url.endsWith('/install-preview'))?.body).toEqual(body);
    await click('#helm-install-confirm');
    expect(calls.find((c) => c.url.endsWith('/install'))?.body).toEqual(body);
    expect($('#landed')).not.toBeNull();
  });

  it("shows the envelope's message when the repository is refused", async () => {
    answers['GET /api/clusters/alpha/helm/charts/versions?repo=http%3A%2F%2F169.254.169.254&chart=x'] = { status: 400, body: { code: 'E_CHART_BLOCKED', message: 'the chart repository resolves to a link-local address' } };
    render(<InstallDialog cluster="alpha" namespace={undefined} onClose={() => undefined} />);
    await type('#helm-install-repo', 'http://169.254.169.254', true);
    await type('#helm-install-chart', 'x', true);
    expect($('[role="alert"]')?.textContent).toContain('link-local');
  });
});
