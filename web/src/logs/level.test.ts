import { describe, expect, it } from 'vitest';

import { detectLevel, normalizeLevel, parseJsonLine, prettyJson } from './level';

describe('detectLevel', () => {
  it.each([
    ['{"level":"warn","msg":"slow"}', 'warn'],
    ['{"ts":1,"severity":"ERROR","msg":"x"}', 'error'],
    ['{"lvl":"dbg"}', 'debug'],
    ['{"loglevel":"Information"}', 'info'],
    ['{"level":50,"msg":"pino"}', 'error'],
    ['{"level":30}', 'info'],
    ['time=2024-01-01T00:00:00Z level=warning msg="disk"', 'warn'],
    ['level="error" msg=x', 'error'],
    ['msg=x lvl=trace', 'trace'],
    ['I0102 15:04:05.000000       1 main.go:10] started', 'info'],
    ['E0102 15:04:05.000000       1 main.go:10] failed', 'error'],
    ['2024-01-01 12:00:00 WARN  pool exhausted', 'warn'],
    ['[error] connection refused', 'error'],
    ['panic: runtime error: index out of range', null],
    ['PANIC: boom', 'fatal'],
    ['ready to serve', null],
    ['an error happened', null],
  ])('%s → %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it('looks for a level word near the start of plain lines only', () => {
    expect(detectLevel(`${'x'.repeat(200)} ERROR`)).toBeNull();
  });
});

describe('normalizeLevel', () => {
  it('knows the usual words and the pino numbers', () => {
    expect(normalizeLevel('CRITICAL')).toBe('fatal');
    expect(normalizeLevel('notice')).toBe('info');
    expect(normalizeLevel(60)).toBe('fatal');
    expect(normalizeLevel('10')).toBe('trace');
    expect(normalizeLevel(5)).toBeNull();
    expect(normalizeLevel('loud')).toBeNull();
  });
});

describe('JSON lines', () => {
  it('pretty-prints objects and arrays', () => {
    expect(prettyJson('{"a":1,"b":{"c":[1,2]}}')).toBe('{\n  "a": 1,\n  "b": {\n    "c": [\n      1,\n      2\n    ]\n  }\n}');
    expect(prettyJson('  [1]  ')).toBe('[\n  1\n]');
  });

  it('leaves everything else alone', () => {
    expect(prettyJson('{"a":1} trailing')).toBeNull();
    expect(prettyJson('{not json}')).toBeNull();
    expect(prettyJson('"a string"')).toBeNull();
    expect(prettyJson('42')).toBeNull();
    expect(parseJsonLine('{"a":1}')).toEqual({ a: 1 });
  });
});
