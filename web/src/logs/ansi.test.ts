import { describe, expect, it } from 'vitest';

import { applySgr, parseAnsi, stripAnsi, xterm256 } from './ansi';

const E = '\x1b';

describe('parseAnsi', () => {
  it('leaves text without escapes as one plain segment', () => {
    expect(parseAnsi('hello')).toEqual([{ text: 'hello', style: null }]);
    expect(parseAnsi('')).toEqual([]);
  });

  it('colours text and resets', () => {
    expect(parseAnsi(`a${E}[31mred${E}[0m b`)).toEqual([
      { text: 'a', style: null },
      { text: 'red', style: { fg: 1 } },
      { text: ' b', style: null },
    ]);
  });

  it('combines attributes and turns them off one by one', () => {
    const segments = parseAnsi(`${E}[1;4;92;44mx${E}[22my${E}[24;39;49mz`);
    expect(segments).toEqual([
      { text: 'x', style: { bold: true, underline: true, fg: 10, bg: 4 } },
      { text: 'y', style: { underline: true, fg: 10, bg: 4 } },
      { text: 'z', style: null },
    ]);
  });

  it('reads 256-colour and true-colour codes, with ; or : separators', () => {
    expect(parseAnsi(`${E}[38;5;196mx`)[0]?.style).toEqual({ fg: 'rgb(255,0,0)' });
    expect(parseAnsi(`${E}[38;5;3mx`)[0]?.style).toEqual({ fg: 3 });
    expect(parseAnsi(`${E}[48;2;10;20;30mx`)[0]?.style).toEqual({ bg: 'rgb(10,20,30)' });
    expect(parseAnsi(`${E}[38:2::1:2:3mx`)[0]?.style).toEqual({ fg: 'rgb(1,2,3)' });
  });

  it('treats empty parameters as 0 (reset)', () => {
    expect(parseAnsi(`${E}[31mA${E}[mB`)).toEqual([
      { text: 'A', style: { fg: 1 } },
      { text: 'B', style: null },
    ]);
    expect(parseAnsi(`${E}[31mA${E}[;32mB`)[1]?.style).toEqual({ fg: 2 });
  });

  it('ignores broken colour codes without losing the rest', () => {
    expect(parseAnsi(`${E}[38;5mx`)).toEqual([{ text: 'x', style: null }]);
    expect(parseAnsi(`${E}[38;2;1;2mx`)).toEqual([{ text: 'x', style: null }]);
    expect(parseAnsi(`${E}[38;5;300;1mx`)[0]?.style).toEqual({ bold: true });
  });

  it('drops other escape sequences: cursor moves, erase, OSC titles and links', () => {
    expect(parseAnsi(`${E}[2K${E}[1Gprogress`)).toEqual([{ text: 'progress', style: null }]);
    expect(stripAnsi(`${E}]0;title${E}\\a${E}]8;;http://x${E}\\link${E}]8;;${E}\\b`)).toBe('alinkb');
    expect(stripAnsi(`x${E}]2;unterminated`)).toBe('x');
    expect(stripAnsi(`a${E}(Bb${E}`)).toBe('ab');
  });

  it('keeps text after an unfinished CSI', () => {
    expect(stripAnsi(`a${E}[12`)).toBe('a');
    expect(stripAnsi(`a${E}[1\x01b`)).toBe('a\x01b');
  });
});

describe('stripAnsi', () => {
  it('returns the very string when there is nothing to strip', () => {
    const s = 'plain line';
    expect(stripAnsi(s)).toBe(s);
  });

  it('is the concatenation of the segments', () => {
    const line = `${E}[32mINFO${E}[0m ${E}[1mready${E}[0m in ${E}[38;5;208m12ms${E}[0m`;
    expect(stripAnsi(line)).toBe(parseAnsi(line).map((s) => s.text).join(''));
    expect(stripAnsi(line)).toBe('INFO ready in 12ms');
  });
});

describe('applySgr', () => {
  it('inverts and strikes, and does not change the style it was given', () => {
    const base = { fg: 1 };
    expect(applySgr(base, '7;9')).toEqual({ fg: 1, inverse: true, strike: true });
    expect(applySgr({ inverse: true, strike: true, italic: true }, '27;29;23')).toEqual({});
    expect(base).toEqual({ fg: 1 });
  });

  it('maps the xterm palette: cube and greys', () => {
    expect(xterm256(16)).toBe('rgb(0,0,0)');
    expect(xterm256(231)).toBe('rgb(255,255,255)');
    expect(xterm256(232)).toBe('rgb(8,8,8)');
    expect(xterm256(255)).toBe('rgb(238,238,238)');
  });
});
