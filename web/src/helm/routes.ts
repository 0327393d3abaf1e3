// Console URLs of the Helm section, and the release page's URL state.

const seg = encodeURIComponent;

/** The Helm release list of a cluster (optionally in one namespace). */
export function helmListRoute(cluster: string, namespace?: string): string {
  return `/clusters/${seg(cluster)}/helm${namespace ? `?namespace=${seg(namespace)}` : ''}`;
}

/** A release page (`tab`: one of RELEASE_TABS; the default tab has no parameter). */
export function releaseRoute(cluster: string, namespace: string, name: string, tab?: ReleaseTab): string {
  const base = `/clusters/${seg(cluster)}/helm/${seg(namespace)}/${seg(name)}`;
  return tab && tab !== 'values' ? `${base}?tab=${tab}` : base;
}

export const RELEASE_TABS = ['values', 'manifest', 'notes', 'resources', 'history', 'drift'] as const;
export type ReleaseTab = (typeof RELEASE_TABS)[number];

/** The release page's state in its URL: tab, computed values, and the two compared revisions. */
export interface ReleaseView {
  tab: ReleaseTab;
  /** Values tab: the computed values instead of the supplied ones. */
  computed: boolean;
  /** History tab: the revisions compared (both, or none). */
  compare: { from: number; to: number } | null;
}

const revision = (text: string | null) => {
  const n = Number(text);
  return text && Number.isInteger(n) && n > 0 ? n : null;
};

export function readView(search: URLSearchParams): ReleaseView {
  const tab = RELEASE_TABS.find((t) => t === search.get('tab')) ?? 'values';
  const from = revision(search.get('from'));
  const to = revision(search.get('to'));
  return { tab, computed: search.get('values') === 'computed', compare: from !== null && to !== null ? { from, to } : null };
}

/** The query of `view` (defaults left out, so the plain page URL is the default view). */
export function writeView(view: ReleaseView): URLSearchParams {
  const out = new URLSearchParams();
  if (view.tab !== 'values') out.set('tab', view.tab);
  if (view.computed) out.set('values', 'computed');
  if (view.compare) {
    out.set('from', String(view.compare.from));
    out.set('to', String(view.compare.to));
  }
  return out;
}
