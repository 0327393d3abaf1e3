import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { toEntries } from '../lib/kinds';
import { kindList } from '../test/kinds';
import { testRoot } from '../testRoot';
import BulkDownloadDialog from './BulkDownloadDialog';

const dom = testRoot();
const catalog = toEntries(kindList().kinds);
const entry = (resource: string) => {
  const found = catalog.find((e) => e.group === 'core' && e.resource === resource);
  if (!found) throw new Error(resource);
  return found;
};

let calls: { method: string; path: string; body?: unknown }[] = [];
let saved: { name: string; blob: Blob }[] = [];

/** Answers `/yaml` reads with `yaml(path)` (or hangs until aborted when it returns null) and the audit POST with `audit`. */
function stubServer(yaml: (path: string) => [number, string] | null, audit: number = 204) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      calls.push({ method, path: url, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
      if (method === 'POST') return new Response(audit === 204 ? null : JSON.stringify({ code: 'E_AUDIT_UNAVAILABLE', message: 'trail down' }), { status: audit });
      const answer = yaml(url);
      if (answer === null) {
        return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      }
      const [status, text] = answer;
      return new Response(status === 200 ? text : JSON.stringify({ code: 'E_FORBIDDEN', message: text }), { status });
    }),
  );
}

beforeEach(() => {
  calls = [];
  saved = [];
  let blob: Blob | undefined;
  vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
    blob = b as Blob;
    return 'blob:x';
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    if (blob) saved.push({ name: this.download, blob });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const settle = async () => {
  for (let i = 0; i < 10; i += 1) await act(async () => new Promise((r) => setTimeout(r, 0)));
};
const click = async (selector: string) => {
  const button = dom.container.ownerDocument.querySelector<HTMLButtonElement>(selector);
  expect(button).not.toBeNull();
  await act(async () => button?.click());
};

describe('bulk YAML download', () => {
  it('reads each object, lists what failed, records one row, then saves one file', async () => {
    stubServer((path) => (path.includes('/two/') ? [403, 'configmaps "two" is forbidden'] : [200, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  uid: u1\n  resourceVersion: "7"\ndata:\n  a: "1"\n']));
    act(() => dom.root.render(<BulkDownloadDialog cluster="alpha" entry={entry('configmaps')} keys={['a/one', 'a/two']} onClose={() => undefined} />));
    expect(dom.container.ownerDocument.querySelector('[role="dialog"]')?.getAttribute('aria-label')).toBe('Download 2 ConfigMap objects as YAML');
    expect(calls).toEqual([]);
    await click('#bulk-start');
    await settle();

    expect(calls.filter((c) => c.method === 'GET').map((c) => c.path).sort()).toEqual([
      '/api/clusters/alpha/resources/core/v1/configmaps/a/one/yaml',
      '/api/clusters/alpha/resources/core/v1/configmaps/a/two/yaml',
    ]);
    const audit = calls.find((c) => c.method === 'POST');
    expect(audit?.path).toBe('/api/clusters/alpha/audit/bulk-download');
    expect(audit?.body).toEqual({ kind: 'core/v1/configmaps', count: 2, ids: ['a/one', 'a/two'], outcome: 'failure', failureCount: 1 });
    expect(saved.map((s) => s.name)).toEqual(['configmaps-2.yaml']);
    const text = await saved[0]?.blob.text();
    expect(text).toContain('# FAILED: a/two: configmaps "two" is forbidden');
    expect(text).toContain('  name: one\ndata:\n  a: "1"\n');
    expect(text).not.toContain('uid');
    expect(dom.container.ownerDocument.querySelector('#bulk-done')?.getAttribute('data-failed')).toBe('1');
  });

  it('keeps server fields when asked to', async () => {
    stubServer(() => [200, 'kind: ConfigMap\nmetadata:\n  name: one\n  uid: u1\n']);
    act(() => dom.root.render(<BulkDownloadDialog cluster="alpha" entry={entry('configmaps')} keys={['a/one']} onClose={() => undefined} />));
    await click('#bulk-strip');
    await click('#bulk-start');
    await settle();
    expect(await saved[0]?.blob.text()).toContain('uid: u1');
  });

  it('reads no Secret before the reveal is confirmed', async () => {
    stubServer(() => [200, 'kind: Secret\nmetadata: {name: s}\ndata: {p: aA==}\n']);
    act(() => dom.root.render(<BulkDownloadDialog cluster="alpha" entry={entry('secrets')} keys={['a/s']} onClose={() => undefined} />));
    expect(dom.container.ownerDocument.querySelector('[role="dialog"]')?.getAttribute('aria-label')).toBe('Reveal and download 1 Secret?');
    expect(dom.container.ownerDocument.querySelector('#bulk-reveal-warning')).not.toBeNull();
    await settle();
    expect(calls).toEqual([]);
    await click('#bulk-start');
    await settle();
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST']);
    expect(saved).toHaveLength(1);
  });

  it('cancelling stops the reads and saves and records nothing', async () => {
    stubServer(() => null);
    const onClose = vi.fn();
    act(() => dom.root.render(<BulkDownloadDialog cluster="alpha" entry={entry('configmaps')} keys={Array.from({ length: 10 }, (_, i) => `a/c${i}`)} onClose={onClose} />));
    await click('#bulk-start');
    await settle();
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(6);
    await click('#bulk-cancel');
    await settle();
    expect(onClose).toHaveBeenCalled();
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(6);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    expect(saved).toEqual([]);
  });

  it('does not hand out a file the audit trail could not record', async () => {
    stubServer(() => [200, 'kind: ConfigMap\nmetadata: {name: one}\n'], 503);
    act(() => dom.root.render(<BulkDownloadDialog cluster="alpha" entry={entry('configmaps')} keys={['a/one']} onClose={() => undefined} />));
    await click('#bulk-start');
    await settle();
    expect(dom.container.ownerDocument.querySelector('#bulk-error')?.textContent).toContain('trail down');
    expect(saved).toEqual([]);
  });
});
