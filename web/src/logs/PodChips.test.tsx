import { act } from 'react';
import { describe, expect, it } from 'vitest';

import { testRoot } from '../testRoot';
import { OmittedPods, PodChips, reasonText, togglePod } from './PodChips';

const dom = testRoot();

describe('pod chips', () => {
  it('filter to one pod, add others, and drop them again', () => {
    expect(togglePod([], 'b')).toEqual(['b']);
    expect(togglePod(['b'], 'a')).toEqual(['a', 'b']);
    expect(togglePod(['a', 'b'], 'b')).toEqual(['a']);
    expect(togglePod(['a'], 'a')).toEqual([]);
  });

  it('show streamed and not-picked pods, pressed when picked', () => {
    let picked: string[] = [];
    const meta = { pods: [{ name: 'web-b' }], omitted: [{ name: 'web-a', reason: 'filtered' }, { name: 'web-z', reason: 'limit' }] };
    act(() => dom.root.render(<PodChips meta={meta} pods={['web-b']} onPods={(p) => (picked = p)} />));
    const chips = [...dom.container.querySelectorAll<HTMLButtonElement>('[data-pod-chip]')];
    expect(chips.map((c) => [c.dataset.podChip, c.getAttribute('aria-pressed')])).toEqual([
      ['', 'false'],
      ['web-a', 'false'],
      ['web-b', 'true'],
    ]);
    act(() => chips[1]?.click());
    expect(picked).toEqual(['web-a', 'web-b']);
    act(() => chips[0]?.click());
    expect(picked).toEqual([]);
  });

  it('list pods left out of the stream with why', () => {
    act(() => dom.root.render(<OmittedPods omitted={[{ name: 'web-z', reason: 'limit' }, { name: 'web-a', reason: 'filtered' }, { name: 'db-0', reason: 'forbidden' }]} />));
    const items = [...dom.container.querySelectorAll('[data-omitted]')].map((li) => li.textContent);
    expect(items).toEqual(['web-z: over the limit of pods per stream', "db-0: your role can't read its logs"]);
    expect(reasonText('something-new')).toBe('something-new');
  });
});
