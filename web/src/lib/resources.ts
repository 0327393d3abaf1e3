// URLs of the generic resource API and of the console's own pages.

export interface KindRef {
  /** `core` for the core group, as in API paths. */
  group: string;
  version: string;
  resource: string;
}

export interface ListParams {
  namespace?: string;
  q?: string;
  labelSelector?: string;
  /** Served by the apiserver (never from the live store): `spec.nodeName=n1`. */
  fieldSelector?: string;
  sort?: string;
  limit?: number;
  continue?: string;
}

const seg = encodeURIComponent;

export function apiGroup(group: string): string {
  return group === '' ? 'core' : group;
}

export function resourcePath(cluster: string, ref: KindRef): string {
  return `/api/clusters/${seg(cluster)}/resources/${seg(apiGroup(ref.group))}/${seg(ref.version)}/${seg(ref.resource)}`;
}

/** The object URL; `namespace` empty or undefined for cluster-scoped objects. */
export function objectPath(cluster: string, ref: KindRef, namespace: string | undefined, name: string): string {
  const ns = namespace ? `/${seg(namespace)}` : '';
  return `${resourcePath(cluster, ref)}${ns}/${seg(name)}`;
}

/** The list query string (with `?`), omitting empty parameters; order is stable. */
export function listQuery(params: ListParams): string {
  const search = new URLSearchParams();
  const add = (key: string, value: string | number | undefined) => {
    if (value === undefined) return;
    const text = String(value).trim();
    if (text !== '') search.set(key, text);
  };
  add('namespace', params.namespace);
  add('labelSelector', params.labelSelector);
  add('fieldSelector', params.fieldSelector);
  add('q', params.q);
  add('sort', params.sort);
  add('limit', params.limit);
  add('continue', params.continue);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Clicking a column header: ascending, then descending, then the server's default order. */
export function nextSort(current: string | undefined, key: string): string | undefined {
  if (current === key) return `-${key}`;
  if (current === `-${key}`) return undefined;
  return key;
}

/** The direction `sort` gives column `key`, if any. */
export function sortDirection(sort: string | undefined, key: string): 'asc' | 'desc' | null {
  if (sort === key) return 'asc';
  if (sort === `-${key}`) return 'desc';
  return null;
}

/** Console page of a kind's list. */
export function listRoute(cluster: string, ref: KindRef): string {
  return `/clusters/${seg(cluster)}/r/${seg(apiGroup(ref.group))}/${seg(ref.version)}/${seg(ref.resource)}`;
}

/** Console page of one object; cluster-scoped objects use `_` for the namespace. */
export function detailRoute(cluster: string, ref: KindRef, namespace: string | undefined, name: string): string {
  return `${listRoute(cluster, ref)}/${seg(namespace || '_')}/${seg(name)}`;
}
