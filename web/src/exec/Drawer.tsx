import { lazy, Suspense, useEffect, useSyncExternalStore } from 'react';
import { Link } from 'react-router';

import { closeTab, focusTab, toggleDrawer, useDrawer } from './drawer';
import { execRoute, SESSIONS_ROUTE } from './routes';
import type { ExecSession } from './session';

// The terminal code loads with the first terminal, not with the app.
const TerminalPane = lazy(() => import('./TerminalPane').then((m) => ({ default: m.TerminalPane })));

const DOT: Record<string, string> = { connecting: 'bg-amber-400', reconnecting: 'bg-amber-400', open: 'bg-green-500', ended: 'bg-slate-500' };

function Tab({ session, active }: { session: ExecSession; active: boolean }) {
  const view = useSyncExternalStore(session.subscribe, session.getView);
  const label = `${session.target.pod}${session.target.container ? ` · ${session.target.container}` : ''}`;
  return (
    <div role="tab" aria-selected={active} data-tab-session={session.localId} className={`flex items-center gap-1 rounded-t px-2 py-0.5 text-xs ${active ? 'bg-slate-900 text-slate-100' : 'text-slate-400 hover:bg-slate-800'}`}>
      <button type="button" className="flex max-w-56 items-center gap-1.5 truncate" title={`${session.target.cluster}/${session.target.namespace}/${label}`} onClick={() => focusTab(session.localId)}>
        <span className={`inline-block h-2 w-2 shrink-0 rounded-full ${DOT[view.phase]}`} />
        <span className="truncate">{label}</span>
      </button>
      <button type="button" aria-label={`Close the terminal in ${label}`} data-close-tab="" className="px-1 text-slate-500 hover:text-slate-200" onClick={() => closeTab(session.localId)}>
        ×
      </button>
    </div>
  );
}

/** Ctrl+` (Cmd+` on a Mac) shows or hides the drawer, even while a terminal has the keyboard. */
function useToggleKey() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      if (event.key !== '`' && event.code !== 'Backquote') return;
      event.preventDefault();
      event.stopPropagation();
      toggleDrawer();
    };
    // Capture: xterm would take the key as input otherwise.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}

/** The terminals at the bottom of every page: tabs (up to five), collapsible; terminals stay alive across pages. */
export function Drawer() {
  const { sessions, active, open } = useDrawer();
  useToggleKey();
  if (sessions.length === 0) return null;
  const current = sessions.find((s) => s.localId === active);
  return (
    <section id="terminal-drawer" data-open={open} className={`flex flex-col border-t border-slate-700 bg-slate-950 text-slate-200 ${open ? 'h-[40vh]' : ''}`}>
      <div role="tablist" className="flex items-center gap-1 px-2 pt-1">
        {sessions.map((s) => (
          <Tab key={s.localId} session={s} active={open && s.localId === active} />
        ))}
        <span className="flex-1" />
        {current && (
          <Link className="px-2 text-xs text-slate-400 hover:text-slate-100" to={execRoute(current.target)} title="The same container on a full page (a new shell)">
            Full page
          </Link>
        )}
        <Link className="px-2 text-xs text-slate-400 hover:text-slate-100" to={SESSIONS_ROUTE}>
          Sessions
        </Link>
        <button type="button" id="terminal-drawer-toggle" className="px-2 text-xs text-slate-400 hover:text-slate-100" title="Show or hide the terminals (Ctrl+`)" onClick={toggleDrawer}>
          {open ? 'Hide' : 'Show'}
        </button>
      </div>
      {/* Every terminal stays mounted (its screen and shell live on); only the active one shows. */}
      <div className={`min-h-0 flex-1 ${open ? '' : 'hidden'}`}>
        {sessions.map((s) => (
          <div key={s.localId} className={`h-full ${s.localId === active ? '' : 'hidden'}`}>
            <Suspense fallback={null}>
              <TerminalPane session={s} active={open && s.localId === active} />
            </Suspense>
          </div>
        ))}
      </div>
    </section>
  );
}
