// Each pod gets a colour from its name alone (a hash), so it keeps that colour across reloads,
// viewers and links, and a pod that joins mid-stream does not recolour the others.

/** Chip and line-tag classes, light and dark; listed in full so Tailwind keeps them. */
export const POD_PALETTE = [
  'border-sky-500 bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200',
  'border-emerald-500 bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  'border-amber-500 bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200',
  'border-rose-500 bg-rose-100 text-rose-900 dark:bg-rose-950 dark:text-rose-200',
  'border-violet-500 bg-violet-100 text-violet-900 dark:bg-violet-950 dark:text-violet-200',
  'border-teal-500 bg-teal-100 text-teal-900 dark:bg-teal-950 dark:text-teal-200',
  'border-orange-500 bg-orange-100 text-orange-900 dark:bg-orange-950 dark:text-orange-200',
  'border-fuchsia-500 bg-fuchsia-100 text-fuchsia-900 dark:bg-fuchsia-950 dark:text-fuchsia-200',
  'border-lime-500 bg-lime-100 text-lime-900 dark:bg-lime-950 dark:text-lime-200',
  'border-indigo-500 bg-indigo-100 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-200',
  'border-cyan-500 bg-cyan-100 text-cyan-900 dark:bg-cyan-950 dark:text-cyan-200',
  'border-pink-500 bg-pink-100 text-pink-900 dark:bg-pink-950 dark:text-pink-200',
] as const;

/** FNV-1a (32-bit) of `text`'s UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The palette slot of pod `name`. */
export function podColorIndex(name: string): number {
  return fnv1a(name) % POD_PALETTE.length;
}

/** The classes of pod `name`'s chip and line tag. */
export function podColor(name: string): string {
  return POD_PALETTE[podColorIndex(name)] ?? POD_PALETTE[0];
}
