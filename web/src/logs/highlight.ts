// What one row shows: the line's styled segments, cut where find matches start and end (so a
// match is highlighted without losing its colours), and at most `limit` characters of it.

import { type AnsiStyle, parseAnsi } from './ansi';
import { matchRanges } from './search';

/** Characters a row shows before "show all" (a 1 MiB line would stall layout). */
export const SHOWN_CHARS = 4000;

export interface Piece {
  text: string;
  style: AnsiStyle | null;
  /** Inside a find match. */
  hit: boolean;
}

/** `text` (with escapes) as pieces highlighting `find`, cut after `limit` characters; `hidden` = characters cut. */
export function pieces(text: string, plain: string, find: string, limit: number = SHOWN_CHARS): { pieces: Piece[]; hidden: number } {
  const ranges = matchRanges(plain, find);
  const out: Piece[] = [];
  let pos = 0;
  let r = 0;
  for (const segment of parseAnsi(text)) {
    let offset = 0;
    while (offset < segment.text.length && pos < limit) {
      while (r < ranges.length && (ranges[r]?.[1] ?? 0) <= pos) r += 1;
      const range = ranges[r];
      const inside = range !== undefined && range[0] <= pos;
      // Up to the next boundary: a match's start or end, the segment's end, or the limit.
      const boundary = range === undefined ? Infinity : inside ? range[1] : range[0];
      const end = Math.min(segment.text.length, offset + (boundary - pos), offset + (limit - pos));
      out.push({ text: segment.text.slice(offset, end), style: segment.style, hit: inside });
      pos += end - offset;
      offset = end;
    }
  }
  return { pieces: out, hidden: Math.max(0, plain.length - limit) };
}
