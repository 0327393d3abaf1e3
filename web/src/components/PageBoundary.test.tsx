import { act } from 'react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { testRoot } from '../testRoot';
import { Page } from './PageBoundary';

const dom = testRoot();
let broken = true;

function Fragile() {
  if (broken) throw new Error('cannot read properties of undefined');
  return <p id="fine">fine</p>;
}

beforeEach(() => {
  broken = true;
  // React reports caught render errors on the console; the test expects one.
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('Page', () => {
  it('shows a failing page as an error in place, and tries again on request', () => {
    act(() =>
      dom.root.render(
        <MemoryRouter>
          <p id="shell">shell</p>
          <Page>
            <Fragile />
          </Page>
        </MemoryRouter>,
      ),
    );
    expect(dom.container.querySelector('#page-error [data-testid="error-message"]')?.textContent).toBe('cannot read properties of undefined');
    expect(dom.container.querySelector('#shell')).not.toBeNull();
    broken = false;
    act(() => dom.container.querySelector<HTMLButtonElement>('#page-error button')?.click());
    expect(dom.container.querySelector('#fine')).not.toBeNull();
    expect(dom.container.querySelector('#page-error')).toBeNull();
  });
});
