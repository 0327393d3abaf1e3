import { describe, expect, it } from 'vitest';

import { apiQuery, type AuditView, endsInPast, fromLocalInput, inRange, liveFilter, liveTail, readView, toLocalInput, withFilters, writeView } from './filters';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const read = (query: string) => readView(new URLSearchParams(query));

describe('audit URL state', () => {
  it('reads the default view from a bare URL and writes it back as nothing', () => {
    const view = read('');
    expect(view).toEqual({ filters: {}, range: { kind: 'preset', preset: '24h' }, live: true });
    expect(writeView(view).toString()).toBe('');
  });

  it('round-trips every filter, a preset, the live switch and the open event', () => {
    const query = 'actor=kate&verb=scale&outcome=denied&phase=outcome&cluster=alpha&namespace=team-a&name=web&requestId=r-1&range=1h&live=off&event=r-1';
    const view = read(query);
    expect(view.filters).toEqual({ actor: 'kate', verb: 'scale', outcome: 'denied', phase: 'outcome', cluster: 'alpha', namespace: 'team-a', name: 'web', requestId: 'r-1' });
    expect(view.range).toEqual({ kind: 'preset', preset: '1h' });
    expect(view.live).toBe(false);
    expect(view.event).toBe('r-1');
    expect(writeView(view).toString()).toBe(query);
  });

  it('prefers a custom range to a preset, and keeps an open end open', () => {
    const view = read('range=7d&from=2026-03-01T10:00:00.000Z');
    expect(view.range).toEqual({ kind: 'custom', from: '2026-03-01T10:00:00.000Z' });
    expect(writeView(view).toString()).toBe('from=2026-03-01T10%3A00%3A00.000Z');
  });

  it('drops what the API would refuse: unknown verbs, outcomes, presets and times that are not times', () => {
    const view = read('verb=drop_table&outcome=maybe&phase=later&range=3y&from=yesterday&to=&namespace=%20ns%20');
    expect(view.filters).toEqual({ namespace: 'ns' });
    expect(view.range).toEqual({ kind: 'preset', preset: '24h' });
  });

  it('resolves a preset against now for the API and keeps the filters in a stable order', () => {
    const view = read('namespace=team-a&verb=scale&range=15m');
    expect(apiQuery(view, NOW).toString()).toBe('verb=scale&namespace=team-a&from=2026-03-01T11%3A45%3A00.000Z');
    const custom = read('from=2026-03-01T00:00:00Z&to=2026-03-01T06:00:00Z&actor=kate');
    expect(apiQuery(custom, NOW).toString()).toBe('actor=kate&from=2026-03-01T00%3A00%3A00Z&to=2026-03-01T06%3A00%3A00Z');
  });

  it('tails live unless switched off or the range ends in the past', () => {
    expect(liveTail(read(''), NOW)).toBe(true);
    expect(liveTail(read('live=off'), NOW)).toBe(false);
    expect(endsInPast(read('to=2026-03-01T11:00:00Z').range, NOW)).toBe(true);
    expect(liveTail(read('to=2026-03-01T11:00:00Z'), NOW)).toBe(false);
    expect(liveTail(read('to=2026-03-02T00:00:00Z'), NOW)).toBe(true);
  });

  it('subscribes the live tail with the filters and only a custom range', () => {
    expect(liveFilter(read('verb=scale&range=1h'))).toEqual({ verb: 'scale' });
    expect(liveFilter(read('verb=scale&from=2026-03-01T00:00:00Z'))).toEqual({ verb: 'scale', from: '2026-03-01T00:00:00Z' });
  });

  it('tells whether a row falls in the range (half-open)', () => {
    const range = read('from=2026-03-01T10:00:00Z&to=2026-03-01T11:00:00Z').range;
    expect(inRange(range, '2026-03-01T10:00:00Z', NOW)).toBe(true);
    expect(inRange(range, '2026-03-01T11:00:00Z', NOW)).toBe(false);
    expect(inRange(read('range=15m').range, '2026-03-01T11:50:00Z', NOW)).toBe(true);
    expect(inRange(read('range=15m').range, '2026-03-01T11:40:00Z', NOW)).toBe(false);
  });

  it('changes filters without touching the rest of the view', () => {
    const view: AuditView = read('verb=scale&event=r-1&range=1h');
    const next = withFilters(view, { verb: '', actor: ' kate ' });
    expect(writeView(next).toString()).toBe('actor=kate&range=1h&event=r-1');
  });

  it('converts datetime-local values to and from RFC 3339 (local time)', () => {
    const iso = fromLocalInput('2026-03-01T10:30:15');
    expect(iso).toBe(new Date(2026, 2, 1, 10, 30, 15).toISOString());
    expect(toLocalInput(iso)).toBe('2026-03-01T10:30:15');
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput('nonsense')).toBe('');
  });
});
