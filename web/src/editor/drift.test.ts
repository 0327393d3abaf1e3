import { describe, expect, it } from 'vitest';

import { changedPaths, driftOf } from './drift';

const OPENED = `metadata:
  name: x
  resourceVersion: "1"
data:
  a: "1"
  b: "2"
spec:
  list: [1, 2]
status:
  phase: Running
`;

describe('changedPaths', () => {
  it('names changed leaves, added and removed keys, and lists that changed length', () => {
    expect(changedPaths({ a: 1, b: { c: [1, 2] } }, { a: 2, b: { c: [1, 3] }, d: true })).toEqual(['.a', '.b.c[1]', '.d']);
    expect(changedPaths({ l: [1] }, { l: [1, 2] })).toEqual(['.l']);
  });

  it('ignores the server bookkeeping and status', () => {
    expect(changedPaths({ metadata: { resourceVersion: '1', generation: 1 }, status: { x: 1 } }, { metadata: { resourceVersion: '2', generation: 2 }, status: { x: 2 } })).toEqual([]);
  });
});

describe('driftOf', () => {
  it('is nothing when only status and resourceVersion moved', () => {
    const theirs = OPENED.replace('"1"\ndata', '"7"\ndata').replace('Running', 'Failed');
    expect(driftOf(OPENED, theirs, OPENED)).toBeUndefined();
  });

  it('lists what they changed and what the user changed too', () => {
    const theirs = OPENED.replace('a: "1"', 'a: "9"').replace('b: "2"', 'b: "8"');
    const mine = OPENED.replace('a: "1"', 'a: "5"');
    expect(driftOf(OPENED, theirs, mine)).toEqual({ theirs: ['.data.a', '.data.b'], overlap: ['.data.a'] });
  });

  it('overlaps nothing while the user’s text does not parse', () => {
    const theirs = OPENED.replace('a: "1"', 'a: "9"');
    expect(driftOf(OPENED, theirs, 'data: [')).toEqual({ theirs: ['.data.a'], overlap: [] });
  });
});
