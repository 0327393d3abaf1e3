// What the editor opens with: the object's YAML (read fresh, never from the query cache: a
// Secret's is an audited reveal), its field managers (load.ts), and the kind's schema.

import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { loadOpened, openapiQuery, type RawOpened } from './load';
import { kindSchema } from './schema';
import { toMeta, type FieldManager } from './types';

/** The object as opened. */
export interface Opened {
  text: string;
  managers: FieldManager[];
}

const decode = (raw: RawOpened): Opened => ({ text: raw.text, managers: toMeta(raw.meta ?? {}).managers });

/** The object as opened: first from `first` (the click's own read), then read again on `reload`. */
export function useOpened(path: string, first?: Promise<RawOpened>): { opened?: Opened; error?: unknown; reload: () => Promise<Opened> } {
  const [state, setState] = useState<{ opened?: Opened; error?: unknown }>({});
  const firstRead = useRef(first);
  const load = useCallback((signal?: AbortSignal) => loadOpened(path, signal).then(decode), [path]);
  useEffect(() => {
    const controller = new AbortController();
    const pending = firstRead.current?.then(decode) ?? load(controller.signal);
    firstRead.current = undefined;
    pending.then(
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
  const doc = useQuery(openapiQuery(cluster, apiVersion));
  const schema = useMemo(() => (doc.data === undefined ? undefined : kindSchema(doc.data, apiVersion, kind)), [doc.data, apiVersion, kind]);
  if (doc.isPending) return { status: 'loading' as const };
  return schema ? { status: 'ready' as const, schema } : { status: 'missing' as const, error: doc.error };
}
