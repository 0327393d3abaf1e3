// The list page's split layout preference: on or off, and the detail pane's width, remembered
// in this browser (localStorage) across lists and reloads.

import { useState } from 'react';

const ON_KEY = 'periscope.split';
const WIDTH_KEY = 'periscope.split.width';

/** The detail pane's width when none was chosen, and its bounds. */
export const PANE_DEFAULT = 560;
export const PANE_MIN = 320;

/** The widest the pane may be: the list keeps at least 360 px. */
export function paneMax(viewport: number): number {
  return Math.max(PANE_MIN, viewport - 360);
}

/** `width` within the pane's bounds for a `viewport` this wide. */
export function clampPane(width: number, viewport: number): number {
  if (!Number.isFinite(width)) return PANE_DEFAULT;
  return Math.round(Math.min(paneMax(viewport), Math.max(PANE_MIN, width)));
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private windows may refuse storage: the choice then lasts this page only.
  }
}

/** Whether the split layout is on, the pane's width, and setters that remember both. */
export function useSplit() {
  const [on, setOn] = useState(() => read(ON_KEY) === '1');
  const [width, setWidth] = useState(() => clampPane(Number(read(WIDTH_KEY) ?? PANE_DEFAULT), window.innerWidth));
  return {
    on,
    width,
    toggle: () =>
      setOn((was) => {
        write(ON_KEY, was ? '0' : '1');
        return !was;
      }),
    resize: (next: number) => {
      setWidth(next);
      write(WIDTH_KEY, String(next));
    },
  };
}
