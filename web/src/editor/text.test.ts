import { describe, expect, it } from 'vitest';

import { objectYaml, resourceVersionOf } from './text';

describe('objectYaml', () => {
  it('drops managedFields and keeps the rest', () => {
    const text = objectYaml({ kind: 'ConfigMap', metadata: { name: 'x', managedFields: [{ manager: 'm' }] }, data: { a: '1' } });
    expect(text).toBe('kind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n');
    expect(objectYaml(undefined)).toBe('');
  });
});

describe('resourceVersionOf', () => {
  it('reads the object’s own resourceVersion, not a nested one', () => {
    expect(resourceVersionOf('metadata:\n  name: x\n  resourceVersion: "123"\nspec:\n    resourceVersion: "9"\n')).toBe('123');
    expect(resourceVersionOf('metadata:\n  name: x\n')).toBe('');
  });
});
