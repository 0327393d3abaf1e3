// Every keyboard shortcut, in one table: the Shell binds keys from it and the `?` sheet lists it,
// so the two cannot drift apart.

export type ShortcutId =
  | 'filter'
  | 'command'
  | 'down'
  | 'up'
  | 'open'
  | 'select'
  | 'split'
  | 'pods'
  | 'overview'
  | 'fleet'
  | 'helm'
  | 'audit'
  | 'palette'
  | 'help'
  | 'escape'
  | 'shell'
  | 'apply'
  | 'edit'
  | 'terminal'
  | 'replay-play'
  | 'replay-seek';

export interface Shortcut {
  id: ShortcutId;
  /** As shown on the sheet. */
  shown: string[];
  /** As bound (KeyboardEvent.key, space-separated for sequences); empty when handled elsewhere. */
  bind: string[];
  what: string;
}

export const SHORTCUTS: Shortcut[] = [
  { id: 'filter', shown: ['/'], bind: ['/'], what: 'Filter the list by name' },
  { id: 'command', shown: [':'], bind: [':'], what: 'Command line: :pods team-a, :deploy, :helm, :ctx beta, :q' },
  { id: 'down', shown: ['j', '↓'], bind: ['j', 'ArrowDown'], what: 'Highlight the next row' },
  { id: 'up', shown: ['k', '↑'], bind: ['k', 'ArrowUp'], what: 'Highlight the previous row' },
  { id: 'open', shown: ['Enter'], bind: ['Enter'], what: 'Open the highlighted row' },
  { id: 'select', shown: ['x'], bind: ['x'], what: 'Tick or untick the highlighted row (bulk YAML download, up to 100)' },
  { id: 'split', shown: ['v'], bind: ['v'], what: 'Lists: show the highlighted row\'s details beside the list, following j/k (again: hide them)' },
  { id: 'pods', shown: ['g p'], bind: ['g p'], what: 'Pods of this cluster' },
  { id: 'overview', shown: ['g o'], bind: ['g o'], what: 'Cluster overview' },
  { id: 'fleet', shown: ['g f'], bind: ['g f'], what: 'Fleet' },
  { id: 'helm', shown: ['g h'], bind: ['g h'], what: 'Helm releases of this cluster' },
  { id: 'audit', shown: ['g a'], bind: ['g a'], what: 'Audit trail: who did what, filtered and live' },
  // Ctrl/Cmd+K is matched with its modifier, before the plain-key bindings.
  { id: 'palette', shown: ['Ctrl K', '⌘ K'], bind: [], what: 'Jump to a resource by name (this cluster or all), or a cluster' },
  { id: 'help', shown: ['?'], bind: ['?'], what: 'This sheet' },
  { id: 'escape', shown: ['Esc'], bind: ['Escape'], what: 'Close a dialog, the palette or the command line; leave a text box; drop the row highlight' },
  { id: 'apply', shown: ['a'], bind: ['a'], what: 'Apply YAML: paste, pick or drop manifests; checked and dry-run before anything changes' },
  { id: 'shell', shown: ['s'], bind: ['s'], what: 'On a pod or workload page: open a terminal (pick the container, Enter)' },
  { id: 'edit', shown: ['e'], bind: ['e'], what: 'On an object page: edit its YAML (in the editor: Ctrl/Cmd+S preview, Ctrl/Cmd+Enter apply, Esc close)' },
  // The terminal drawer binds it itself (capture phase: a focused terminal would take it as input).
  { id: 'terminal', shown: ['Ctrl `', '⌘ `'], bind: [], what: 'Show or hide the terminal drawer (also from inside a terminal)' },
  // Bound by the replay page while it is open.
  { id: 'replay-play', shown: ['Space'], bind: [], what: 'Replay of a recording: play or pause' },
  { id: 'replay-seek', shown: ['←', '→'], bind: [], what: 'Replay of a recording: jump back or ahead 5 seconds' },
];

/** Keys that act on the page's rows (they fire only where a list registered for them). */
export const ROW_KEYS: ReadonlySet<ShortcutId> = new Set(['down', 'up', 'open', 'select', 'split']);

export type LogShortcutId = 'find' | 'follow' | 'wrap' | 'timestamps' | 'prev' | 'next' | 'newest' | 'clear';

/** The log viewer's keys (bound by the viewer while it is on screen; `/` and Esc go through the Shell). */
export const LOG_SHORTCUTS: { id: LogShortcutId; shown: string[]; bind: string[]; what: string }[] = [
  { id: 'find', shown: ['/'], bind: [], what: 'Find in the loaded lines (Enter: next match, Shift+Enter: previous)' },
  { id: 'follow', shown: ['f'], bind: ['f'], what: 'Follow: resume at the newest line (or pause where you are)' },
  { id: 'newest', shown: ['End'], bind: ['End'], what: 'Jump to the newest line and follow' },
  { id: 'next', shown: [']'], bind: [']'], what: 'Next match' },
  { id: 'prev', shown: ['['], bind: ['['], what: 'Previous match' },
  { id: 'wrap', shown: ['w'], bind: ['w'], what: 'Wrap long lines on or off' },
  { id: 'timestamps', shown: ['t'], bind: ['t'], what: 'Timestamps on or off' },
  { id: 'clear', shown: ['Esc'], bind: [], what: 'Leave the find box; again: clear the find' },
];
