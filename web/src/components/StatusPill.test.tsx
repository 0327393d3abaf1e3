import { act } from 'react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';

import type { Row } from '../api/types.gen';
import { ListRow } from '../pages/list/ListRow';
import { testRoot } from '../testRoot';
import { StatusPill } from './StatusPill';

const dom = testRoot();

const COLUMNS = ['name', 'namespace', 'ready', 'status', 'restarts', 'node'];
const pods: Row[] = [
  { name: 'crashy', namespace: 'team-a', ready: '0/1', status: 'CrashLoopBackOff', phase: 'Running', restarts: 23, node: 'kwok-node-0' },
  { name: 'waiting', namespace: 'team-a', ready: '0/1', status: 'Pending', phase: 'Pending', restarts: 0, node: null },
  { name: 'fine', namespace: 'team-a', ready: '1/1', status: 'Running', phase: 'Running', restarts: 6, node: 'kwok-node-1' },
];

/** The pods as list rows; `cursor` is the highlighted row's index. */
function renderRows(rows: Row[], cursor = -1, columnIds = COLUMNS) {
  act(() =>
    dom.root.render(
      <MemoryRouter>
        {rows.map((data, index) => (
          <ListRow
            key={data.name}
            data={data}
            index={index}
            top={index * 32}
            columnIds={columnIds}
            template="repeat(7, 1fr)"
            isCursor={index === cursor}
            now={0}
            usage={false}
            link="/x"
            from="/"
            onPick={() => {}}
            selected={false}
            onSelect={() => {}}
          />
        ))}
      </MemoryRouter>,
    ),
  );
  return [...dom.container.querySelectorAll<HTMLElement>('[role="row"]')];
}

/** A row's cells' texts, without the select box's. */
const cellTexts = (row: HTMLElement | undefined) => [...(row?.querySelectorAll('[role="cell"]') ?? [])].slice(1).map((c) => c.textContent);

describe('StatusPill', () => {
  it('shows exactly the text, its tone and the tone in words', () => {
    act(() => dom.root.render(<StatusPill text="CrashLoopBackOff" />));
    const pill = dom.container.querySelector('[data-tone]');
    expect(dom.container.textContent).toBe('CrashLoopBackOff');
    expect([pill?.getAttribute('data-tone'), pill?.getAttribute('aria-label'), pill?.getAttribute('title')]).toEqual([
      'bad',
      'Status: CrashLoopBackOff (failing)',
      'Status: CrashLoopBackOff (failing)',
    ]);
  });

  it('takes a tone and label from the caller', () => {
    act(() => dom.root.render(<StatusPill text="PendingTooLong" tone="bad" label="Cluster status: x" />));
    const pill = dom.container.querySelector('[data-tone]');
    expect([pill?.getAttribute('data-tone'), pill?.getAttribute('aria-label')]).toEqual(['bad', 'Cluster status: x']);
  });
});

describe('list rows of pods', () => {
  it('draw a crash-looping, a pending and a running pod in different tones, texts unchanged', () => {
    const rows = renderRows(pods);
    const pills = rows.map((r) => r.querySelector('[role="cell"] [data-tone]'));
    expect(pills.map((p) => p?.getAttribute('data-tone'))).toEqual(['bad', 'progress', 'ok']);
    expect(pills.map((p) => p?.getAttribute('aria-label'))).toEqual([
      'Status: CrashLoopBackOff (failing)',
      'Status: Pending (in progress)',
      'Status: Running (healthy)',
    ]);
    expect(rows.map((r) => r.getAttribute('data-tone'))).toEqual(['bad', 'progress', 'ok']);
    // The cells read as they did before the pills.
    expect(rows.map(cellTexts)).toEqual([
      ['crashy', 'team-a', '0/1', 'CrashLoopBackOff', '23', 'kwok-node-0'],
      ['waiting', 'team-a', '0/1', 'Pending', '0', '—'],
      ['fine', 'team-a', '1/1', 'Running', '6', 'kwok-node-1'],
    ]);
    // A failing row is tinted, with a red edge; a running one is not.
    expect(rows[0]?.className).toContain('bg-red-50');
    expect(rows[2]?.className).not.toContain('bg-red-50');
  });

  it('mark restart counts from 5 (amber) and from 20 (red), text unchanged', () => {
    const rows = renderRows(pods);
    const restarts = rows.map((r) => r.querySelectorAll('[role="cell"]')[5] as HTMLElement);
    expect(restarts.map((c) => [c.textContent, c.getAttribute('data-high')])).toEqual([
      ['23', 'true'],
      ['0', null],
      ['6', 'true'],
    ]);
    expect(restarts[0]?.className).toContain('text-red-700');
    expect(restarts[2]?.className).toContain('text-amber-700');
  });

  it("keep the cursor's highlight on a failing row", () => {
    const [crashy] = renderRows(pods, 0);
    expect(crashy?.getAttribute('aria-selected')).toBe('true');
    expect(crashy?.getAttribute('data-tone')).toBe('bad');
    expect(crashy?.className).toContain('bg-blue-100');
    expect(crashy?.className).not.toContain('bg-red-50');
  });

  it("draw a namespace's phase, and no pill where there is no status", () => {
    const [ns, bare] = renderRows([{ name: 'gone', phase: 'Terminating' }, { name: 'fresh', phase: null }], -1, ['name', 'phase']);
    expect(ns?.querySelector('[data-tone]')?.getAttribute('data-tone')).toBe('progress');
    expect(cellTexts(ns)).toEqual(['gone', 'Terminating']);
    expect(bare?.hasAttribute('data-tone')).toBe(false);
    expect(bare?.querySelector('[data-tone]')).toBeNull();
    expect(cellTexts(bare)).toEqual(['fresh', '—']);
  });
});
