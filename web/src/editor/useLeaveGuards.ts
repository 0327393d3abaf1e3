// Unsaved-change guards: reload or closing the tab asks the browser's question; the Back
// button first closes the editor (an extra history entry stands for it) and, with changes,
// asks before it does. The overlay covers the page, so no link is reachable behind it.

import { useEffect, useRef } from 'react';

/**
 * While mounted: `beforeunload` while `dirty()`, and Back calls `onBack`. Returns `leave()`,
 * which closes the way Back would (drops the history entry, then `onClosed`).
 */
export function useLeaveGuards(dirty: () => boolean, onBack: () => void, onClosed: () => void): () => void {
  const latest = useRef({ dirty, onBack, onClosed });
  useEffect(() => {
    latest.current = { dirty, onBack, onClosed };
  });
  const leaving = useRef(false);

  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!latest.current.dirty()) return;
      event.preventDefault();
      event.returnValue = '';
    };
    // The same URL again: Back lands on the page as it was, with the editor closed.
    window.history.pushState(window.history.state, '', window.location.href);
    const onPopState = () => {
      if (leaving.current || !latest.current.dirty()) {
        latest.current.onClosed();
        return;
      }
      window.history.pushState(window.history.state, '', window.location.href);
      latest.current.onBack();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('popstate', onPopState);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('popstate', onPopState);
    };
  }, []);

  return () => {
    leaving.current = true;
    window.history.back();
  };
}
