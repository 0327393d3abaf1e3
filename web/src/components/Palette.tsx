import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useNavigate } from 'react-router';

import { api, type SearchScope as Scope } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import type { Hit as SearchHit } from '../api/types.gen';
import { matchActions, type PaletteAction, paletteActions, subscribePaletteActions } from '../lib/paletteActions';
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

type Item = { type: 'cluster'; name: string } | { type: 'hit'; hit: SearchHit } | { type: 'action'; action: PaletteAction };

function itemKey(item: Item): string {
  if (item.type === 'action') return `action:${item.action.id}`;
  if (item.type === 'cluster') return `cluster:${item.name}`;
  return `${item.hit.cluster}/${item.hit.resource}/${item.hit.namespace ?? ''}/${item.hit.name}`;
}

/**
 * Cmd/Ctrl+K: jump to an object by name in this cluster (Tab: every cluster; a name found in no
 * object here is looked up in the other clusters at once), or to a cluster by its name. On an
 * object's page it also lists that object's actions; picking one opens the button's dialog.
 * Actions available on every page (`globalActions`, e.g. Apply YAML) follow them.
 */
export function Palette(props: { cluster: string | undefined; inCluster: boolean; clusters: string[]; onClose: () => void; globalActions?: PaletteAction[] }) {
  const { cluster, inCluster, clusters, onClose, globalActions = [] } = props;
  const [text, setText] = useState('');
  const [selected, setSelected] = useState(0);
  const [scope, setScope] = useState<Scope>(inCluster && cluster ? 'cluster' : 'fleet');
  const q = useDebounced(text.trim(), 150);
  const navigate = useNavigate();
  const search = useQuery({
    queryKey: queryKeys.search(scope, scope === 'cluster' ? cluster : undefined, q),
    enabled: q.length > 0,
    queryFn: ({ signal }) => api.search(scope, cluster, q, signal),
  });
  // Nothing by that name here: ask the other clusters too.
  const fallback = scope === 'cluster' && search.isSuccess && search.data.results.length === 0 && clusters.length > 1;
  const elsewhere = useQuery({
    queryKey: queryKeys.search('fleet', undefined, q),
    enabled: fallback && q.length > 0,
    queryFn: ({ signal }) => api.search('fleet', undefined, q, signal),
  });
  const hits = (fallback ? (elsewhere.data?.results ?? []) : (search.data?.results ?? [])).filter((h) => !(fallback && h.cluster === cluster));
  const needle = q.toLowerCase();
  // The object's actions, then those available anywhere (Apply YAML).
  const actions = matchActions([...useSyncExternalStore(subscribePaletteActions, paletteActions), ...globalActions], text);
  const asItem = (action: PaletteAction): Item => ({ type: 'action', action });
  const items: Item[] = [
    ...actions.lead.map(asItem),
    ...clusters.filter((c) => needle && c.toLowerCase().includes(needle) && c !== cluster).map((name): Item => ({ type: 'cluster', name })),
    ...hits.map((hit): Item => ({ type: 'hit', hit })),
    ...actions.trail.map(asItem),
  ];
  const answered = fallback ? elsewhere : search;

  const open = (item: Item | undefined) => {
    if (!item) return;
    if (item.type === 'action') {
      if (item.action.disabledReason) return;
      onClose();
      item.action.run();
      return;
    }
    navigate(item.type === 'cluster' ? `/clusters/${encodeURIComponent(item.name)}` : hitRoute(item.hit));
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
        <div className="flex items-center border-b border-slate-200 dark:border-slate-700">
          <input
            autoFocus
            id="palette-input"
            className="flex-1 rounded-tl-lg bg-transparent px-4 py-3 outline-none"
            placeholder={scope === 'cluster' ? `Find by name in ${cluster}… (Tab: every cluster)` : 'Find by name in every cluster…'}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setSelected(0);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') onClose();
              if (e.key === 'ArrowDown') setSelected((s) => Math.min(s + 1, items.length - 1));
              if (e.key === 'ArrowUp') setSelected((s) => Math.max(s - 1, 0));
              if (e.key === 'Enter') open(items[selected]);
              if (e.key === 'Tab' && cluster) {
                e.preventDefault();
                setScope((s) => (s === 'cluster' ? 'fleet' : 'cluster'));
                setSelected(0);
              }
            }}
          />
          <button
            type="button"
            id="palette-scope"
            data-scope={scope}
            disabled={!cluster}
            title="Tab switches"
            className="mr-2 rounded border border-slate-300 px-2 py-0.5 text-xs text-slate-600 dark:border-slate-700 dark:text-slate-300"
            onClick={() => setScope((s) => (s === 'cluster' ? 'fleet' : 'cluster'))}
          >
            {scope === 'cluster' ? cluster : 'All clusters'}
          </button>
        </div>
        {answered.isError && <ErrorBox error={answered.error} />}
        {fallback && hits.length > 0 && <p className="px-4 pt-2 text-xs text-slate-500">Nothing in {cluster}; found in other clusters:</p>}
        <ul className="max-h-96 overflow-y-auto py-1" id="palette-results">
          {items.map((item, i) => (
            <li key={itemKey(item)}>
              <button
                type="button"
                onClick={() => open(item)}
                data-cluster={item.type === 'cluster' ? item.name : item.type === 'hit' ? item.hit.cluster : undefined}
                data-action={item.type === 'action' ? item.action.id : undefined}
                disabled={item.type === 'action' && item.action.disabledReason !== undefined}
                title={item.type === 'action' ? item.action.disabledReason : undefined}
                className={`flex w-full gap-3 px-4 py-1.5 text-left text-sm disabled:cursor-not-allowed disabled:opacity-50 ${i === selected ? 'bg-blue-100 dark:bg-blue-900' : ''}`}
              >
                {item.type === 'action' ? (
                  <>
                    <span className="w-28 shrink-0 text-slate-500">Action</span>
                    <span className={`flex-1 truncate font-medium ${item.action.danger ? 'text-red-700 dark:text-red-300' : ''}`}>{item.action.label}</span>
                    {item.action.disabledReason && <span className="truncate text-xs text-slate-500">{item.action.disabledReason}</span>}
                  </>
                ) : item.type === 'cluster' ? (
                  <>
                    <span className="w-28 shrink-0 text-slate-500">Cluster</span>
                    <span className="flex-1 truncate font-medium">{item.name}</span>
                    <span className="text-slate-500">overview</span>
                  </>
                ) : (
                  <>
                    <span className="w-28 shrink-0 text-slate-500">{item.hit.kind}</span>
                    <span className="flex-1 truncate font-medium">{item.hit.name}</span>
                    <span className="text-slate-500">
                      {item.hit.namespace ?? ''}
                      {(scope === 'fleet' || fallback) && <span className="ml-2 rounded bg-slate-200 px-1 text-xs dark:bg-slate-800">{item.hit.cluster}</span>}
                    </span>
                  </>
                )}
              </button>
            </li>
          ))}
          {q && answered.isSuccess && items.length === 0 && (
            <li className="px-4 py-2 text-sm text-slate-500">
              Nothing matches “{q}”{fallback || scope === 'fleet' ? ' in any cluster' : ''}.
            </li>
          )}
        </ul>
        {answered.data?.partial && <p className="px-4 pb-2 text-xs text-slate-500">Some kinds or clusters could not be searched (your role, or no answer in time).</p>}
      </div>
    </div>
  );
}
