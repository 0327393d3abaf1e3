// Which rows of a list are ticked (for bulk YAML download): kept by row key, at most
// MAX_SELECTED, dropped when the list shows another kind. Pure helpers plus one hook.

import { useCallback, useState } from 'react';

/** The most objects one bulk download takes (the server refuses more). */
export const MAX_SELECTED = 100;

/** `key` ticked or unticked; refused (same set) when ticking past the cap. */
export function toggled(selected: ReadonlySet<string>, key: string): ReadonlySet<string> {
  const next = new Set(selected);
  if (next.has(key)) next.delete(key);
  else if (next.size < MAX_SELECTED) next.add(key);
  else return selected;
  return next;
}

/** Ticks `keys` in order until the cap (the header box: "all loaded, up to 100"). */
export function withAll(selected: ReadonlySet<string>, keys: string[]): ReadonlySet<string> {
  const next = new Set(selected);
  for (const key of keys) {
    if (next.size >= MAX_SELECTED) break;
    next.add(key);
  }
  return next;
}

/** A row key (`namespace/name`, `/name` when cluster-scoped) as namespace and name. */
export function parseKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash) || undefined, name: key.slice(slash + 1) };
}

/** The selection of the list at `view` (its path): a new kind or namespace path starts empty. */
export function useSelection(view: string) {
  const [state, setState] = useState<{ view: string; keys: ReadonlySet<string> }>({ view, keys: new Set() });
  const keys = state.view === view ? state.keys : new Set<string>();
  const update = useCallback((change: (keys: ReadonlySet<string>) => ReadonlySet<string>) => setState((s) => ({ view, keys: change(s.view === view ? s.keys : new Set()) })), [view]);
  const toggle = useCallback((key: string) => update((k) => toggled(k, key)), [update]);
  const selectAll = useCallback((all: string[]) => update((k) => withAll(k, all)), [update]);
  const clear = useCallback(() => update(() => new Set()), [update]);
  return { keys, toggle, selectAll, clear };
}
