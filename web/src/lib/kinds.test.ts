import { describe, expect, it } from 'vitest';

import type { KindInfo } from '../api/types.gen';
import { BUILTIN_KINDS } from '../test/builtinKinds.gen';
import { kindList, LEASES, WIDGETS } from '../test/kinds';
import { builtinByPlural, findEntry, ownerEntry, sidebarSections, toEntries, toEntry, unknownKind } from './kinds';

const catalog = toEntries(kindList(WIDGETS, LEASES).kinds);

describe('kinds from the server', () => {
  it('spells the core group `core`, as URLs do, and reads the scope', () => {
    expect(toEntry(BUILTIN_KINDS[0] as KindInfo)).toMatchObject({ group: 'core', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, builtin: true });
    expect(findEntry(catalog, { group: '', version: 'v1', resource: 'nodes' })?.namespaced).toBe(false);
  });

  it('keeps which kinds have logs, as the server says (pods, workloads, Services)', () => {
    const withLogs = catalog.filter((e) => e.logs).map((e) => `${e.group}/${e.resource}`).sort();
    expect(withLogs).toEqual(['apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'batch/cronjobs', 'batch/jobs', 'core/pods', 'core/services']);
    expect(unknownKind({ group: 'core', version: 'v1', resource: 'pods' }).logs).toBe(false);
  });

  it('finds kinds by group and resource, built-ins by plural, owners by kind name', () => {
    expect(findEntry(catalog, { group: 'apps', version: 'v1', resource: 'deployments' })?.kind).toBe('Deployment');
    expect(findEntry(catalog, { group: 'periscope.dev', version: 'v2', resource: 'widgets' })?.label).toBe('Widget');
    expect(builtinByPlural(catalog, 'pods')?.group).toBe('core');
    expect(builtinByPlural(catalog, 'widgets')).toBeUndefined();
    expect(ownerEntry(catalog, 'apps/v1', 'ReplicaSet')?.resource).toBe('replicasets');
    expect(ownerEntry(catalog, 'v1', 'Node')?.namespaced).toBe(false);
    expect(ownerEntry(catalog, 'periscope.dev/v1', 'Widget')?.resource).toBe('widgets');
    expect(ownerEntry(catalog, 'example.com/v1', 'Gadget')).toBeUndefined();
  });

  it('groups the sidebar by the server sections, in its order, leaving out kinds without one', () => {
    const sections = sidebarSections(catalog);
    expect(sections.map((s) => s.title)).toEqual(['Workloads', 'Networking', 'Storage', 'Config', 'RBAC', 'Cluster', 'Custom resources']);
    expect(sections[0]?.kinds.map((k) => k.label).slice(0, 2)).toEqual(['Pods', 'Deployments']);
    expect(sections.at(-1)?.kinds.map((k) => k.resource)).toEqual(['widgets']);
    expect(sections.flatMap((s) => s.kinds).some((k) => k.resource === 'leases')).toBe(false);
  });

  it('makes nothing up about a kind the server did not list', () => {
    expect(unknownKind({ group: 'x.io', version: 'v1', resource: 'things' })).toMatchObject({ label: 'things', actions: [], live: false, builtin: false });
  });
});
