import { describe, expect, it } from 'vitest';

import { lineIndex } from './paths';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels:
    app: shop
    team: a
  finalizers:
  - x
  - y
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: img:1
        ports:
        - containerPort: 80
          protocol: TCP
      - name: side
        image: img:2
`;

describe('lineIndex', () => {
  const index = lineIndex(DEPLOYMENT);

  it('finds map keys', () => {
    expect(index.lineOf(['spec', 'replicas'])).toBe(12);
    expect(index.lineOf(['metadata', 'labels', 'team'])).toBe(7);
    expect(index.lineOf(['metadata', 'labels'])).toBe(5);
  });

  it('finds keyed list items and fields under them', () => {
    expect(index.lineOf(['spec', 'template', 'spec', 'containers', { name: 'side' }])).toBe(21);
    expect(index.lineOf(['spec', 'template', 'spec', 'containers', { name: 'side' }, 'image'])).toBe(22);
    expect(index.lineOf(['spec', 'template', 'spec', 'containers', { name: 'app' }, 'ports', { containerPort: 80, protocol: 'TCP' }])).toBe(19);
  });

  it('finds set items by value', () => {
    expect(index.lineOf(['metadata', 'finalizers', { $value: 'y' }])).toBe(10);
  });

  it('says nothing for fields that are not there', () => {
    expect(index.lineOf(['spec', 'paused'])).toBeUndefined();
    expect(index.lineOf(['spec', 'template', 'spec', 'containers', { name: 'nope' }])).toBeUndefined();
    expect(index.lineOf(['spec', 'replicas', 'deeper'])).toBeUndefined();
  });

  it('survives text that is not YAML (half-typed)', () => {
    expect(() => lineIndex('a: [\n  b: }').lineOf(['a', 'b'])).not.toThrow();
    expect(lineIndex('').lineOf(['a'])).toBeUndefined();
  });
});
