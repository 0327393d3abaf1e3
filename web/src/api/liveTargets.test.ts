import { describe, expect, it } from 'vitest';

import { FRESH_MS, snapshotIsNews } from './liveTargets';

describe('snapshotIsNews', () => {
  const snapshot = { type: 'snapshot' as const, resourceVersion: '5', items: [] };
  it('ignores the first snapshot right after the page read', () => {
    expect(snapshotIsNews([snapshot], 10_000, 10_000 + FRESH_MS)).toBe(false);
  });

  it('takes a later snapshot (relist, reconnect) as news', () => {
    expect(snapshotIsNews([snapshot], 10_000, 10_000 + FRESH_MS + 1)).toBe(true);
  });

  it('is about snapshots only', () => {
    expect(snapshotIsNews([{ type: 'relist' }], 0, 1_000_000)).toBe(false);
  });
});
