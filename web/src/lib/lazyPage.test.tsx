import { act, type ComponentType, Suspense, useState } from 'react';
import { describe, expect, it } from 'vitest';

import { testRoot } from '../testRoot';
import { lazyPage } from './lazyPage';

const dom = testRoot();

/** A page with state of its own: a counter that a remount would reset. */
function Counter({ label }: { label: string }) {
  const [n, setN] = useState(0);
  return (
    <button type="button" id="page" onClick={() => setN(n + 1)}>
      {label} {n}
    </button>
  );
}

/** A module load the test resolves when it likes, counting the loads. */
function deferredModule() {
  let resolve: () => void = () => undefined;
  const loads = { count: 0 };
  const loaded = new Promise<{ default: typeof Counter }>((r) => {
    resolve = () => r({ default: Counter });
  });
  return {
    loads,
    resolve,
    load: () => {
      loads.count += 1;
      return loaded;
    },
  };
}

const render = (Page: ComponentType<{ label: string }>, label: string) =>
  dom.root.render(
    <Suspense fallback={<p id="fallback">loading</p>}>
      <Page label={label} />
    </Suspense>,
  );

describe('lazyPage', () => {
  it('renders a preloaded page at once, with no fallback', async () => {
    const module = deferredModule();
    const { Page, preload } = lazyPage(module.load);
    const ready = preload();
    module.resolve();
    await ready;
    act(() => render(Page, 'a'));
    expect(dom.container.querySelector('#fallback')).toBeNull();
    expect(dom.container.querySelector('#page')?.textContent).toBe('a 0');
    expect(module.loads.count).toBe(1);
  });

  it('suspends while not loaded, and keeps the page mounted once it is', async () => {
    const module = deferredModule();
    const { Page, preload } = lazyPage(module.load);
    act(() => render(Page, 'a'));
    expect(dom.container.querySelector('#fallback')).not.toBeNull();
    await act(async () => {
      module.resolve();
      await preload();
    });
    expect(dom.container.querySelector('#page')?.textContent).toBe('a 0');
    act(() => dom.container.querySelector<HTMLButtonElement>('#page')?.click());
    // A later render (new props) is the same mounted page: its state stays.
    act(() => render(Page, 'b'));
    expect(dom.container.querySelector('#page')?.textContent).toBe('b 1');
    expect(module.loads.count).toBe(1);
  });
});
