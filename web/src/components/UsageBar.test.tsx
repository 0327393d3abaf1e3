import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act } from 'react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';

import { queryKeys } from '../api/queryKeys';
import type { UsageList } from '../api/types.gen';
import { NodeUsage, PodUsage } from '../describe/UsageSections';
import { ListRow } from '../pages/list/ListRow';
import { testRoot } from '../testRoot';
import { UsageBar } from './UsageBar';

const dom = testRoot();
const Mi = 1024 * 1024;

describe('UsageBar', () => {
  it('is a meter with its words', () => {
    act(() => dom.root.render(<UsageBar usage="cpu" used={120} of={500} against="request" />));
    const bar = dom.container.querySelector('[data-usage-bar="cpu"]');
    expect(bar?.getAttribute('data-percent')).toBe('24');
    expect(bar?.textContent).toBe('120m of 500m request (24%)');
    const meter = bar?.querySelector('[role="meter"]');
    expect(meter?.getAttribute('aria-valuetext')).toBe('120m of 500m request (24%)');
    expect(meter?.getAttribute('aria-valuenow')).toBe('24');
  });

  it('is the number alone with nothing to compare with', () => {
    act(() => dom.root.render(<UsageBar usage="memory" used={40 * Mi} of={null} against="limit" />));
    expect(dom.container.querySelector('[data-usage-bar]')).toBeNull();
    expect(dom.container.textContent).toBe('40Mi');
  });
});

const pod = {
  metadata: { name: 'busy', namespace: 'team-a' },
  spec: { containers: [{ name: 'app', resources: { requests: { cpu: '500m' }, limits: { memory: '256Mi' } } }] },
};
const node = { metadata: { name: 'kwok-node-0' }, status: { allocatable: { cpu: '4', memory: '8Gi' } } };

/** Renders `section` with the usage answer `usage` already read for (`kind`, query). */
function renderWith(usage: UsageList, key: readonly unknown[], section: React.ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(key, usage);
  act(() =>
    dom.root.render(
      <QueryClientProvider client={client}>
        <MemoryRouter>{section}</MemoryRouter>
      </QueryClientProvider>,
    ),
  );
}

describe('describe sections of usage', () => {
  const props = { cluster: 'alpha', catalog: [] };
  it("show a pod's containers against requests and limits, and its total", () => {
    const usage: UsageList = { available: true, window: '10s', items: [{ namespace: 'team-a', name: 'busy', cpu: 300, memory: 200 * Mi, containers: [{ name: 'app', cpu: 300, memory: 200 * Mi }] }] };
    renderWith(usage, queryKeys.usage('alpha', 'pods', { namespace: 'team-a', name: 'busy' }), <PodUsage {...props} namespace="team-a" name="busy" object={pod} />);
    const app = dom.container.querySelector('[data-row="app"]');
    expect(app?.querySelector('[data-usage-bar="cpu"]')?.textContent).toBe('300m of 500m request (60%)');
    expect(app?.querySelector('[data-usage-bar="memory"]')?.textContent).toBe('200Mi of 256Mi limit (78%)');
    expect(dom.container.querySelector('[data-row="pod total"] [data-usage-bar="cpu"]')?.getAttribute('data-percent')).toBe('60');
  });

  it("show a node's usage against its allocatable", () => {
    const usage: UsageList = { available: true, items: [{ name: 'kwok-node-0', cpu: 1000, memory: 2048 * Mi }] };
    renderWith(usage, queryKeys.usage('alpha', 'nodes', { namespace: undefined, name: 'kwok-node-0' }), <NodeUsage {...props} namespace={undefined} name="kwok-node-0" object={node} />);
    expect(dom.container.querySelector('[data-row="cpu"] [data-usage-bar="cpu"]')?.textContent).toBe('1000m of 4000m allocatable (25%)');
    expect(dom.container.querySelector('[data-row="memory"] [data-usage-bar="memory"]')?.getAttribute('data-percent')).toBe('25');
  });

  it('say quietly why usage is not available, never as an error', () => {
    const usage: UsageList = { available: false, reason: 'metrics.k8s.io is not served', items: [] };
    renderWith(usage, queryKeys.usage('alpha', 'pods', { namespace: 'team-a', name: 'busy' }), <PodUsage {...props} namespace="team-a" name="busy" object={pod} />);
    expect(dom.container.textContent).toBe('Usage unavailable: metrics.k8s.io is not served');
    expect(dom.container.querySelector('[role="alert"]')).toBeNull();
  });
});

describe('list usage cells', () => {
  const render = (usage: boolean, data: Record<string, unknown>) =>
    act(() =>
      dom.root.render(
        <MemoryRouter>
          <ListRow
            data={{ name: 'busy', namespace: 'team-a', ...data }}
            index={0}
            top={0}
            columnIds={['name', 'cpu', 'memory']}
            template="1fr 1fr 1fr 1fr"
            isCursor={false}
            now={0}
            usage={usage}
            link="/x"
            from="/"
            onPick={() => {}}
            selected={false}
            onSelect={() => {}}
          />
        </MemoryRouter>,
      ),
    );

  it('show CPU and memory as kubectl top does, the raw numbers in data attributes', () => {
    render(true, { cpu: 300, memory: 200 * Mi });
    const cpu = dom.container.querySelector('[data-usage-cpu]');
    expect([cpu?.getAttribute('data-usage-cpu'), cpu?.textContent, cpu?.className.includes('text-right')]).toEqual(['300', '300m', true]);
    const memory = dom.container.querySelector('[data-usage-memory]');
    expect([memory?.getAttribute('data-usage-memory'), memory?.textContent]).toEqual([String(200 * Mi), '200Mi']);
  });

  it('show a dash for a row without a sample, and leave other kinds’ cpu columns alone', () => {
    render(true, {});
    expect(dom.container.querySelector('[data-usage-cpu]')).toBeNull();
    expect([...dom.container.querySelectorAll('[role="cell"]')].map((c) => c.textContent)).toEqual(['', 'busy', '—', '—']);
    render(false, { cpu: 4 });
    expect(dom.container.querySelector('[data-usage-cpu]')).toBeNull();
    expect([...dom.container.querySelectorAll('[role="cell"]')][2]?.textContent).toBe('4');
  });
});
