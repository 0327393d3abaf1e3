import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';

import { useKinds } from '../../api/hooks';
import { queryKeys } from '../../api/queryKeys';
import type { Row } from '../../api/types.gen';
import { ErrorBox } from '../../components/ErrorBox';
import type { KindEntry } from '../../lib/kinds';
import { detailRoute, objectPath } from '../../lib/resources';
import { Describe } from '../detail/Describe';
import { objectQuery, readRowAhead } from './objectRead';

/**
 * The split layout's detail: the highlighted row's describe view, beside the list. It reads the
 * object again whenever the live list changes its row, and, once the row's own read has answered,
 * reads its neighbours ahead so j/k shows them at once (before, they would only compete with it).
 */
export default function ObjectPane({ cluster, entry, row, neighbours, from }: { cluster: string; entry: KindEntry; row: Row | undefined; neighbours: (Row | undefined)[]; from: string }) {
  const kinds = useKinds(cluster);
  const queryClient = useQueryClient();
  const path = row ? objectPath(cluster, entry, row.namespace, row.name) : '';
  const object = useQuery({ ...objectQuery(path), enabled: row !== undefined });
  // The live list changed this row: its object changed too.
  const seen = useRef<{ path: string; text: string } | null>(null);
  const rowText = row ? JSON.stringify(row) : '';
  useEffect(() => {
    const previous = seen.current;
    seen.current = { path, text: rowText };
    if (previous && previous.path === path && previous.text !== rowText) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.objectPart(path, 'detail') });
    }
  }, [rowText, path, queryClient]);
  const answered = object.data !== undefined || object.isError;
  useEffect(() => {
    if (!answered) return;
    for (const n of neighbours) {
      if (n) readRowAhead(queryClient, cluster, entry, n);
    }
  }, [answered, neighbours, cluster, entry, queryClient]);

  if (!row) {
    return (
      <p className="p-4 text-sm text-slate-500" id="split-empty">
        Highlight a row (j/k or a click) to see its details here.
      </p>
    );
  }
  return (
    <div className="p-4" id="split-detail" data-name={row.name} data-state={object.data ? 'loaded' : 'loading'}>
      <div className="mb-3 flex items-baseline gap-3">
        <h2 className="truncate text-lg font-semibold" id="split-name">{row.name}</h2>
        {row.namespace && <span className="text-xs text-slate-500">{row.namespace}</span>}
        <span className="flex-1" />
        <Link className="text-sm text-blue-700 hover:underline dark:text-blue-300" id="split-full-page" to={detailRoute(cluster, entry, row.namespace, row.name)} state={{ from }}>
          Full page ↗
        </Link>
      </div>
      {object.isError && <ErrorBox error={object.error} />}
      {object.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {object.data && (
        <Describe cluster={cluster} group={entry.group} resource={entry.resource} path={path} object={object.data} catalog={kinds.entries} />
      )}
    </div>
  );
}
