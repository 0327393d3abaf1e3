// Where a field path (as `/meta` managers name fields) sits in the YAML text: the line the
// ownership glyph goes on. Pure; the `yaml` package's source ranges, no Monaco.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

import type { PathSegment } from './types';

/** A parsed YAML text that answers "which line holds this field?". */
export interface LineIndex {
  /** The 1-based line of the field's key (map keys) or item (list items); undefined when absent. */
  lineOf(path: PathSegment[]): number | undefined;
}

/** Whether a list item matches a keyed-list segment (`{"name": "app"}`, `{"containerPort": 80, …}`). */
function itemMatches(item: unknown, keys: Record<string, unknown>): boolean {
  if (!isMap(item)) return false;
  return Object.entries(keys).every(([k, want]) => {
    const got = item.get(k, true);
    // Keys travel as JSON: ports are numbers there and may be numbers or strings here.
    return isScalar(got) && String(got.value) === String(want);
  });
}

function scalarEquals(item: unknown, value: unknown): boolean {
  if (!isScalar(item)) return false;
  return typeof value === 'object' ? JSON.stringify(item.value) === JSON.stringify(value) : String(item.value) === String(value);
}

/** Parses `text` once; look-ups walk the document from its root. */
export function lineIndex(text: string): LineIndex {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
  const line = (offset: number | undefined) => (offset === undefined ? undefined : counter.linePos(offset).line);
  return {
    lineOf(path) {
      let node: unknown = doc.contents;
      let at: number | undefined;
      for (const seg of path) {
        if (typeof seg === 'string') {
          if (!isMap(node)) return undefined;
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
          if (!pair) return undefined;
          at = (pair.key as Node).range?.[0];
          node = pair.value;
        } else {
          if (!isSeq(node)) return undefined;
          const item = '$value' in seg ? node.items.find((i) => scalarEquals(i, seg.$value)) : node.items.find((i) => itemMatches(i, seg));
          if (!item) return undefined;
          at = (item as Node).range?.[0];
          node = item;
        }
      }
      return line(at);
    },
  };
}
