import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '../api/client';
import { toEntries } from '../lib/kinds';
import { kindList } from '../test/kinds';
import { applyRow, checkRows, planRows, resultOf, toFailure } from './run';

const catalog = toEntries(kindList().kinds);

/** A fetch that answers by method and path, and records what was asked. */
function server(answer: (method: string, path: string, body: unknown) => [number, unknown]) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const u = new URL(url, 'http://x');
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: u.pathname + u.search, body });
      const [status, json] = answer(method, u.pathname + u.search, body);
      return new Response(JSON.stringify(json), { status });
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

const DOCS = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\ndata: {k: "2"}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: new}\n';

describe('the checks before applying', () => {
  it('reads each object, asks can-i (patch; create and patch when new), dry-runs and diffs against live', async () => {
    const calls = server((method, path) => {
      if (method === 'GET' && path.endsWith('/configmaps/a/old')) return [200, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: 'a', uid: 'u' }, data: { k: '1' } }];
      if (method === 'GET') return [404, { code: 'E_NOT_FOUND', message: 'not found' }];
      if (path.endsWith('/can-i')) return [200, { results: [{ allowed: true, reason: null }, { allowed: true, reason: null }, { allowed: false, reason: 'denied', message: 'no patch' }] }];
      if (path.includes('configmaps')) return [200, { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: 'a', resourceVersion: '9' }, data: { k: '2' } }, dryRun: true }];
      return [403, { code: 'E_FORBIDDEN', message: 'services "new" is forbidden' }];
    });
    const rows = planRows(DOCS, 'alpha', catalog, 'a');
    await checkRows('alpha', rows, () => undefined);

    const canI = calls.find((c) => c.path.endsWith('/can-i'));
    expect((canI?.body as { checks: { verb: string; resource: string }[] }).checks.map((c) => `${c.verb} ${c.resource}`)).toEqual(['patch configmaps', 'create services', 'patch services']);
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
      '/api/clusters/alpha/resources/core/v1/configmaps/a/old?dryRun=true',
      '/api/clusters/alpha/resources/core/v1/services/a/new?dryRun=true',
    ]);
    expect(rows[0]).toMatchObject({ exists: true, access: { allowed: true } });
    const diff = rows[0]?.preview && 'diff' in rows[0].preview ? rows[0].preview.diff.filter((l) => l.op !== ' ') : [];
    expect(diff).toEqual([
      { op: '-', text: '  k: "1"' },
      { op: '+', text: '  k: "2"' },
    ]);
    expect(rows[1]).toMatchObject({ exists: false, access: { allowed: false, message: 'no patch' }, preview: { failure: { status: 403, code: 'E_FORBIDDEN' } } });
  });

  it('asks can-i in batches of at most 64 checks, never splitting a document', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`).join('---\n');
    const sizes: number[] = [];
    server((method, path, body) => {
      if (path.endsWith('/can-i')) {
        const n = (body as { checks: unknown[] }).checks.length;
        sizes.push(n);
        return [200, { results: Array.from({ length: n }, () => ({ allowed: true, reason: null })) }];
      }
      if (method === 'GET') return [404, { code: 'E_NOT_FOUND', message: 'nope' }];
      return [200, { object: {}, dryRun: true }];
    });
    const rows = planRows(text, 'alpha', catalog, 'a');
    await checkRows('alpha', rows, () => undefined);
    expect(sizes).toEqual([64, 16]);
    expect(rows.every((r) => r.access?.allowed)).toBe(true);
  });
});

describe('applying', () => {
  it('sends the document with its namespace filled in, forced when asked', async () => {
    const calls = server(() => [200, { object: { kind: 'ConfigMap' }, dryRun: false }]);
    const [row] = planRows('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', 'alpha', catalog, 'team-a');
    if (!row) throw new Error('no row');
    row.exists = false;
    expect(await applyRow(row, true)).toEqual({ state: 'applied', created: true, forced: true });
    expect(calls[0]).toMatchObject({ method: 'PATCH', path: '/api/clusters/alpha/resources/core/v1/configmaps/team-a/x?force=true', body: { metadata: { name: 'x', namespace: 'team-a' } } });
  });

  it('tells refusals, conflicts and failures apart, keeping the conflicting fields', () => {
    const conflict = toFailure(new ApiError(409, 'E_CONFLICT', 'Apply failed', { conflicts: [{ field: '.data.k', manager: 'flux', class: 'gitops', label: 'GitOps (Flux)', consequence: 'reverted at the next sync' }, 'junk'] }));
    expect(conflict.conflicts).toEqual([{ field: '.data.k', manager: 'flux', message: undefined, label: 'GitOps (Flux)', consequence: 'reverted at the next sync' }]);
    expect(resultOf(conflict).state).toBe('conflict');
    expect(resultOf(toFailure(new ApiError(403, 'E_FORBIDDEN', 'no'))).state).toBe('refused');
    expect(resultOf(toFailure(new ApiError(422, 'E_INVALID', 'bad'))).state).toBe('failed');
    expect(toFailure(new TypeError('Failed to fetch'))).toMatchObject({ status: 0, code: 'E_NETWORK', message: 'Failed to fetch' });
  });

  it('plans nothing to send for a broken document', () => {
    const rows = planRows('kind: A\nkind: B\n---\napiVersion: v1\nkind: Gadget\nmetadata: {name: g}\n', 'alpha', catalog, 'a');
    expect(rows.map((r) => [r.problem?.line, r.target, r.body])).toEqual([
      [2, undefined, undefined],
      [4, undefined, undefined],
    ]);
  });
});
