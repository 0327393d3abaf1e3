import { type KeyboardEvent, useCallback, useEffect, useState } from 'react';

/**
 * A text box that commits after a pause in typing (and at once on Enter). The name search
 * pauses briefly (the server filters a warm list in milliseconds; results should follow the
 * keys), a label selector longer (half-typed selectors are invalid).
 */
export function FilterBox(props: {
  value: string;
  onCommit: (v: string) => void;
  placeholder: string;
  id: string;
  search?: boolean;
  /** Milliseconds of quiet before a commit (default: 60 for the search box, else 300). */
  delay?: number;
  className?: string;
  /** The accessible name, when the placeholder (gone once something is typed) is not enough. */
  label?: string;
  /** Called before the box's own Enter/Escape handling, which `preventDefault()` skips. */
  onKey?: (event: KeyboardEvent<HTMLInputElement>) => void;
}) {
  const { value, onCommit, placeholder, id, search, delay, className, label, onKey } = props;
  const [text, setText] = useState(value);
  // What this box last saved: when the URL comes back with it, keys typed meanwhile stay.
  const [saved, setSaved] = useState<string | null>(null);
  const commit = useCallback(
    (next: string) => {
      setSaved(next);
      onCommit(next);
    },
    [onCommit],
  );
  // The URL changed under us (back button, another control): show what it says.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (value !== saved) setText(value);
    setSaved(null);
  }
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => commit(text), delay ?? (search ? 60 : 300));
    return () => clearTimeout(t);
  }, [text, value, commit, search, delay]);
  return (
    <input
      id={id}
      data-search-box={search ? '' : undefined}
      className={`${className ?? 'w-56'} rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900`}
      placeholder={placeholder}
      aria-label={label}
      value={text}
      onChange={(e) => setText(e.target.value)}
      // Leaving the box commits at once: a pending commit must not fire after a key that
      // navigates away (Esc, then j, Enter) and pull the page back to this list.
      onBlur={() => {
        if (text !== value) commit(text);
      }}
      onKeyDown={(e) => {
        onKey?.(e);
        if (e.defaultPrevented) return;
        if (e.key === 'Enter') commit(text);
        if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
      }}
    />
  );
}
