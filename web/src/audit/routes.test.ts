/// <reference types="node" />
// The verb list is checked against the docs, read from the repository (vite serves only web/).
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import type { JsonValue } from '../api/types.gen';
import { auditRoute, diffChanges, diffOf, objectRoute, recordingRoute } from './routes';
import { AUDIT_VERBS } from './verbs';

describe('audit links', () => {
  it('links the page with filters', () => {
    expect(auditRoute()).toBe('/audit');
    expect(auditRoute({ actor: 'kate', verb: 'scale' })).toBe('/audit?actor=kate&verb=scale');
  });

  it('links an event to the object it touched', () => {
    expect(objectRoute({ cluster: 'alpha', resource: { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'team-a', name: 'web' } })).toBe(
      '/clusters/alpha/r/apps/v1/deployments/team-a/web',
    );
    expect(objectRoute({ cluster: 'alpha', resource: { version: 'v1', resource: 'nodes', name: 'n1' } })).toBe('/clusters/alpha/r/core/v1/nodes/_/n1');
    expect(objectRoute({ cluster: 'alpha', resource: { resource: 'helmreleases', namespace: 'apps', name: 'hello' } })).toBe('/clusters/alpha/helm/apps/hello');
    expect(objectRoute({ cluster: null, resource: { version: 'v1', resource: 'pods', name: 'p' } })).toBeNull();
    expect(objectRoute({ cluster: 'alpha', resource: { resource: 'agents', name: 'beta' } })).toBeNull();
  });

  it('links an exec event to its recording, and finds an apply diff', () => {
    expect(recordingRoute({ session_id: 'x1', recording: { id: 'x1', bytes: 3, truncated: false } })).toBe('/exec/recordings/x1');
    expect(recordingRoute({ session_id: 'x2' })).toBe('/exec/recordings/x2');
    expect(recordingRoute({ recording: null })).toBeNull();
    expect(recordingRoute(null)).toBeNull();
    expect(diffOf({ diff: [{ path: 'spec.replicas', before: 1, after: 3 }] })).toEqual([{ path: 'spec.replicas', before: 1, after: 3 }]);
    expect(diffOf({ replicas: 3 })).toBeNull();
  });

  it('reads the changes an apply kept, defensively', () => {
    const diff: JsonValue = { changes: [{ path: 'spec.replicas', kind: 'modify', before: 2, after: 5 }, { path: 'metadata.labels.app', kind: 'add', after: 'web' }, { nonsense: 1 }], truncated: 3 };
    expect(diffChanges(diff)).toEqual({
      changes: [
        { path: 'spec.replicas', kind: 'modify', before: 2, after: 5 },
        { path: 'metadata.labels.app', kind: 'add', before: undefined, after: 'web' },
      ],
      truncated: 3,
    });
    expect(diffChanges([{ path: 'x' }])).toBeNull();
    expect(diffChanges(null)).toBeNull();
  });

  it('offers exactly the verbs docs/audit.md lists', () => {
    const auditDoc = readFileSync(`${import.meta.dirname}/../../../docs/audit.md`, 'utf8');
    const table = auditDoc.slice(auditDoc.indexOf('## Verbs'), auditDoc.indexOf('## How rows are written'));
    const documented = [...table.matchAll(/^\| (`[^|]+`) \|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([^`]+)`/g)].map((v) => v[1]));
    expect([...AUDIT_VERBS].sort()).toEqual(documented.sort());
  });
});
