import { describe, expect, it } from 'vitest';

import { ROW_KEYS, SHORTCUTS } from './shortcuts';

describe('SHORTCUTS', () => {
  it('lists every shortcut the console has', () => {
    const shown = SHORTCUTS.flatMap((s) => s.shown);
    for (const key of ['/', ':', 'j', 'k', 'Enter', 'g p', 'g o', 'g f', 'g h', 'Ctrl K', '⌘ K', '?', 'Esc']) expect(shown).toContain(key);
  });

  it('binds each key once, and says what each does', () => {
    const bound = SHORTCUTS.flatMap((s) => s.bind);
    expect(new Set(bound).size).toBe(bound.length);
    expect(bound).toEqual(expect.arrayContaining(['j', 'k', 'ArrowDown', 'ArrowUp', 'Enter', 'x', 'a', 'g p', 'g o', 'g f', 'g h', '/', ':', '?', 'Escape']));
    for (const s of SHORTCUTS) expect(s.what.length).toBeGreaterThan(3);
    expect([...ROW_KEYS].sort()).toEqual(['down', 'open', 'select', 'split', 'up']);
  });
});
