import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { stripObject, stripYaml } from '../lib/serverFields';
import { fileName, fileText, mapPool } from './file';

const LIVE = `apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{}'
  creationTimestamp: "2026-11-30T10:00:00Z"
  labels:
    app: web # kept
  managedFields:
  - manager: kubectl
  name: settings
  namespace: team-a
  resourceVersion: "42"
  uid: 1234
data:
  a: "1"
status:
  phase: x
`;

describe('stripping server fields', () => {
  it('drops bookkeeping, tool annotations and status from YAML text, keeping the rest as written', () => {
    const out = stripYaml(LIVE);
    expect(out).toBe(`apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    app: web # kept
  name: settings
  namespace: team-a
data:
  a: "1"
`);
  });

  it('copes with objects without annotations or metadata', () => {
    expect(stripYaml('apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  uid: u\ndata:\n  p: aA==\n')).toBe('apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  p: aA==\n');
    expect(stripYaml('kind: X\nstatus: {}\n')).toBe('kind: X\n');
  });

  it('leaves text it cannot parse alone', () => {
    expect(stripYaml('a: [1,\n')).toBe('a: [1,\n');
  });

  it('does the same to objects', () => {
    expect(stripObject({ kind: 'X', metadata: { name: 'x', uid: 'u', generation: 2, annotations: { keep: '1', 'deployment.kubernetes.io/revision': '3' } }, status: {} })).toEqual({
      kind: 'X',
      metadata: { name: 'x', annotations: { keep: '1' } },
    });
  });
});

describe('the download file', () => {
  const header = { cluster: 'alpha', kind: 'configmaps', at: '2026-11-30T21:00:00Z' };

  it('lists failures as comments up front and each object as a document', () => {
    const text = fileText(header, [
      { id: 'a/one', yaml: 'kind: ConfigMap\nmetadata: {name: one}\n' },
      { id: 'a/two', error: 'forbidden:\nno' },
      { id: 'a/three', yaml: 'kind: ConfigMap\nmetadata: {name: three}' },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('# 2 of 3 configmaps from cluster alpha, 2026-11-30T21:00:00Z');
    expect(lines[1]).toBe('# FAILED: a/two: forbidden: no');
    const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
    expect(docs.map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual(['one', 'three']);
  });

  it('is named after the kind and the count', () => {
    expect(fileName('configmaps', 20)).toBe('configmaps-20.yaml');
    expect(fileName('a/b', 1)).toBe('a_b-1.yaml');
  });

  it('reads with at most `limit` at once, in order', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const out = await mapPool(
      Array.from({ length: 20 }, (_, i) => i),
      6,
      async (i) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        running--;
        return i * 2;
      },
      (done) => seen.push(done),
    );
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(most).toBe(6);
    expect(seen.at(-1)).toBe(20);
  });
});
