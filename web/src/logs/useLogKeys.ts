import { useEffect, useRef } from 'react';

import { isTypingTarget } from '../lib/keys';
import { LOG_SHORTCUTS, type LogShortcutId } from '../lib/shortcuts';

/**
 * Binds the log viewer's keys (lib/shortcuts.ts, LOG_SHORTCUTS) while mounted. Like the
 * Shell's: never while typing in a field, with a modifier held, or with a dialog open.
 */
export function useLogKeys(actions: Partial<Record<LogShortcutId, () => void>>): void {
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    const bound = LOG_SHORTCUTS.flatMap((s) => s.bind.map((key) => [key, s.id] as const));
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey || isTypingTarget(event.target)) return;
      if (document.querySelector('[role="dialog"]')) return;
      const id = bound.find(([key]) => key === event.key)?.[1];
      const run = id ? latest.current[id] : undefined;
      if (!run) return;
      event.preventDefault();
      run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
