import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';

import { getJson } from '../api/client';
import type { SearchAnswer, SearchHit } from '../api/types';
import { detailRoute } from '../lib/resources';
import { ErrorBox } from './ErrorBox';

function useDebounced(value: string, ms: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

function hitRoute(hit: SearchHit): string {
  return detailRoute(hit.cluster, { group: hit.group, version: hit.version, resource: hit.resource }, hit.namespace, hit.name);
}

/** Cmd/Ctrl+K: jump to an object by name in this cluster (or the whole fleet). */
export function Palette({ cluster, onClose }: { cluster: string | undefined; onClose: () => void }) {
  const [text, setText] = useState('');
  const [selected, setSelected] = useState(0);
  const q = useDebounced(text.trim(), 150);
  const navigate = useNavigate();
  const url = cluster
    ? `/api/clusters/${encodeURIComponent(cluster)}/search?q=${encodeURIComponent(q)}&limit=20`
    : `/api/search?q=${encodeURIComponent(q)}&limit=20`;
  const search = useQuery({
    queryKey: ['search', cluster, q],
    enabled: q.length > 0,
    queryFn: ({ signal }) => getJson<SearchAnswer>(url, signal),
  });
  const hits = search.data?.results ?? [];

  const open = (hit: SearchHit | undefined) => {
    if (!hit) return;
    navigate(hitRoute(hit));
    onClose();
  };

  return (
    <div className="fixed inset-0 z-50 flex justify-center bg-black/30 pt-24" onClick={onClose}>
      <div
        role="dialog"
        aria-label="Search"
        className="h-fit w-[36rem] rounded-lg bg-white shadow-xl dark:bg-slate-900"
        onClick={(e) => e.stopPropagation()}
      >
        <input
          autoFocus
          id="palette-input"
          className="w-full rounded-t-lg border-b border-slate-200 bg-transparent px-4 py-3 outline-none dark:border-slate-700"
          placeholder={cluster ? `Find by name in ${cluster}…` : 'Find by name in every cluster…'}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setSelected(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            if (e.key === 'ArrowDown') setSelected((s) => Math.min(s + 1, hits.length - 1));
            if (e.key === 'ArrowUp') setSelected((s) => Math.max(s - 1, 0));
            if (e.key === 'Enter') open(hits[selected]);
          }}
        />
        {search.isError && <ErrorBox error={search.error} />}
        <ul className="max-h-96 overflow-y-auto py-1" id="palette-results">
          {hits.map((hit, i) => (
            <li key={`${hit.cluster}/${hit.resource}/${hit.namespace ?? ''}/${hit.name}`}>
              <button
                type="button"
                onClick={() => open(hit)}
                className={`flex w-full gap-3 px-4 py-1.5 text-left text-sm ${i === selected ? 'bg-blue-100 dark:bg-blue-900' : ''}`}
              >
                <span className="w-28 shrink-0 text-slate-500">{hit.kind}</span>
                <span className="flex-1 truncate font-medium">{hit.name}</span>
                <span className="text-slate-500">{hit.namespace ?? ''}</span>
              </button>
            </li>
          ))}
          {q && search.isSuccess && hits.length === 0 && <li className="px-4 py-2 text-sm text-slate-500">Nothing matches “{q}”.</li>}
        </ul>
      </div>
    </div>
  );
}
