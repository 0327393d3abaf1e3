// The actions of the object on screen, offered by the Ctrl/Cmd+K palette (issue 7).
// The detail page's action buttons register them here while mounted; the palette reads them.

export interface PaletteAction {
  id: string;
  /** What the palette shows, e.g. "Scale deployment web…". */
  label: string;
  /** Set when the role may not do it (the can-i reason, as on the button). */
  disabledReason?: string;
  danger?: boolean;
  /** Opens the same confirmation dialog as the button. */
  run: () => void;
}

/** The palette's text for an action on an object: "Scale deployment web…". */
export function paletteLabel(action: string, kind: string, name: string): string {
  return `${action} ${kind.toLowerCase()} ${name}…`;
}

/**
 * The actions that match what is typed: every word of the query appears in the label (any case).
 * `lead` (listed before the objects found by name): the label starts with the query, i.e. the
 * action itself was typed ("scale", "del"), or nothing was typed. `trail` (listed after them):
 * the other matches, e.g. the object's own name, so typing a name still jumps to an object first.
 * Both keep the order of the buttons.
 */
export function matchActions<T extends { label: string }>(actions: T[], query: string): { lead: T[]; trail: T[] } {
  const q = query.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!q) return { lead: actions, trail: [] };
  const words = q.split(' ');
  const lead: T[] = [];
  const trail: T[] = [];
  for (const action of actions) {
    const label = action.label.toLowerCase();
    if (!words.every((w) => label.includes(w))) continue;
    (label.startsWith(q) ? lead : trail).push(action);
  }
  return { lead, trail };
}

/** Same ids, labels and permissions: nothing the palette shows has changed. */
function sameActions(a: PaletteAction[], b: PaletteAction[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return y !== undefined && x.id === y.id && x.label === y.label && x.disabledReason === y.disabledReason && x.danger === y.danger;
    })
  );
}

let owner: object | null = null;
let current: PaletteAction[] = [];
const listeners = new Set<() => void>();

function notify() {
  for (const listener of listeners) listener();
}

/** `who` (one mounted action bar) publishes its actions. */
export function publishPaletteActions(who: object, actions: PaletteAction[]): void {
  if (owner === who && sameActions(current, actions)) return;
  owner = who;
  current = actions;
  notify();
}

/** `who` unmounts: its actions go, unless another bar has taken over since. */
export function withdrawPaletteActions(who: object): void {
  if (owner !== who) return;
  owner = null;
  current = [];
  notify();
}

export function subscribePaletteActions(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function paletteActions(): PaletteAction[] {
  return current;
}
