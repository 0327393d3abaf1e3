// Find in the loaded lines: the matches are kept as a sorted list of line sequence numbers,
// built once per query (a substring scan over the precomputed text, a few milliseconds for
// 50,000 lines), extended as lines arrive and trimmed as old ones leave the ring. Nothing is
// re-rendered to count or to jump: the viewer asks for the next match and scrolls to it.

import type { LogLine } from './lines';
import type { Ring } from './ring';

/** Smart case: a query with an upper-case letter matches case-sensitively. */
export function caseSensitive(query: string): boolean {
  return query !== query.toLowerCase();
}

/** Whether `line` holds `query` (smart case); an empty query matches nothing. */
export function lineMatches(line: Pick<LogLine, 'plain' | 'lower'>, query: string, sensitive = caseSensitive(query)): boolean {
  if (query === '') return false;
  return sensitive ? line.plain.includes(query) : line.lower.includes(query.toLowerCase());
}

/** Where `query` occurs in `plain` (smart case), as [start, end) ranges, not overlapping. */
export function matchRanges(plain: string, query: string): [number, number][] {
  if (query === '') return [];
  const sensitive = caseSensitive(query);
  const hay = sensitive ? plain : plain.toLowerCase();
  const needle = sensitive ? query : query.toLowerCase();
  const ranges: [number, number][] = [];
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) {
    ranges.push([at, at + needle.length]);
  }
  return ranges;
}

/** First index in sorted `values` whose value is ≥ `target`. */
function lowerBound(values: readonly number[], from: number, target: number): number {
  let lo = from;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] ?? 0) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SearchIndex {
  private q = '';
  private sensitive = false;
  private needle = '';
  /** Matching sequence numbers, ascending; entries before `start` have left the ring. */
  private seqs: number[] = [];
  private start = 0;
  /** Lines up to here (exclusive) have been looked at. */
  private scanned = 0;

  get query(): string {
    return this.q;
  }

  get count(): number {
    return this.seqs.length - this.start;
  }

  /** Looks for `query` in every line `ring` holds. */
  setQuery(query: string, ring: Ring<LogLine>): void {
    this.q = query;
    this.sensitive = caseSensitive(query);
    this.needle = this.sensitive ? query : query.toLowerCase();
    this.seqs = [];
    this.start = 0;
    this.scanned = ring.firstSeq;
    this.update(ring);
  }

  /** Takes in lines added to `ring` since the last call and forgets those it dropped. */
  update(ring: Ring<LogLine>): void {
    if (this.needle !== '') {
      const { needle, sensitive, seqs } = this;
      ring.forEachFrom(this.scanned, (line, seq) => {
        if ((sensitive ? line.plain : line.lower).includes(needle)) seqs.push(seq);
      });
    }
    this.scanned = ring.endSeq;
    this.start = lowerBound(this.seqs, this.start, ring.firstSeq);
    // Compact now and then, not on every dropped line.
    if (this.start > 4096 && this.start * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.start);
      this.start = 0;
    }
  }

  /** The n-th match (0-based) still held. */
  at(n: number): number | undefined {
    return n < 0 || n >= this.count ? undefined : this.seqs[this.start + n];
  }

  /** The 0-based position of match `seq`, or -1. */
  ordinal(seq: number): number {
    const i = lowerBound(this.seqs, this.start, seq);
    return this.seqs[i] === seq ? i - this.start : -1;
  }

  /** The first match after `seq` (wrapping to the first), or undefined when there are none. */
  next(seq: number): number | undefined {
    if (this.count === 0) return undefined;
    const i = lowerBound(this.seqs, this.start, seq + 1);
    return i < this.seqs.length ? this.seqs[i] : this.at(0);
  }

  /** The last match before `seq` (wrapping to the last), or undefined when there are none. */
  prev(seq: number): number | undefined {
    if (this.count === 0) return undefined;
    const i = lowerBound(this.seqs, this.start, seq) - 1;
    return i >= this.start ? this.seqs[i] : this.at(this.count - 1);
  }
}
