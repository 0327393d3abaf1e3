import { describe, expect, it } from 'vitest';

import { matchActions, paletteActions, paletteLabel, publishPaletteActions, subscribePaletteActions, withdrawPaletteActions } from './paletteActions';

const labels = ['Scale', 'Restart', 'Roll back', 'Edit labels', 'Delete'].map((verb) => ({ label: paletteLabel(verb, 'Deployment', 'web') }));
const texts = (list: { label: string }[]) => list.map((a) => a.label);

describe('paletteLabel', () => {
  it('names the action, the kind and the object', () => {
    expect(paletteLabel('Scale', 'Deployment', 'web')).toBe('Scale deployment web…');
  });
});

describe('matchActions', () => {
  it('offers every action, in button order, when nothing is typed', () => {
    expect(matchActions(labels, '  ')).toEqual({ lead: labels, trail: [] });
  });

  it('puts the typed action first', () => {
    const { lead, trail } = matchActions(labels, 'SCALE');
    expect(texts(lead)).toEqual(['Scale deployment web…']);
    expect(trail).toEqual([]);
    expect(texts(matchActions(labels, 're').lead)).toEqual(['Restart deployment web…']);
    expect(texts(matchActions(labels, 'roll  back').lead)).toEqual(['Roll back deployment web…']);
  });

  it('needs every word, in any order, and keeps other matches behind the objects found by name', () => {
    expect(texts(matchActions(labels, 'web scale').trail)).toEqual(['Scale deployment web…']);
    const byName = matchActions(labels, 'web');
    expect(byName.lead).toEqual([]);
    expect(texts(byName.trail)).toEqual(texts(labels));
    expect(texts(matchActions(labels, 'labels').trail)).toEqual(['Edit labels deployment web…']);
    expect(matchActions(labels, 'scale nginx')).toEqual({ lead: [], trail: [] });
  });
});

describe('the registry', () => {
  it('holds the actions of the page that published them until it withdraws', () => {
    const page = {};
    const other = {};
    let calls = 0;
    const stop = subscribePaletteActions(() => calls++);
    const run = () => undefined;
    publishPaletteActions(page, [{ id: 'scale', label: 'Scale deployment web…', run }]);
    expect(paletteActions().map((a) => a.id)).toEqual(['scale']);
    // The same actions again (a re-render): no news.
    publishPaletteActions(page, [{ id: 'scale', label: 'Scale deployment web…', run }]);
    expect(calls).toBe(1);
    publishPaletteActions(page, [{ id: 'scale', label: 'Scale deployment web…', disabledReason: 'Not allowed: no', run }]);
    expect(calls).toBe(2);
    expect(paletteActions()[0]?.disabledReason).toBe('Not allowed: no');
    // Another page's leftovers do not remove this one's actions.
    withdrawPaletteActions(other);
    expect(paletteActions()).toHaveLength(1);
    withdrawPaletteActions(page);
    expect(paletteActions()).toEqual([]);
    stop();
  });
});
