// Ownership glyphs: which field manager owns the field on each line (from `/meta` managers).

import type { LineIndex } from './paths';
import type { FieldManager, ManagerClass } from './types';

/** One owner of a line's field. */
export interface Owner {
  manager: string;
  class: ManagerClass;
  label: string;
}

/** A glyph: the line and who owns what it holds (several when a list item's line is also its key's). */
export interface Glyph {
  line: number;
  owners: Owner[];
}

/** The glyphs for `managers`' fields in the text behind `index`, by line. */
export function ownershipGlyphs(index: LineIndex, managers: FieldManager[]): Glyph[] {
  const byLine = new Map<number, Owner[]>();
  for (const m of managers) {
    for (const path of m.fields) {
      const line = index.lineOf(path);
      if (line === undefined) continue;
      const owners = byLine.get(line) ?? [];
      if (!owners.some((o) => o.manager === m.manager)) owners.push({ manager: m.manager, class: m.class, label: m.label });
      byLine.set(line, owners);
    }
  }
  return [...byLine.entries()].sort(([a], [b]) => a - b).map(([line, owners]) => ({ line, owners }));
}

/** The hover text of a glyph: each owner, its class and what it is. */
export function glyphHover(glyph: Glyph): string {
  return glyph.owners.map((o) => `owned by **${o.manager}** (${o.class}${o.label && o.label !== o.manager ? `: ${o.label}` : ''})`).join('  \n');
}
