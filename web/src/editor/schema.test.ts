import { describe, expect, it } from 'vitest';

import { kindSchema, openapiPath } from './schema';

const DOC = {
  components: {
    schemas: {
      'io.k8s.api.core.v1.ConfigMap': {
        type: 'object',
        properties: {
          data: { type: 'object', additionalProperties: { type: 'string' } },
          metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
        },
        'x-kubernetes-group-version-kind': [{ group: '', kind: 'ConfigMap', version: 'v1' }],
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
        type: 'object',
        properties: { name: { type: 'string' }, ownerReferences: { type: 'array', items: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference' } } },
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': { type: 'object', properties: { kind: { type: 'string' } } },
      'io.k8s.api.core.v1.Pod': { type: 'object', 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }] },
    },
  },
};

describe('openapiPath', () => {
  it('maps core and named groups', () => {
    expect(openapiPath('v1')).toBe('api/v1');
    expect(openapiPath('apps/v1')).toBe('apis/apps/v1');
    expect(openapiPath('periscope.dev/v1')).toBe('apis/periscope.dev/v1');
  });
});

describe('kindSchema', () => {
  it('cuts out the kind with the components it reaches, refs rewritten', () => {
    const schema = kindSchema(DOC, 'v1', 'ConfigMap');
    expect(schema?.type).toBe('object');
    expect(Object.keys(schema?.definitions ?? {}).sort()).toEqual([
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
    ]);
    expect(JSON.stringify(schema)).not.toContain('#/components/');
    expect(JSON.stringify(schema)).toContain('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  });

  it('is undefined for a kind the document does not describe', () => {
    expect(kindSchema(DOC, 'v1', 'Secret')).toBeUndefined();
    expect(kindSchema(DOC, 'apps/v1', 'ConfigMap')).toBeUndefined();
    expect(kindSchema({}, 'v1', 'ConfigMap')).toBeUndefined();
  });
});
