// Unsaved values in the upgrade and install views: closing (the Close button, Esc in the
// editor) asks first when the values were edited, and so does reloading or closing the tab.

import { useEffect, useRef, useState } from 'react';

/** `changed(dirty)` after each edit; `requestClose()` closes, or asks while edits would be lost. */
export function useDiscardGuard(onClose: () => void) {
  const dirty = useRef(false);
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!dirty.current) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);
  return {
    changed: (value: boolean) => {
      dirty.current = value;
    },
    requestClose: () => (dirty.current ? setAsking(true) : onClose()),
    asking,
    keep: () => setAsking(false),
  };
}

/** The question shown instead of closing. */
export function DiscardStrip({ onKeep, onDiscard }: { onKeep: () => void; onDiscard: () => void }) {
  return (
    <div role="alert" id="helm-discard" className="mb-2 flex items-center gap-3 rounded border border-amber-300 bg-amber-50 px-3 py-1 text-sm dark:border-amber-800 dark:bg-amber-950">
      <span className="flex-1">Your edited values are not applied. Discard them?</span>
      <button type="button" id="helm-discard-keep" autoFocus className="rounded border border-slate-300 px-2 py-0.5 dark:border-slate-700" onClick={onKeep}>
        Keep editing
      </button>
      <button type="button" id="helm-discard-confirm" className="rounded bg-red-600 px-2 py-0.5 text-white" onClick={onDiscard}>
        Discard
      </button>
    </div>
  );
}
