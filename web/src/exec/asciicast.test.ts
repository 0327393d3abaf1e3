import { describe, expect, it } from 'vitest';

import { type Cast, CastError, formatClock, initialPlay, parseCast, parseSize, play, search, seek, stepsUntil, tick } from './asciicast';

const HEADER = '{"version":2,"width":80,"height":24,"timestamp":1700000000,"title":"alpha/ns/box (shell) by alice"}';
const line = (t: number, code: string, data: string) => JSON.stringify([t, code, data]);

function cast(...events: string[]): Cast {
  return parseCast([HEADER, ...events, ''].join('\n'));
}

describe('parsing', () => {
  it('reads the header and the events', () => {
    const c = cast(line(0.1, 'o', '$ '), line(0.5, 'r', '100x30'), line(1.25, 'o', 'hi\r\n'));
    expect(c.width).toBe(80);
    expect(c.height).toBe(24);
    expect(c.title).toBe('alpha/ns/box (shell) by alice');
    expect(c.timestamp).toBe(1700000000);
    expect(c.events).toEqual([
      { time: 0.1, code: 'o', data: '$ ' },
      { time: 0.5, code: 'r', data: '100x30' },
      { time: 1.25, code: 'o', data: 'hi\r\n' },
    ]);
    expect(c.duration).toBe(1.25);
    expect(c.skipped).toBe(0);
  });

  it('skips a line cut by a killed server, and other junk lines', () => {
    const c = parseCast([HEADER, line(0.1, 'o', 'a'), '[0.2, "o", 42]', '{"x":1}', '[0.3, "o", "unfinish'].join('\n'));
    expect(c.events).toHaveLength(1);
    expect(c.skipped).toBe(3);
  });

  it('keeps time from going back', () => {
    const c = cast(line(2, 'o', 'a'), line(1, 'o', 'b'));
    expect(c.events.map((e) => e.time)).toEqual([2, 2]);
  });

  it('refuses what is not an asciicast v2 file', () => {
    expect(() => parseCast('hello')).toThrow(CastError);
    expect(() => parseCast('{"version":1,"width":80,"height":24}')).toThrow(/v2/);
    expect(() => parseCast('{"version":2}')).toThrow(/size/);
  });

  it('reads resize data', () => {
    expect(parseSize('120x40')).toEqual({ cols: 120, rows: 40 });
    expect(parseSize('0x40')).toBeNull();
    expect(parseSize('wide')).toBeNull();
  });
});

describe('steps', () => {
  const c = cast(line(0.1, 'o', 'a'), line(0.2, 'i', 'typed'), line(0.3, 'o', 'b'), line(0.4, 'r', '100x30'), line(0.5, 'o', 'c'), line(0.6, 'm', 'recording truncated at 10 bytes'));

  it('join output up to a time, apply resizes in order, and skip input', () => {
    expect(stepsUntil(c, 0, 0.35)).toEqual({ steps: [{ kind: 'write', data: 'ab' }], next: 3 });
    expect(stepsUntil(c, 0, 10)).toEqual({
      steps: [
        { kind: 'write', data: 'ab' },
        { kind: 'resize', cols: 100, rows: 30 },
        { kind: 'write', data: 'c' },
        { kind: 'marker', text: 'recording truncated at 10 bytes' },
      ],
      next: 6,
    });
    expect(stepsUntil(c, 3, 0.45)).toEqual({ steps: [{ kind: 'resize', cols: 100, rows: 30 }], next: 4 });
  });
});

describe('playback', () => {
  const c = cast(line(1, 'o', 'one '), line(2, 'o', 'two '), line(4, 'o', 'four'));

  it('advances by wall time times the speed', () => {
    let { state } = play(c, initialPlay());
    let out = tick(c, state, 1500);
    expect(out.steps).toEqual([{ kind: 'write', data: 'one ' }]);
    state = out.state;
    expect(state.time).toBe(1.5);
    out = tick(c, { ...state, speed: 2 }, 500);
    expect(out.state.time).toBe(2.5);
    expect(out.steps).toEqual([{ kind: 'write', data: 'two ' }]);
  });

  it('does nothing while paused', () => {
    const out = tick(c, initialPlay(), 5000);
    expect(out.steps).toEqual([]);
    expect(out.state.time).toBe(0);
  });

  it('stops at the end, and playing again starts over', () => {
    const running = play(c, initialPlay()).state;
    const out = tick(c, { ...running, speed: 8 }, 10_000);
    expect(out.state).toMatchObject({ time: 4, next: 3, playing: false });
    const again = play(c, out.state);
    expect(again.restart).toBe(true);
    expect(again.state).toMatchObject({ time: 0, next: 0, playing: true });
  });

  it('seeks by drawing everything up to the time, in one write', () => {
    const out = seek(c, { ...initialPlay(), time: 4, next: 3 }, 2.5);
    expect(out.steps).toEqual([{ kind: 'write', data: 'one two ' }]);
    expect(out.state).toMatchObject({ time: 2.5, next: 2 });
    expect(seek(c, initialPlay(), 99).state.time).toBe(4);
    expect(seek(c, initialPlay(), -1).state).toMatchObject({ time: 0, next: 0 });
  });
});

describe('search', () => {
  it('finds text across escape sequences and events, at the time it is complete', () => {
    const c = cast(line(1, 'o', '$ echo hel'), line(1.5, 'o', 'lo\r\n'), line(2, 'o', '\x1b[32mhel\x1b[0m'), line(3, 'o', 'lo\r\n$ '));
    const matches = search(c, 'HELLO');
    expect(matches.map((m) => m.time)).toEqual([1.5, 3]);
    expect(matches[0]?.preview).toBe('$ echo hello');
    expect(matches[1]?.preview).toBe('hello');
  });

  it('skips OSC titles and charset escapes', () => {
    const c = cast(line(1, 'o', '\x1b]0;user@box: ~\x07\x1b(Bready'));
    expect(search(c, 'box')).toEqual([]);
    expect(search(c, 'Bready')).toEqual([]);
    expect(search(c, 'ready')).toEqual([{ time: 1, preview: 'ready' }]);
  });

  it('finds nothing for an empty query and stops at the limit', () => {
    const c = cast(line(1, 'o', 'a a a a'));
    expect(search(c, '')).toEqual([]);
    expect(search(c, 'a', 2)).toHaveLength(2);
  });
});

it('formats clock times', () => {
  expect(formatClock(0)).toBe('0:00');
  expect(formatClock(65.9)).toBe('1:05');
  expect(formatClock(3725)).toBe('1:02:05');
});
