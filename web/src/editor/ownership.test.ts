import { describe, expect, it } from 'vitest';

import { glyphHover, ownershipGlyphs } from './ownership';
import { lineIndex } from './paths';
import type { FieldManager } from './types';

const TEXT = `metadata:
  labels:
    app: x
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: app
        image: i
`;

const manager = (name: string, cls: FieldManager['class'], fields: FieldManager['fields']): FieldManager => ({
  manager: name,
  operation: 'Apply',
  subresource: null,
  class: cls,
  label: name === 'flux' ? 'GitOps (Flux)' : name,
  consequence: '',
  fields,
});

describe('ownershipGlyphs', () => {
  it('puts each owned field on its line, owners of one line together', () => {
    const glyphs = ownershipGlyphs(lineIndex(TEXT), [
      manager('flux', 'gitops', [['spec', 'replicas'], ['metadata', 'labels', 'app'], ['spec', 'template', 'spec', 'containers', { name: 'app' }]]),
      manager('kubectl-edit', 'human', [['spec', 'template', 'spec', 'containers', { name: 'app' }, 'name'], ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'image'], ['spec', 'gone']]),
    ]);
    expect(glyphs.map((g) => [g.line, g.owners.map((o) => o.manager)])).toEqual([
      [3, ['flux']],
      [5, ['flux']],
      [9, ['flux', 'kubectl-edit']],
      [10, ['kubectl-edit']],
    ]);
    expect(glyphHover(glyphs[1]!)).toBe('owned by **flux** (gitops: GitOps (Flux))');
  });
});
