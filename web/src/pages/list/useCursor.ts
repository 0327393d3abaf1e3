import type { Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { usePageKeys } from '../../components/pageKeys';

/** The highlighted row of each list view this tab has shown (so Back returns to it). */
const cursors = new Map<string, string>();
const CURSORS_KEPT = 200;

function rememberCursor(view: string, key: string): void {
  cursors.delete(view);
  cursors.set(view, key);
  const oldest = cursors.keys().next().value;
  if (cursors.size > CURSORS_KEPT && oldest !== undefined) cursors.delete(oldest);
}

interface Cursor {
  key: string;
  /** Where it was, for when that row goes away. */
  index: number;
}

/** How a list names its rows, and what Esc does before it drops the highlight. */
export interface CursorOptions<T> {
  /** A row's stable key (`rowKey` for Kubernetes rows). */
  keyOf: (row: T) => string;
  /** Runs first on Esc; returns whether it used the key (e.g. closed a side panel). */
  onClear?: () => boolean;
  /** `v`: shows or hides the detail pane beside the list; returns whether the list has one. */
  onSplit?: () => boolean;
}

/**
 * The highlighted row of the list view `view` (its URL): j/k/arrows move it, Enter opens it
 * (`open`), `x` ticks it (`select`), `v` toggles the detail pane (`onSplit`), Esc drops it. Kept by row key so live inserts do not move it, remembered per view
 * for this tab (Back from a detail page returns to it), and scrolled into view.
 */
export function useCursor<T>(
  view: string,
  rows: T[],
  virtual: Virtualizer<HTMLDivElement, Element>,
  open: (row: T) => void,
  select: (row: T) => void,
  { keyOf: rowKey, onClear, onSplit }: CursorOptions<T>,
) {
  const [cursor, setCursor] = useState<Cursor | null>(() => {
    const key = cursors.get(view);
    return key ? { key, index: 0 } : null;
  });
  // Rendered on every scroll frame of up to 50k rows: look where the row was first.
  const cursorIndex = useMemo(() => {
    if (cursor === null || rows.length === 0) return -1;
    const at = rows[cursor.index];
    if (at && rowKey(at) === cursor.key) return cursor.index;
    const found = rows.findIndex((r) => rowKey(r) === cursor.key);
    return found >= 0 ? found : Math.min(cursor.index, rows.length - 1);
  }, [rows, cursor, rowKey]);
  // A highlight restored on coming back (Back from a detail page) is scrolled to once its row loads.
  const restore = useRef(cursor?.key ?? null);
  useEffect(() => {
    if (restore.current === null) return;
    const index = rows.findIndex((r) => rowKey(r) === restore.current);
    if (index < 0) return;
    restore.current = null;
    virtual.scrollToIndex(index, { align: 'center' });
  }, [rows, virtual, rowKey]);
  const [scrollTo, setScrollTo] = useState<{ index: number } | null>(null);
  useEffect(() => {
    if (scrollTo) virtual.scrollToIndex(scrollTo.index, { align: 'auto' });
  }, [scrollTo, virtual]);
  const moveTo = (index: number) => {
    const row = rows[index];
    if (!row) return;
    setCursor({ key: rowKey(row), index });
    rememberCursor(view, rowKey(row));
    setScrollTo({ index });
  };
  usePageKeys((key) => {
    if (key === 'clear') {
      if (onClear?.()) return true;
      if (cursor === null) return false;
      setCursor(null);
      cursors.delete(view);
      return true;
    }
    if (key === 'split') return onSplit?.() ?? false;
    if (rows.length === 0) return false;
    if (key === 'open' || key === 'select') {
      const row = rows[cursorIndex];
      if (!row) return false;
      (key === 'open' ? open : select)(row);
      return true;
    }
    const step = key === 'down' ? 1 : -1;
    moveTo(cursorIndex < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, cursorIndex + step)));
    return true;
  });
  // A stable click handler, so memoized rows do not re-render when `moveTo` is re-created.
  const moveToRef = useRef(moveTo);
  useEffect(() => {
    moveToRef.current = moveTo;
  });
  const pick = useCallback((index: number) => moveToRef.current(index), []);
  return { cursorIndex, highlighted: rows[cursorIndex], pick };
}
