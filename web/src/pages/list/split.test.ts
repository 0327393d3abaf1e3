import { describe, expect, it } from 'vitest';

import { clampPane, PANE_DEFAULT, PANE_MIN, paneMax } from './split';

describe('clampPane', () => {
  it('keeps the pane between its minimum and what leaves the list 360 px', () => {
    expect(clampPane(100, 1400)).toBe(PANE_MIN);
    expect(clampPane(2000, 1400)).toBe(1040);
    expect(clampPane(600.4, 1400)).toBe(600);
    expect(paneMax(500)).toBe(PANE_MIN);
  });
  it('falls back to the default for a stored width that is not a number', () => {
    expect(clampPane(Number.NaN, 1400)).toBe(PANE_DEFAULT);
  });
});
