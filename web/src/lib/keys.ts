// Keyboard shortcuts: a small matcher for single keys and two-key sequences ("g p").

export interface Binding {
  /** Space-separated keys, e.g. "/", "g p". */
  keys: string;
  run: () => void;
}

export interface KeyState {
  pending: string[];
  at: number;
}

/** How long the first key of a sequence waits for the second. */
export const SEQUENCE_MS = 1000;

export function initialKeyState(): KeyState {
  return { pending: [], at: 0 };
}

/**
 * Feeds one key. Returns the binding to run (if the keys so far complete one) and the next state.
 * A key that neither completes nor continues a sequence starts over from that key.
 */
export function feedKey<B extends Binding>(state: KeyState, key: string, now: number, bindings: B[]): { state: KeyState; match?: B } {
  const fresh = now - state.at <= SEQUENCE_MS ? state.pending : [];
  for (const attempt of [[...fresh, key], [key]]) {
    const typed = attempt.join(' ');
    const match = bindings.find((b) => b.keys === typed);
    if (match) return { state: initialKeyState(), match };
    if (bindings.some((b) => b.keys.startsWith(`${typed} `))) return { state: { pending: attempt, at: now } };
  }
  return { state: initialKeyState() };
}

/** Keys typed into form fields are text, not shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}
