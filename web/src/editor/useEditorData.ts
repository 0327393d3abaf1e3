// What the editor opens with: the object's YAML (read fresh, never from the query cache: a
// Secret's is an audited reveal), its field managers, and the kind's schema.

import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';

import { api, editorApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { kindSchema, openapiPath } from './schema';
import { toMeta, type FieldManager } from './types';

/** The object as opened. */
export interface Opened {
  text: string;
  managers: FieldManager[];
}

export function useOpened(path: string): { opened?: Opened; error?: unknown; reload: () => Promise<Opened> } {
  const [state, setState] = useState<{ opened?: Opened; error?: unknown }>({});
  const load = useCallback(async (signal?: AbortSignal) => {
    const [text, meta] = await Promise.all([
      api.yaml(path, signal),
      // Without managers the editor still edits; only the glyphs are missing.
      editorApi.meta(path, signal).then(toMeta, () => toMeta({})),
    ]);
    return { text, managers: meta.managers };
  }, [path]);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (opened) => setState({ opened }),
      (error: unknown) => !controller.signal.aborted && setState({ error }),
    );
    return () => controller.abort();
  }, [load]);
  const reload = useCallback(async () => {
    const opened = await load();
    setState({ opened });
    return opened;
  }, [load]);
  return { ...state, reload };
}

/** The kind's schema: `loading`, `ready` (with it), or `missing` (no schema for this kind). */
export function useKindSchema(cluster: string, apiVersion: string, kind: string) {
  const apiPath = openapiPath(apiVersion);
  const doc = useQuery({
    queryKey: queryKeys.openapi(cluster, apiPath),
    queryFn: ({ signal }) => editorApi.openapi(cluster, apiPath, signal),
    staleTime: 10 * 60_000,
    retry: false,
  });
  const schema = useMemo(() => (doc.data === undefined ? undefined : kindSchema(doc.data, apiVersion, kind)), [doc.data, apiVersion, kind]);
  if (doc.isPending) return { status: 'loading' as const };
  return schema ? { status: 'ready' as const, schema } : { status: 'missing' as const, error: doc.error };
}
