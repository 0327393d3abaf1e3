// The audit page's view from its URL, and how controls change it (each change is a history
// entry, so Back steps through filters, zooms and opened events).

import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import { type AuditView, readView, rowsKeyOf, writeView } from './filters';

export interface ViewState {
  view: AuditView;
  /** The URL query of the rows shown: filters and range, not the live switch or the open event. */
  rowsKey: string;
  setView: (next: AuditView) => void;
}

export function useAuditView(): ViewState {
  const [search, setSearch] = useSearchParams();
  const text = search.toString();
  const view = useMemo(() => readView(new URLSearchParams(text)), [text]);
  const rowsKey = useMemo(() => rowsKeyOf(view), [view]);
  const setView = useCallback((next: AuditView) => setSearch(writeView(next)), [setSearch]);
  return { view, rowsKey, setView };
}
