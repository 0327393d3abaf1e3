import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

import { LogRow, ROW_HEIGHT } from './LogRow';
import type { LogLine } from './lines';
import type { LogStore } from './store';

/** A scroll the viewer asks for (a match, the newest line); `n` tells two asks for one line apart. */
export interface Jump {
  seq: number;
  n: number;
}

interface LogLinesProps {
  store: LogStore;
  /** Changes with every batch: the ring is read again. */
  version: number;
  timestamps: boolean;
  wrap: boolean;
  find: string;
  /** Keep the newest line in view (following); false: the user's place is kept. */
  pinned: boolean;
  onPinned: (pinned: boolean) => void;
  current: number | null;
  marked: number | null;
  jump: Jump | null;
  onCopyLink: (line: LogLine) => void;
  /** Reports the first line in view (where find starts looking). */
  onTop: (seq: number) => void;
}

/** How long after the user's own input a scroll counts as theirs. */
const USER_SCROLL_MS = 400;
/** Keys that scroll the lines when they have the focus. */
const SCROLL_KEYS = new Set(['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' ']);
/** Closer than this to the end counts as at the end. */
const END_SLACK_PX = 4;

/**
 * The lines, virtualized (only the rows in view are in the DOM; rows are measured, so wrapped
 * and pretty-printed ones take their height). While pinned, each batch scrolls to the newest
 * line. Scrolling up (the user's own scroll, not ours) unpins; scrolling back to the end pins
 * again. While unpinned, lines leaving the front of the ring do not move what is in view.
 */
export function LogLines(props: LogLinesProps) {
  const { store, version, timestamps, wrap, find, pinned, onPinned, current, marked, jump, onCopyLink, onTop } = props;
  const ring = store.ring;
  const count = ring.size;
  const first = ring.firstSeq;
  const scroller = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set());
  // Sizes are kept by line (seq), not by index: the key function changes only when the ring
  // moves, so the virtualizer's O(lines) layout is computed once per batch, not once per render.
  const getItemKey = useCallback((index: number) => first + index, [first]);
  // Its functions are read on every render (the compiler skips this component); rows are
  // memoized components of their own.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey,
    // Following, every batch replaces the rows in view: rows above it would be rendered for nothing.
    overscan: pinned ? 2 : 15,
    // Let React batch scroll updates instead of flushing each one synchronously.
    useFlushSync: false,
  });
  const total = virtual.getTotalSize();
  const items = virtual.getVirtualItems();

  // Rows are measured by their line, not their index: while following, every batch moves every
  // line's index, and rows keyed by index would all render again; this way only new rows do.
  const firstSeen = useRef(first);
  useLayoutEffect(() => {
    firstSeen.current = first;
  }, [first]);
  const [observer] = useState(() =>
    typeof ResizeObserver === 'undefined'
      ? null
      : new ResizeObserver((entries) => {
          for (const entry of entries) {
            const row = entry.target as HTMLElement;
            const index = Number(row.dataset.seq) - firstSeen.current;
            const size = Math.round(entry.borderBoxSize[0]?.blockSize ?? row.offsetHeight);
            if (index >= 0 && index < virtual.options.count) virtual.resizeItem(index, size);
          }
        }),
  );
  useEffect(() => () => observer?.disconnect(), [observer]);
  const measure = useCallback(
    (row: HTMLDivElement | null) => {
      if (!row || !observer) return;
      observer.observe(row);
      return () => observer.unobserve(row);
    },
    [observer],
  );

  // Row heights change with the width of the text: measure again. Observing a row anew reports
  // its size even when it did not change (its old size was just forgotten).
  useEffect(() => {
    virtual.measure();
    if (!observer) return;
    scroller.current?.querySelectorAll<HTMLElement>('[data-seq]').forEach((row) => {
      observer.unobserve(row);
      observer.observe(row);
    });
  }, [virtual, observer, wrap, timestamps]);

  // Pinned: the newest line stays in view as batches arrive.
  const lastTop = useRef(0);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !pinned) return;
    el.scrollTop = el.scrollHeight;
    lastTop.current = el.scrollTop;
  }, [pinned, total, count, version]);

  // Not pinned: keep the line at the top of the view where it is when old lines leave the ring.
  const anchor = useRef<{ seq: number; delta: number } | null>(null);
  const seenFirst = useRef(first);
  useLayoutEffect(() => {
    const el = scroller.current;
    const moved = first !== seenFirst.current;
    seenFirst.current = first;
    if (!el || pinned || !moved || !anchor.current) return;
    const index = anchor.current.seq - first;
    const start = virtual.measurementsCache[Math.max(0, index)]?.start ?? 0;
    el.scrollTop = start + (index >= 0 ? anchor.current.delta : 0);
    lastTop.current = el.scrollTop;
  }, [first, pinned, virtual]);

  // Jumps (find, End) happen once each.
  const jumped = useRef<number | null>(null);
  useEffect(() => {
    if (!jump || jumped.current === jump.n) return;
    const index = jump.seq - first;
    if (index < 0 || index >= count) return;
    jumped.current = jump.n;
    virtual.scrollToIndex(index, { align: 'center' });
  }, [jump, first, count, virtual]);

  // A permalinked line is scrolled to once, when it has arrived.
  const shownMarked = useRef<number | null>(null);
  useEffect(() => {
    if (marked === null || shownMarked.current === marked) return;
    shownMarked.current = marked;
    virtual.scrollToIndex(marked - first, { align: 'center' });
  }, [marked, first, virtual]);

  // What the user did last (wheel, keys, a drag on the scrollbar): only their scrolls pin or unpin.
  const input = useRef({ at: 0, pointer: false });
  const touched = () => {
    input.current.at = performance.now();
  };
  useEffect(() => {
    const up = () => {
      input.current.pointer = false;
    };
    window.addEventListener('pointerup', up);
    return () => window.removeEventListener('pointerup', up);
  }, []);
  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const top = el.scrollTop;
    const user = input.current.pointer || performance.now() - input.current.at < USER_SCROLL_MS;
    const atEnd = el.scrollHeight - top - el.clientHeight <= END_SLACK_PX;
    if (user && pinned && top < lastTop.current && !atEnd) onPinned(false);
    else if (user && !pinned && atEnd && top > lastTop.current) onPinned(true);
    lastTop.current = top;
    const item = virtual.getVirtualItems().find((it) => it.end > top);
    if (item) {
      anchor.current = { seq: first + item.index, delta: top - item.start };
      onTop(first + item.index);
    }
  };

  const onToggleJson = useCallback((seq: number) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(seq)) next.add(seq);
      return next;
    });
  }, []);

  return (
    <div
      ref={scroller}
      id="log-lines"
      role="log"
      aria-live="off"
      tabIndex={0}
      data-pinned={pinned ? 'pinned' : 'paused'}
      className="min-h-0 flex-1 overflow-auto [contain:strict] bg-white font-mono text-xs text-slate-900 focus:outline-none dark:bg-slate-950 dark:text-slate-100"
      onScroll={onScroll}
      onWheel={touched}
      onTouchMove={touched}
      onKeyDown={(e) => SCROLL_KEYS.has(e.key) && touched()}
      onPointerDown={(e) => {
        // Only a drag on the scrollbar scrolls; clicks on lines (a button, selecting text) do not.
        const el = e.currentTarget;
        if (e.nativeEvent.offsetX < el.clientWidth && e.nativeEvent.offsetY < el.clientHeight) return;
        input.current.pointer = true;
        touched();
      }}
    >
      <div style={{ height: total, position: 'relative', width: '100%' }}>
        {/* The rows in view, one after another, moved as one block to where the first belongs. */}
        <div className={`absolute left-0 top-0 ${wrap ? 'w-full' : 'w-max min-w-full'}`} style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
          {items.map((item) => {
            const seq = first + item.index;
            const line = ring.bySeq(seq);
            if (!line) return null;
            return (
              <LogRow
                key={seq}
                line={line}
                seq={seq}
                timestamps={timestamps}
                wrap={wrap}
                find={find}
                current={seq === current}
                marked={seq === marked}
                expanded={expanded.has(seq)}
                measure={measure}
                onToggleJson={onToggleJson}
                onCopyLink={onCopyLink}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
