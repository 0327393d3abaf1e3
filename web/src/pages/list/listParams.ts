import { useSearchParams } from 'react-router';

import type { ListParams } from '../../lib/resources';

/** List filters live in the URL so a view can be shared: the params, an updater, and the query string. */
export function useListParams(): [ListParams, (patch: Partial<ListParams>) => void, string] {
  const [search, setSearch] = useSearchParams();
  const params: ListParams = {
    namespace: search.get('namespace') ?? undefined,
    q: search.get('q') ?? undefined,
    labelSelector: search.get('labelSelector') ?? undefined,
    sort: search.get('sort') ?? undefined,
  };
  const update = (patch: Partial<ListParams>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, String(value));
    }
    setSearch(next, { replace: true });
  };
  return [params, update, search.toString()];
}
