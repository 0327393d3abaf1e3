import { describe, expect, it } from 'vitest';

import { toEntries } from '../lib/kinds';
import { kindList, WIDGETS } from '../test/kinds';
import { diffStats, lineDiff } from './diff';
import { identify, isProblem, type SourceDoc, splitDocuments } from './documents';
import { accessChecks, resolveTarget, splitApiVersion, withNamespace } from './plan';

const catalog = toEntries(kindList(WIDGETS).kinds);

const THREE = `# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: two, namespace: team-a}
---
---
# only a comment
---
apiVersion: periscope.dev/v1
kind: Widget
metadata:
  name: three
`;

describe('splitting a text into documents', () => {
  it('finds each document with the line it starts on, skipping empty ones', () => {
    const docs = splitDocuments(THREE);
    expect(docs.map((d) => [d.index, d.line, d.problems.length])).toEqual([
      [1, 2, 0],
      [2, 9, 0],
      [3, 16, 0],
    ]);
    expect(docs[0]?.value).toMatchObject({ kind: 'ConfigMap', data: { a: '1' } });
  });

  it('reports a syntax error at its line in the whole text, per document', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n   labels: x\n---\nkind: A\nkind: B\n';
    const docs = splitDocuments(text);
    expect(docs).toHaveLength(3);
    expect(docs[0]?.problems).toEqual([]);
    // The parser places this one on the key whose value goes wrong (`name: bad`).
    expect(docs[1]?.problems[0]?.line).toBe(8);
    expect(docs[1]?.value).toBeUndefined();
    expect(docs[2]?.problems[0]).toMatchObject({ line: 12 });
    expect(docs[2]?.problems[0]?.message).toMatch(/unique/i);
  });

  it('says what is missing for a document to name an object', () => {
    const doc = (value: unknown): SourceDoc => ({ index: 1, line: 7, value, problems: [] });
    expect(identify(doc({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' } }))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace: 'n' });
    const problem = (value: unknown) => {
      const found = identify(doc(value));
      return isProblem(found) ? found : null;
    };
    expect(problem(['a'])?.message).toMatch(/mapping/);
    expect(problem({ kind: 'ConfigMap' })?.message).toBe('apiVersion is missing');
    expect(problem({ apiVersion: 'v1' })?.message).toBe('kind is missing');
    expect(problem({ apiVersion: 'v1', kind: 'ConfigMap' })?.message).toMatch(/metadata/);
    expect(problem({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } })?.message).toMatch(/generateName/);
    expect(problem({ apiVersion: 'v1', kind: 'List', items: [] })?.message).toMatch(/items/);
    expect(problem({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toEqual({ line: 7, message: 'metadata.name is missing' });
  });
});

describe('resolving documents to objects', () => {
  const id = (apiVersion: string, kind: string, name: string, namespace = '') => ({ apiVersion, kind, name, namespace });

  it('splits apiVersion into group and version', () => {
    expect(splitApiVersion('v1')).toEqual({ group: 'core', version: 'v1' });
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(splitApiVersion('periscope.dev/v1')).toEqual({ group: 'periscope.dev', version: 'v1' });
  });

  it('builds the object path from the kinds: plural, scope, the document version', () => {
    expect(resolveTarget('alpha', catalog, id('v1', 'ConfigMap', 'one'), 2, 'team-a')).toMatchObject({
      namespace: 'team-a',
      path: '/api/clusters/alpha/resources/core/v1/configmaps/team-a/one',
    });
    expect(resolveTarget('alpha', catalog, id('periscope.dev/v1', 'Widget', 'w', 'b'), 2, 'team-a')).toMatchObject({ path: '/api/clusters/alpha/resources/periscope.dev/v1/widgets/b/w' });
    expect(resolveTarget('alpha', catalog, id('v1', 'Namespace', 'n'), 2, 'team-a')).toMatchObject({ namespace: undefined, path: '/api/clusters/alpha/resources/core/v1/namespaces/n' });
  });

  it('names what cannot be resolved', () => {
    expect(resolveTarget('alpha', catalog, id('example.com/v1', 'Gadget', 'g'), 4, 'x')).toEqual({ line: 4, message: 'Gadget (example.com/v1) is not a kind cluster alpha serves' });
    expect(resolveTarget('alpha', catalog, id('v1', 'Namespace', 'n', 'x'), 4, '')).toMatchObject({ message: expect.stringMatching(/cluster-scoped/) });
    expect(resolveTarget('alpha', catalog, id('v1', 'ConfigMap', 'c'), 4, ' ')).toMatchObject({ message: expect.stringMatching(/namespaced/) });
  });

  it('fills in the namespace and asks create and patch for a new object, patch for an existing one', () => {
    const target = resolveTarget('alpha', catalog, id('apps/v1', 'Deployment', 'web'), 1, 'team-a');
    if ('message' in target) throw new Error(target.message);
    expect(withNamespace({ kind: 'Deployment', metadata: { name: 'web' } }, target)).toEqual({ kind: 'Deployment', metadata: { name: 'web', namespace: 'team-a' } });
    const patch = { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'team-a', name: 'web' };
    expect(accessChecks(target, false)).toEqual([{ verb: 'create', group: 'apps', resource: 'deployments', namespace: 'team-a', name: '' }, patch]);
    expect(accessChecks(target, true)).toEqual([patch]);
  });
});

describe('the preview diff', () => {
  it('keeps common lines and marks removed and added ones in order', () => {
    const lines = lineDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n');
    expect(lines.map((l) => `${l.op}${l.text}`)).toEqual([' a', '-b', '+B', ' c', ' d', '+e']);
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
  });

  it('treats a new object as all additions and equal texts as no change', () => {
    expect(lineDiff('', 'x\ny').map((l) => l.op)).toEqual(['+', '+']);
    expect(diffStats(lineDiff('x\ny\n', 'x\ny\n'))).toEqual({ added: 0, removed: 0 });
  });
});
