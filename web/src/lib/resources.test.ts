import { describe, expect, it } from 'vitest';

import { detailRoute, listQuery, nextSort, objectPath, resourcePath, sortDirection } from './resources';

const pods = { group: 'core', version: 'v1', resource: 'pods' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };

describe('API paths', () => {
  it('spells the core group `core`', () => {
    expect(resourcePath('alpha', nodes)).toBe('/api/clusters/alpha/resources/core/v1/nodes');
  });
  it('adds the namespace only for namespaced objects', () => {
    expect(objectPath('alpha', pods, 'team-a', 'web-1')).toBe('/api/clusters/alpha/resources/core/v1/pods/team-a/web-1');
    expect(objectPath('alpha', nodes, undefined, 'n1')).toBe('/api/clusters/alpha/resources/core/v1/nodes/n1');
  });
  it('escapes segments', () => {
    expect(objectPath('a b', pods, 'ns', 'x/y')).toBe('/api/clusters/a%20b/resources/core/v1/pods/ns/x%2Fy');
  });
  it('uses _ for the namespace of cluster-scoped detail pages', () => {
    expect(detailRoute('alpha', nodes, undefined, 'n1')).toBe('/clusters/alpha/r/core/v1/nodes/_/n1');
  });
});

describe('listQuery', () => {
  it('is empty without parameters', () => {
    expect(listQuery({})).toBe('');
    expect(listQuery({ q: '  ', namespace: '' })).toBe('');
  });
  it('keeps the given parameters, trimmed and encoded', () => {
    expect(listQuery({ namespace: 'team-a', q: ' web ', sort: '-name', labelSelector: 'app=web,tier in (a)' })).toBe(
      '?namespace=team-a&labelSelector=app%3Dweb%2Ctier+in+%28a%29&q=web&sort=-name',
    );
  });
  it('passes continue tokens through', () => {
    expect(listQuery({ limit: 200, continue: 'snap.abc' })).toBe('?limit=200&continue=snap.abc');
  });
});

describe('sorting by header clicks', () => {
  it('cycles ascending, descending, default', () => {
    expect(nextSort(undefined, 'name')).toBe('name');
    expect(nextSort('name', 'name')).toBe('-name');
    expect(nextSort('-name', 'name')).toBeUndefined();
    expect(nextSort('-name', 'restarts')).toBe('restarts');
  });
  it('reports the direction of a column', () => {
    expect(sortDirection('-name', 'name')).toBe('desc');
    expect(sortDirection('name', 'name')).toBe('asc');
    expect(sortDirection('name', 'node')).toBeNull();
  });
});
