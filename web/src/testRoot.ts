// Test support: a fresh container and React root per test, unmounted after it.

import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach } from 'vitest';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface TestRoot {
  container: HTMLDivElement;
  root: Root;
}

/** Registers the per-test mount and unmount; read `container` and `root` inside tests. */
export function testRoot(): TestRoot {
  const dom = {} as TestRoot;
  beforeEach(() => {
    dom.container = document.createElement('div');
    document.body.append(dom.container);
    dom.root = createRoot(dom.container);
  });
  afterEach(() => {
    act(() => dom.root.unmount());
    dom.container.remove();
  });
  return dom;
}
