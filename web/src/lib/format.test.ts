import { describe, expect, it } from 'vitest';

import { formatAge, formatBytes, formatCell, formatCount } from './format';

const now = Date.parse('2026-11-26T12:00:00Z');

describe('formatAge', () => {
  it.each([
    ['2026-11-26T11:59:15Z', '45s'],
    ['2026-11-26T11:58:01Z', '119s'],
    ['2026-11-26T11:58:00Z', '2m'],
    ['2026-11-26T10:00:00Z', '2h'],
    ['2026-11-26T09:00:00Z', '3h'],
    ['2026-11-26T11:00:01Z', '59m'],
    ['2026-11-25T00:00:00Z', '36h'],
    ['2026-11-20T12:00:00Z', '6d'],
    ['2023-11-26T12:00:00Z', '3y'],
  ])('%s is %s old', (iso, age) => {
    expect(formatAge(iso, now)).toBe(age);
  });

  it('never goes negative and ignores garbage', () => {
    expect(formatAge('2026-11-26T12:00:30Z', now)).toBe('0s');
    expect(formatAge('yesterday', now)).toBe('');
    expect(formatAge(null, now)).toBe('');
  });
});

describe('formatCell', () => {
  it('shows creation times as ages', () => {
    expect(formatCell('createdAt', '2026-11-26T11:00:00Z', now)).toBe('60m');
  });
  it('shows empty values as a dash and booleans as words', () => {
    expect(formatCell('node', null, now)).toBe('—');
    expect(formatCell('node', '', now)).toBe('—');
    expect(formatCell('suspend', true, now)).toBe('Yes');
    expect(formatCell('restarts', 0, now)).toBe('0');
  });
  it('joins lists', () => {
    expect(formatCell('ports', ['80/TCP', '443/TCP'], now)).toBe('80/TCP, 443/TCP');
  });
});

describe('formatBytes', () => {
  it('uses the largest sensible unit', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(2 * 1024 * 1024)).toBe('2.0 MiB');
  });
});

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 1_234_567_890, -1234]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
