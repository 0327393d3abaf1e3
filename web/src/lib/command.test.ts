import { describe, expect, it } from 'vitest';

import { type Command, commandListUrl, contextUrl, isDnsLabel, parseCommand, suggestKinds } from './command';
import { kindList, WIDGETS } from '../test/kinds';
import { toEntries } from './kinds';

// The catalog the app builds: the server's kinds list (built-ins, then discovered kinds).
const catalog = toEntries(
  kindList(
    WIDGETS,
    { ...WIDGETS, kind: 'ClusterWidget', plural: 'clusterwidgets', label: 'ClusterWidget', shortNames: [], scope: 'Cluster' },
    // A CRD that reuses a built-in plural: `pods` must stay the core kind.
    { ...WIDGETS, group: 'example.com', kind: 'Pod', plural: 'pods', label: 'Pod', shortNames: [] },
  ).kinds,
);
const builtins = catalog.filter((k) => k.builtin);
const clusters = ['alpha', 'beta'];
const parse = (text: string): Command => parseCommand(text, catalog, clusters);

function listOf(text: string) {
  const c = parse(text);
  if (c.type !== 'list') throw new Error(`${text}: ${JSON.stringify(c)}`);
  return c;
}

describe('parseCommand: kinds', () => {
  it.each([
    ['po', 'pods'],
    ['pod', 'pods'],
    ['pods', 'pods'],
    ['deploy', 'deployments'],
    ['deployment', 'deployments'],
    ['deployments.apps', 'deployments'],
    ['svc', 'services'],
    ['cm', 'configmaps'],
    ['ns', 'namespaces'],
    ['no', 'nodes'],
    ['sts', 'statefulsets'],
    ['ds', 'daemonsets'],
    ['rs', 'replicasets'],
    ['cj', 'cronjobs'],
    ['job', 'jobs'],
    ['ing', 'ingresses'],
    ['pvc', 'persistentvolumeclaims'],
    ['pv', 'persistentvolumes'],
    ['secret', 'secrets'],
    ['secrets', 'secrets'],
    ['hpa', 'horizontalpodautoscalers'],
    ['crd', 'customresourcedefinitions'],
    ['SVC', 'services'],
  ])('%s opens %s', (word, resource) => {
    const c = listOf(`:${word}`);
    expect(c.entry.resource).toBe(resource);
    expect(c.entry.builtin).toBe(true);
  });

  it('finds CRDs by plural, kind and plural.group', () => {
    for (const word of ['widgets', 'widget', 'widgets.periscope.dev', 'Widget', 'wdg']) {
      const c = listOf(word);
      expect(c.entry).toMatchObject({ group: 'periscope.dev', version: 'v1', resource: 'widgets', namespaced: true });
    }
    expect(listOf('clusterwidgets').entry.namespaced).toBe(false);
  });

  it('keeps built-ins ahead of a CRD with the same plural, which is reachable by group', () => {
    expect(listOf('pods').entry.group).toBe('core');
    expect(listOf('pods.example.com').entry.group).toBe('example.com');
  });

  it('names an unknown command clearly', () => {
    const c = parse(':frobnicate team-a');
    expect(c.type).toBe('error');
    expect(c.type === 'error' && c.message).toContain('Unknown command or kind “frobnicate”');
    expect(parse(':').type).toBe('error');
    expect(parse('   ').type).toBe('error');
  });
});

describe('parseCommand: namespaces', () => {
  it('takes an optional namespace', () => {
    expect(listOf(':pods team-a').namespace).toEqual({ kind: 'set', name: 'team-a' });
    expect(listOf(':deploy').namespace).toEqual({ kind: 'keep' });
    expect(listOf(':po -A').namespace).toEqual({ kind: 'all' });
    expect(listOf(':po *').namespace).toEqual({ kind: 'all' });
  });

  it.each(['Team-A', 'team_a', '-team', 'team-', 'a'.repeat(64), 'team.a', '../x'])('refuses %s as a namespace', (ns) => {
    const c = parse(`:pods ${ns}`);
    expect(c.type).toBe('error');
    expect(c.type === 'error' && c.message).toContain('is not a namespace name');
  });

  it('refuses a namespace for a cluster-scoped kind', () => {
    const c = parse(':nodes team-a');
    expect(c.type === 'error' && c.message).toContain('not namespaced');
  });

  it('refuses extra words', () => {
    expect(parse(':pods team-a team-b').type).toBe('error');
    expect(parse(':q now').type).toBe('error');
  });

  it('knows DNS labels', () => {
    expect(isDnsLabel('team-a')).toBe(true);
    expect(isDnsLabel('a'.repeat(63))).toBe(true);
    expect(isDnsLabel('0abc')).toBe(true);
    expect(isDnsLabel('')).toBe(false);
  });
});

