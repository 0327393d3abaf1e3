import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { FilterBox } from './FilterBox';
import { testRoot } from '../../testRoot';

const dom = testRoot();
const commits: string[] = [];
const onCommit = (v: string) => commits.push(v);

beforeEach(() => {
  vi.useFakeTimers();
  commits.length = 0;
});

afterEach(() => {
  vi.useRealTimers();
});

function render(value: string) {
  act(() => dom.root.render(<FilterBox id="q" search value={value} onCommit={onCommit} placeholder="Filter" />));
}

function input(): HTMLInputElement {
  const el = dom.container.querySelector('input');
  if (!el) throw new Error('no input');
  return el;
}

/** Types like a user: React sees an input event with the new value. */
function type(text: string) {
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  act(() => {
    setValue?.call(input(), text);
    input().dispatchEvent(new Event('input', { bubbles: true }));
  });
}

describe('FilterBox', () => {
  it('commits after a short pause and keeps keys typed while its own value comes back', () => {
    render('');
    type('po');
    act(() => vi.advanceTimersByTime(60));
    expect(commits).toEqual(['po']);
    // A key lands before the URL echoes the saved "po": it must not be wiped.
    type('pod');
    render('po');
    expect(input().value).toBe('pod');
    act(() => vi.advanceTimersByTime(60));
    expect(commits).toEqual(['po', 'pod']);
  });

  it('shows a value changed elsewhere (back button, another control)', () => {
    render('web');
    type('web-1');
    render('api');
    expect(input().value).toBe('api');
  });
});
