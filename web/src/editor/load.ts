// What opening the editor reads, started by the click itself (web/src/editor/EditButton.tsx),
// so the requests run while the editor's code is still loading. In the initial JavaScript:
// kept to the requests (decoding is the editor's, in its own chunk).

import type { QueryClient } from '@tanstack/react-query';

import { api, editorApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';

/** The OpenAPI v3 path of an `apiVersion`: `v1` → `api/v1`, `apps/v1` → `apis/apps/v1`. */
export function openapiPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `apis/${apiVersion}` : `api/${apiVersion}`;
}

/** The object as read: its YAML and `GET {obj}/meta` (undefined when that failed). */
export interface RawOpened {
  text: string;
  meta: unknown;
}

/** The object's YAML (fresh: a Secret's is an audited reveal) and its `/meta`. */
export async function loadOpened(path: string, signal?: AbortSignal): Promise<RawOpened> {
  const [text, meta] = await Promise.all([
    api.yaml(path, signal),
    // Without managers the editor still edits; only the glyphs are missing.
    editorApi.meta(path, signal).catch(() => undefined),
  ]);
  return { text, meta };
}

/** The kind's OpenAPI document as a query (cached per cluster and group/version). */
export function openapiQuery(cluster: string, apiVersion: string) {
  const apiPath = openapiPath(apiVersion);
  return {
    queryKey: queryKeys.openapi(cluster, apiPath),
    queryFn: ({ signal }: { signal: AbortSignal }) => editorApi.openapi(cluster, apiPath, signal),
    staleTime: 10 * 60_000,
    retry: false,
  };
}

/** Starts the editor's reads; the overlay takes the object's from the returned promise. */
export function preload(queryClient: QueryClient, cluster: string, path: string, apiVersion: string): Promise<RawOpened> {
  void queryClient.prefetchQuery(openapiQuery(cluster, apiVersion));
  const opened = loadOpened(path);
  // Read by the overlay; a failure is shown there.
  opened.catch(() => undefined);
  return opened;
}
