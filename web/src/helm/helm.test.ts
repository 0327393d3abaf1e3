import { QueryClient, type QueryKey } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import { releasePath } from '../api/endpoints';
import { changedBy, queryKeys } from '../api/queryKeys';
import { groupObjects, resourceKeys, showValue, summarize } from './diff';
import { targetProblem } from './InstallForm';
import { readView, releaseRoute, writeView } from './routes';
import { applyFilter, chipCounts, chipOf, readFilter, toggleChip, writeFilter } from './status';
import type { ObjectChange, ReleaseSummary } from './types';
import { valuesYaml } from './ValuesTab';
import { deniedOf } from './WriteError';

const release = (name: string, status: string, chartName = 'hello'): ReleaseSummary => ({
  name,
  namespace: 'team-a',
  revision: 1,
  status,
  chartName,
  chartVersion: '0.1.0',
  appVersion: '1',
  updated: null,
  description: '',
});

describe('status filter', () => {
  it('puts the pending-* statuses on one chip and unknown statuses on "unknown"', () => {
    expect(['pending-install', 'pending-upgrade', 'pending-rollback'].map(chipOf)).toEqual(['pending', 'pending', 'pending']);
    expect(chipOf('deployed')).toBe('deployed');
    expect(chipOf('something-new')).toBe('unknown');
  });

  it('lets through the releases of the chosen chips whose name or chart matches', () => {
    const all = [release('web', 'deployed'), release('api', 'failed'), release('db', 'pending-upgrade', 'postgres'), release('old', 'uninstalled')];
    const names = (statuses: Parameters<typeof applyFilter>[1]['statuses'], q = '') => applyFilter(all, { statuses, namespace: undefined, q }).map((r) => r.name);
    expect(names([])).toEqual(['web', 'api', 'db', 'old']);
    expect(names(['failed', 'pending'])).toEqual(['api', 'db']);
    expect(names([], 'POST')).toEqual(['db']);
    expect(names(['deployed'], 'api')).toEqual([]);
    expect(chipCounts(all)).toMatchObject({ deployed: 1, failed: 1, pending: 1, uninstalled: 1, superseded: 0 });
  });

  it('lives in the URL: chips in display order, unknown ones dropped, empty values removed', () => {
    const search = writeFilter(new URLSearchParams('sort=x'), { statuses: ['failed', 'deployed'], namespace: 'team-a', q: 'web' });
    expect(search.toString()).toBe('sort=x&status=deployed%2Cfailed&namespace=team-a&q=web');
    expect(readFilter(search)).toEqual({ statuses: ['deployed', 'failed'], namespace: 'team-a', q: 'web' });
    expect(readFilter(new URLSearchParams('status=bogus,failed,failed')).statuses).toEqual(['failed']);
    expect(writeFilter(search, { statuses: [], q: '' }).toString()).toBe('sort=x&namespace=team-a');
    expect(toggleChip(toggleChip([], 'failed'), 'failed')).toEqual([]);
  });
});

describe('release page URL', () => {
  it('round-trips tab, computed values and the compared revisions; the default view has no query', () => {
    const view = { tab: 'history' as const, computed: true, compare: { from: 1, to: 3 } };
    expect(readView(writeView(view))).toEqual(view);
    expect(writeView({ tab: 'values', computed: false, compare: null }).toString()).toBe('');
    expect(releaseRoute('alpha', 'team-a', 'web', 'drift')).toBe('/clusters/alpha/helm/team-a/web?tab=drift');
    expect(releaseRoute('alpha', 'team-a', 'web', 'values')).toBe('/clusters/alpha/helm/team-a/web');
  });

  it('ignores a bad tab and a half or broken comparison', () => {
    expect(readView(new URLSearchParams('tab=nope&from=1'))).toEqual({ tab: 'values', computed: false, compare: null });
    expect(readView(new URLSearchParams('tab=history&from=x&to=2')).compare).toBeNull();
    expect(readView(new URLSearchParams('tab=history&from=0&to=2')).compare).toBeNull();
  });
});

