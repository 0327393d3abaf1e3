import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runPageKey } from '../components/pageKeys';
import { testRoot } from '../testRoot';
import { entry, page } from './fixture';
import HistoryTab from './HistoryTab';
import type { HistoryPage } from './types';

const dom = testRoot();
const fetchMock = vi.fn();
const path = '/api/clusters/alpha/resources/apps/v1/deployments/team-a/web';

/** The pages the fake server answers, by `before` cursor (`''`: the first). */
let pages: Record<string, HistoryPage>;

beforeEach(() => {
  pages = {
    '': page(
      [
        entry('change:9', 50, { who: 'kube-controller-manager', manager: 'kube-controller-manager', subresource: 'status', paths: ['status.readyReplicas', 'status.observedGeneration'] }),
        entry('event:e1', 45, { source: 'event', who: 'deployment-controller', manager: null, operation: null, action: 'ScalingReplicaSet', paths: [], uid: null, event: { type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-1 to 3', count: 1 } }),
        entry('change:8', 40, { who: 'gitops-sim', manager: 'gitops-sim', operation: 'Apply', paths: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], truncated: 3 }),
        entry('audit:7', 30, {
          source: 'console',
          who: 'kate@example.test',
          manager: 'periscope',
          action: 'scale',
          subresource: 'scale',
          outcome: 'success',
          diff: [{ path: 'spec.replicas', kind: 'modify', before: 1, after: 3 }],
          requestId: 'req-7',
          auditId: 7,
        }),
      ],
      'cursor-1',
    ),
    'cursor-1': page([entry('change:3', 10, { action: 'created', who: 'kubectl-create', manager: 'kubectl-create' })], null, true),
  };
  fetchMock.mockReset();
  fetchMock.mockImplementation(async (url: string) => {
    const query = new URL(url, 'http://x').searchParams;
    const answer = pages[query.get('before') ?? ''];
    return answer ? new Response(JSON.stringify(answer), { status: 200 }) : new Response('{"code":"E_BAD","message":"no such cursor"}', { status: 400 });
  });
  vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Lets the fake server answer (inside act, as React wants) until `check` holds, for at most `ms`. */
async function until(check: () => boolean, ms = 1000) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await act(async () => new Promise((resolve) => setTimeout(resolve, 5)));
  expect(check()).toBe(true);
}

/** The URL's query, shown for the test to read. */
function Where() {
  return <output id="where">{useLocation().search}</output>;
}
const where = () => dom.container.querySelector('#where')?.textContent;

const client = () => new QueryClient({ defaultOptions: { queries: { retry: false } } });

/** Renders the tab at `url` (again, with other props, on the same client). */
async function render(queries: QueryClient, url: string, live: boolean, changes: number) {
  await act(async () =>
    dom.root.render(
      <QueryClientProvider client={queries}>
        <MemoryRouter initialEntries={[url]}>
          <HistoryTab path={path} live={live} changes={changes} />
          <Where />
        </MemoryRouter>
      </QueryClientProvider>,
    ),
  );
}

async function show(url = '/x?tab=history', live = true, queries = client()) {
  await render(queries, url, live, 0);
  await until(() => dom.container.querySelector('#history')?.getAttribute('data-state') === 'loaded');
  return queries;
}

const entries = () => [...dom.container.querySelectorAll<HTMLElement>('[data-testid="history-entry"]')];
const ids = () => entries().map((e) => e.dataset.id);
const text = (el: Element, testId: string) => [...el.querySelectorAll(`[data-testid="${testId}"]`)].map((c) => c.textContent);

async function click(el: Element | null | undefined) {
  expect(el).toBeTruthy();
  await act(async () => (el as HTMLElement).click());
}

describe('HistoryTab', () => {
  it('shows the first page newest first: source, who, what, outcome and path chips', async () => {
    await show();
    expect(fetchMock.mock.calls[0]?.[0]).toBe(`${path}/history?limit=200`);
    expect(ids()).toEqual(['change:9', 'event:e1', 'change:8', 'audit:7']);
    const [status, event, apply, scale] = entries();
    expect(text(status!, 'history-source')).toEqual(['Change']);
    expect(text(status!, 'history-what')).toEqual(['updated status']);
    expect(text(status!, 'history-who')).toEqual(['kube-controller-manager']);
    expect(event?.textContent).toContain('Scaled up replica set web-1 to 3');
    expect(text(apply!, 'history-chip')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(apply?.textContent).toContain('+4');
    expect(text(scale!, 'history-who')).toEqual(['kate@example.test']);
    expect(scale?.textContent).toContain('success');
    expect(dom.container.querySelector('#history-recording')?.getAttribute('data-recording')).toBe('true');
    expect(dom.container.querySelector('#history-count')?.textContent).toBe('4 of 4 loaded, more older');
  });

  it('hides a source with its toggle, in the URL, and shows it again', async () => {
    await show();
    await click(dom.container.querySelector('[data-source-toggle="change"]'));
    expect(ids()).toEqual(['event:e1', 'audit:7']);
    expect(where()).toBe('?tab=history&hide=change');
    expect(dom.container.querySelector('[data-source-toggle="change"]')?.getAttribute('aria-pressed')).toBe('false');
    await click(dom.container.querySelector('[data-source-toggle="change"]'));
    expect(ids()).toHaveLength(4);
    expect(where()).toBe('?tab=history');
  });

  it('reads the hidden sources from the URL', async () => {
    await show('/x?tab=history&hide=console,event');
    expect(ids()).toEqual(['change:9', 'change:8']);
  });

  it('moves with j/k and expands with Enter: a console action shows its diff and its audit record', async () => {
    await show();
    for (const key of ['down', 'down', 'down', 'down', 'up', 'down'] as const) act(() => void runPageKey(key));
    expect(dom.container.querySelector('[aria-current="true"]')?.getAttribute('data-id')).toBe('audit:7');
    act(() => void runPageKey('open'));
    const scale = entries()[3]!;
    expect(scale.querySelector('button[aria-expanded]')?.getAttribute('aria-expanded')).toBe('true');
    const change = scale.querySelector('[data-testid="history-diff-change"]');
    expect(change?.getAttribute('data-path')).toBe('spec.replicas');
    expect(change?.textContent).toContain('1 → 3');
    expect(scale.querySelector('[data-testid="history-audit-link"]')?.getAttribute('href')).toBe('/audit?requestId=req-7&from=2026-12-01T05%3A59%3A30Z&event=req-7');
    act(() => void runPageKey('open'));
    expect(scale.querySelector('[data-testid="history-detail"]')).toBeNull();
  });

  it('lists every path of an observed change when expanded, and how many were not kept', async () => {
    await show();
    await click(entries()[2]?.querySelector('button[aria-expanded]'));
    const detail = entries()[2]?.querySelector('[data-testid="history-detail"]');
    expect(text(detail!, 'history-path')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(text(entries()[2]!, 'history-chip')).toEqual([]);
    expect(detail?.textContent).toContain('and 3 more not kept');
    expect(detail?.textContent).toContain('gitops-sim');
  });

  it('loads older entries after the loaded ones with the cursor, until there are none', async () => {
    await show();
    await click(dom.container.querySelector('#history-older'));
    await until(() => ids().length === 5);
    expect(ids()).toEqual(['change:9', 'event:e1', 'change:8', 'audit:7', 'change:3']);
    expect(fetchMock.mock.calls[1]?.[0]).toBe(`${path}/history?limit=200&before=cursor-1`);
    expect(dom.container.querySelector('#history-older')).toBeNull();
  });

  it('says when nothing is recorded, changes are not being recorded and Events could not be read', async () => {
    pages = { '': { ...page([], null, false), eventsError: 'events is forbidden' } };
    await show();
    expect(dom.container.textContent).toContain('Nothing is recorded for this object yet.');
    expect(dom.container.querySelector('#history-recording')?.getAttribute('data-recording')).toBe('false');
    expect(dom.container.querySelector('#history-events-error')?.textContent).toBe("The object's Events could not be read: events is forbidden");
  });

  it('shows a refusal in the envelope', async () => {
    fetchMock.mockImplementation(async () => new Response('{"code":"E_FORBIDDEN","message":"deployments.apps \\"web\\" is forbidden"}', { status: 403 }));
    await render(client(), '/x', false, 0);
    await until(() => dom.container.querySelector('[role="status"]') !== null);
    expect(dom.container.querySelector('[role="status"]')?.textContent).toContain("Your role can't see this.");
  });

  it('reads again a moment after a delta of the object, for a change the recorder commits after it', async () => {
    const queries = await show();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    pages[''] = page([entry('change:10', 55, { who: 'kubectl-rollout', manager: 'kubectl-rollout' }), ...(pages['']?.items ?? [])], 'cursor-1');
    await render(queries, '/x?tab=history', true, 1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await until(() => ids()[0] === 'change:10', 2000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('reads again when the page turns live: the first read may have raced its subscription', async () => {
    pages[''] = page([entry('change:1', 1)], null, false);
    const queries = await show('/x?tab=history', false);
    expect(dom.container.querySelector('#history-recording')?.getAttribute('data-recording')).toBe('false');
    pages[''] = page([entry('change:1', 1)], null, true);
    await render(queries, '/x?tab=history', true, 0);
    await until(() => dom.container.querySelector('#history-recording')?.getAttribute('data-recording') === 'true');
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});
