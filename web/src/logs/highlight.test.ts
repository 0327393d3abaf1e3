import { describe, expect, it } from 'vitest';

import { pieces } from './highlight';
import { stripAnsi } from './ansi';

const cut = (text: string, find: string, limit?: number) => pieces(text, stripAnsi(text), find, limit);

describe('pieces', () => {
  it('is the plain line when there is nothing to find', () => {
    expect(cut('hello', '')).toEqual({ pieces: [{ text: 'hello', style: null, hit: false }], hidden: 0 });
  });

  it('marks matches', () => {
    expect(cut('a timeout, then Timeout', 'timeout').pieces).toEqual([
      { text: 'a ', style: null, hit: false },
      { text: 'timeout', style: null, hit: true },
      { text: ', then ', style: null, hit: false },
      { text: 'Timeout', style: null, hit: true },
    ]);
  });

  it('keeps colours across a match that spans two of them', () => {
    const result = cut('\x1b[31mERR\x1b[32mOR\x1b[0m!', 'rro');
    expect(result.pieces).toEqual([
      { text: 'E', style: { fg: 1 }, hit: false },
      { text: 'RR', style: { fg: 1 }, hit: true },
      { text: 'O', style: { fg: 2 }, hit: true },
      { text: 'R', style: { fg: 2 }, hit: false },
      { text: '!', style: null, hit: false },
    ]);
  });

  it('shows at most `limit` characters and says how many are hidden', () => {
    const result = cut('abcdefghij', 'cd', 5);
    expect(result.pieces.map((p) => p.text).join('')).toBe('abcde');
    expect(result.pieces.find((p) => p.hit)?.text).toBe('cd');
    expect(result.hidden).toBe(5);
  });
});
