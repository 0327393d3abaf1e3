// A line diff (longest common subsequence) for the dry-run preview: live object vs the
// server's would-be object. Pure.

export type DiffOp = ' ' | '+' | '-';

export interface DiffLine {
  op: DiffOp;
  text: string;
}

/** Past this many line pairs the table would be too big: the diff is "all replaced". */
const MAX_CELLS = 4_000_000;

/** The lines of `before` and `after` as kept (' '), removed ('-') and added ('+'), in order. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  // Common head and tail are kept as they are: only the middle needs the table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const keep = (lines: string[]): DiffLine[] => lines.map((text) => ({ op: ' ', text }));
  const middle: DiffLine[] = [];
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_CELLS) {
    middle.push(...midA.map((text): DiffLine => ({ op: '-', text })), ...midB.map((text): DiffLine => ({ op: '+', text })));
  } else {
    // lcs[i][j]: common lines of midA[i..] and midB[j..], in one flat array.
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = midA[i] === midB[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        middle.push({ op: ' ', text: midA[i]! });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
        // Removals first on a tie: a changed line reads as `-old` then `+new`.
        middle.push({ op: '-', text: midA[i]! });
        i++;
      } else {
        middle.push({ op: '+', text: midB[j]! });
        j++;
      }
    }
  }
  return [...keep(a.slice(0, head)), ...middle, ...keep(a.slice(a.length - tail))];
}

/** How many lines were added and removed. */
export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === '+') added++;
    if (l.op === '-') removed++;
  }
  return { added, removed };
}
