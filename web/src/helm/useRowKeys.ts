// j/k/arrows, Enter and Esc over a short table (the release list, the history): the highlighted
// row by index, kept inside the rows as they change.

import { useState } from 'react';

import { usePageKeys } from '../components/pageKeys';

/** The highlighted row of `count` rows (-1: none); Enter runs `open` on it. */
export function useRowKeys(count: number, open: (index: number) => void) {
  const [cursor, setCursor] = useState(-1);
  const at = Math.min(cursor, count - 1);
  usePageKeys((key) => {
    if (key === 'clear') {
      if (at < 0) return false;
      setCursor(-1);
      return true;
    }
    if (count === 0 || key === 'select') return false;
    if (key === 'open') {
      if (at < 0) return false;
      open(at);
      return true;
    }
    setCursor(at < 0 ? 0 : Math.max(0, Math.min(count - 1, at + (key === 'down' ? 1 : -1))));
    return true;
  });
  return { cursor: at, setCursor };
}