describe('parseCommand: contexts and quitting', () => {
  it('switches to a known cluster', () => {
    expect(parse(':ctx beta')).toEqual({ type: 'context', cluster: 'beta' });
    expect(parse('context alpha')).toEqual({ type: 'context', cluster: 'alpha' });
  });

  it('says which clusters exist when the name is wrong or missing', () => {
    const wrong = parse(':ctx gamma');
    expect(wrong.type === 'error' && wrong.message).toContain('No cluster named “gamma”. Clusters: alpha, beta.');
    const missing = parse(':ctx');
    expect(missing.type === 'error' && missing.message).toContain('Which cluster?');
  });

  it('quits', () => {
    for (const q of [':q', 'q', ':quit', ':q!']) expect(parse(q)).toEqual({ type: 'quit' });
  });
});

describe('command URLs', () => {
  const pods = listOf('pods');
  it('opens the list with the namespace in the URL', () => {
    expect(commandListUrl(listOf(':pods team-b'), { cluster: 'alpha', namespace: 'team-a' })).toBe('/clusters/alpha/r/core/v1/pods?namespace=team-b');
    expect(commandListUrl(listOf(':deploy'), { cluster: 'alpha', namespace: 'team-a' })).toBe('/clusters/alpha/r/apps/v1/deployments?namespace=team-a');
    expect(commandListUrl(listOf(':deploy -A'), { cluster: 'alpha', namespace: 'team-a' })).toBe('/clusters/alpha/r/apps/v1/deployments');
    expect(commandListUrl(listOf(':nodes'), { cluster: 'alpha', namespace: 'team-a' })).toBe('/clusters/alpha/r/core/v1/nodes');
    expect(commandListUrl(listOf(':widgets team-a'), { cluster: 'alpha' })).toBe('/clusters/alpha/r/periscope.dev/v1/widgets?namespace=team-a');
    expect(commandListUrl(pods, { cluster: undefined })).toEqual({ error: expect.stringContaining('Pick a cluster') });
  });

  it('keeps the kind and namespace across clusters when the other cluster has the kind', () => {
    expect(contextUrl('beta', { cluster: 'alpha', kind: pods.entry, namespace: 'team-b' }, undefined)).toBe('/clusters/beta/r/core/v1/pods?namespace=team-b');
    const widget = listOf('widgets').entry;
    expect(contextUrl('beta', { cluster: 'alpha', kind: widget }, catalog)).toBe('/clusters/beta/r/periscope.dev/v1/widgets');
    expect(contextUrl('beta', { cluster: 'alpha', kind: widget }, builtins)).toBe('/clusters/beta');
    expect(contextUrl('beta', { cluster: 'alpha', kind: widget }, undefined)).toBe('/clusters/beta');
    expect(contextUrl('beta', { cluster: undefined }, undefined)).toBe('/clusters/beta');
  });

  it('suggests kind names for completion', () => {
    expect(suggestKinds('de', catalog)).toEqual(['deploy', 'deployments']);
    expect(suggestKinds('wid', catalog)).toEqual(['widgets']);
    expect(suggestKinds('c', catalog)).toContain('ctx');
    expect(suggestKinds('', catalog)).toEqual([]);
  });
});

describe(':helm', () => {
  it('opens the Helm releases, keeping, setting or dropping the namespace', () => {
    const helm = (text: string) => {
      const c = parse(text);
      if (c.type !== 'helm') throw new Error(`${text}: ${JSON.stringify(c)}`);
      return commandListUrl(c, { cluster: 'alpha', namespace: 'team-a' });
    };
    expect(helm(':helm')).toBe('/clusters/alpha/helm?namespace=team-a');
    expect(helm(':helm team-b')).toBe('/clusters/alpha/helm?namespace=team-b');
    expect(helm(':helm -A')).toBe('/clusters/alpha/helm');
    expect(parse(':helm Team_B')).toMatchObject({ type: 'error' });
    expect(parse(':helm a b')).toMatchObject({ type: 'error' });
    expect(suggestKinds('hel', catalog)).toContain('helm');
  });
});
