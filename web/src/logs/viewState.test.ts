import { describe, expect, it } from 'vitest';

import { DEFAULT_VIEW, downloadQuery, type LogView, permalinkView, readView, streamKey, streamQuery, writeView } from './viewState';

const params = (s: string) => new URLSearchParams(s);

describe('log view in the URL', () => {
  it('leaves defaults out, so a fresh view has a clean URL', () => {
    expect(writeView(DEFAULT_VIEW).toString()).toBe('');
    expect(readView(params(''))).toEqual(DEFAULT_VIEW);
  });

  it('round-trips every field', () => {
    const view: LogView = {
      container: 'sidecar',
      tail: 5000,
      since: '1h',
      sinceTime: '2026-01-02T15:04:05Z',
      previous: true,
      follow: false,
      timestamps: false,
      wrap: false,
      q: 'GET /api',
      regex: 'status=5\\d\\d',
      level: 'warn',
      pods: ['web-b', 'web-a'],
      find: 'timeout & retry',
      at: '2026-01-02T15:04:35.123456789Z',
      atPod: 'web-a',
    };
    const url = writeView(view);
    expect(readView(params(url.toString()))).toEqual({ ...view, pods: ['web-a', 'web-b'] });
  });

  it('keeps parameters it does not own', () => {
    const url = writeView({ ...DEFAULT_VIEW, wrap: false }, params('tab=logs&tail=5000'));
    expect(url.toString()).toBe('tab=logs&wrap=0');
  });

  it('falls back to defaults on values that make no sense', () => {
    const view = readView(params('tail=-3&since=2w&level=loud&follow=maybe&sinceTime=yesterday&at=now&pods=,,'));
    expect(view).toEqual(DEFAULT_VIEW);
    expect(readView(params('tail=999999')).tail).toBe(1000);
    expect(readView(params('tail=250')).tail).toBe(250);
    expect(readView(params('level=WARN&follow=false&ts=true')).level).toBe('warn');
  });
});

describe('server queries', () => {
  it('ask for the tail and follow by default', () => {
    expect(streamQuery(DEFAULT_VIEW)).toBe('?tailLines=1000');
  });

  it('carry every server-side choice', () => {
    const view = { ...DEFAULT_VIEW, container: 'app', since: '15m' as const, q: 'a b', regex: 'x+', level: 'error' as const, pods: ['p1', 'p2'] };
    expect(streamQuery(view)).toBe('?container=app&sinceSeconds=900&q=a+b&regex=x%2B&level=error&pods=p1%2Cp2&tailLines=1000');
  });

  it('do not follow a previous instance; sinceTime wins over since', () => {
    const q = params(streamQuery({ ...DEFAULT_VIEW, previous: true, since: '1h', sinceTime: '2026-01-02T15:04:05Z' }));
    expect(q.get('follow')).toBe('false');
    expect(q.get('previous')).toBe('true');
    expect(q.get('sinceTime')).toBe('2026-01-02T15:04:05Z');
    expect(q.has('sinceSeconds')).toBe(false);
  });

  it('download the whole log (no tail, no follow) in the asked format', () => {
    expect(downloadQuery({ ...DEFAULT_VIEW, tail: 100, q: 'x', follow: true }, 'gzip')).toBe('?q=x&format=gzip');
  });

  it('share a stream between views that differ only in how lines are shown', () => {
    const a = streamKey('/api/x', DEFAULT_VIEW);
    expect(streamKey('/api/x', { ...DEFAULT_VIEW, wrap: false, timestamps: false, find: 'x', at: '' })).toBe(a);
    expect(streamKey('/api/x', { ...DEFAULT_VIEW, q: 'x' })).not.toBe(a);
  });
});

describe('permalinks', () => {
  it('open the line, not following, from a little before it, filters kept', () => {
    const view = permalinkView({ ...DEFAULT_VIEW, q: 'GET', find: 'x', since: '1h' }, { t: '2026-01-02T15:04:35.123456789Z', pod: 'web-a' });
    expect(view).toMatchObject({
      follow: false,
      since: '',
      sinceTime: '2026-01-02T15:04:05.123Z',
      q: 'GET',
      find: '',
      at: '2026-01-02T15:04:35.123456789Z',
      atPod: 'web-a',
    });
    expect(readView(writeView(view))).toEqual(view);
  });
});
