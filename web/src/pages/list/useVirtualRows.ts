import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';

import { HEADER_HEIGHT } from './ListTable';

/** How a paged query loads more (TanStack's infinite query). */
export interface MoreRows {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/**
 * The virtualizer of a table's `count` rows in `scroller`, below its sticky header; the next
 * page is fetched as the last loaded rows come into view.
 */
export function useVirtualRows(count: number, rowHeight: number, { hasNextPage, isFetchingNextPage, fetchNextPage }: MoreRows) {
  const scroller = useRef<HTMLDivElement>(null);
  // Rows sit below the sticky header: `scrollMargin` says so, and scrolling to a row keeps it
  // clear of the header (`scrollPaddingStart`). Its functions are read on every render (the
  // compiler skips the component); rows are memoized components of their own.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 20,
    // Let React batch scroll updates instead of flushing each one synchronously.
    useFlushSync: false,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= count - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, count]);
  return { scroller, virtual };
}