describe('diffs', () => {
  const objects: ObjectChange[] = [
    { object: 'Service web', kind: 'add', changes: [] },
    { object: 'Deployment web', kind: 'modify', changes: [{ path: 'spec.replicas', kind: 'modify', before: 1, after: 2 }] },
    { object: 'ConfigMap a', kind: 'modify', changes: [] },
    { object: 'Job b', kind: 'remove', changes: [] },
  ];

  it('group objects changed, added, removed (in that order) and summarize', () => {
    expect(groupObjects(objects).map((g) => [g.title, g.objects.map((o) => o.object)])).toEqual([
      ['Changed', ['Deployment web', 'ConfigMap a']],
      ['Added', ['Service web']],
      ['Removed', ['Job b']],
    ]);
    expect(summarize(objects, [{ path: 'message', kind: 'modify', before: 'one', after: 'two' }])).toBe('2 changed · 1 added · 1 removed · 1 value');
    expect(summarize([], [])).toBe('');
  });

  it('show values: strings bare, absent as a dash, the rest as JSON', () => {
    expect([showValue('one'), showValue(null), showValue(undefined), showValue(2), showValue({ a: [1] }), showValue(false)]).toEqual(['one', '—', '—', '2', '{"a":[1]}', 'false']);
  });

  it('match a resource to the drift key with or without its namespace', () => {
    expect(resourceKeys({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web' })).toEqual(['Deployment team-a/web', 'Deployment web']);
  });
});

describe('chart keys', () => {
  it("keep a chart's version list apart from any version's values (the empty version included)", () => {
    const versions = queryKeys.chart('alpha', 'https://r', 'hello');
    expect(queryKeys.chart('alpha', 'https://r', 'hello', '')).not.toEqual(versions);
    expect(queryKeys.chart('alpha', 'https://r', 'hello', '1.0.0')).not.toEqual(versions);
  });
});

describe('writes', () => {
  it("list a pre-flight refusal's denials, and nothing for other errors", () => {
    const refused = new ApiError(403, 'E_HELM_PREFLIGHT_DENIED', 'no', { denied: ['patch Deployment web', 7, 'create secrets'] });
    expect(deniedOf(refused)).toEqual(['patch Deployment web', 'create secrets']);
    expect(deniedOf(new ApiError(403, 'E_FORBIDDEN', 'no', { denied: ['x'] }))).toEqual([]);
    expect(deniedOf(new ApiError(403, 'E_HELM_PREFLIGHT_DENIED', 'no'))).toEqual([]);
    expect(deniedOf(new Error('x'))).toEqual([]);
  });

  it('check an install target before asking the server', () => {
    const ok = { repo: 'https://charts.example.com', chart: 'nginx', version: '1.2.3', namespace: 'team-a', name: 'web', createNamespace: false };
    expect(targetProblem(ok)).toBeNull();
    expect(targetProblem({ ...ok, repo: 'oci://registry.example.com/charts' })).toBeNull();
    expect(targetProblem({ ...ok, repo: 'ftp://x' })).toMatch(/https/);
    expect(targetProblem({ ...ok, version: '' })).toMatch(/version/);
    expect(targetProblem({ ...ok, namespace: 'Team_A' })).toMatch(/namespace/);
    expect(targetProblem({ ...ok, name: 'x'.repeat(54) })).toMatch(/53/);
  });

  it('show values as YAML, none as empty', () => {
    expect(valuesYaml({ message: 'one', replicas: 2 })).toBe('message: one\nreplicas: 2\n');
    expect(valuesYaml({})).toBe('');
    expect(valuesYaml(null)).toBe('');
  });

  it("refresh the release's reads, the cluster's lists (the releases too), not another release's", async () => {
    const path = releasePath('alpha', 'team-a', 'web');
    const other = releasePath('alpha', 'team-a', 'web2');
    const keys: QueryKey[] = [
      queryKeys.helmRelease(path, 'detail'),
      queryKeys.helmRelease(path, 'history'),
      queryKeys.helmRelease(path, 'drift'),
      queryKeys.helmReleases('alpha', 'team-a'),
      queryKeys.helmReleases('alpha'),
      queryKeys.helmRelease(other, 'detail'),
      queryKeys.helmReleases('beta'),
      queryKeys.chart('alpha', 'https://charts.example.com', 'nginx'),
    ];
    const client = new QueryClient();
    for (const key of keys) client.setQueryData(key, 'data');
    for (const queryKey of changedBy({ cluster: 'alpha', path })) await client.invalidateQueries({ queryKey });
    expect(keys.map((key) => client.getQueryState(key)?.isInvalidated)).toEqual([true, true, true, true, true, false, false, false]);
  });
});
