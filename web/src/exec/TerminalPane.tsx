import { useState, useSyncExternalStore } from 'react';
import { createPortal } from 'react-dom';

import { useNow } from '../lib/useNow';
import { formatClock } from './asciicast';
import { CapDialog } from './CapDialog';
import { RECONNECT_DELAYS_MS } from './reconnect';
import type { ExecSession, SessionView } from './session';
import { LiveTerminalView } from './terminalViews';

const seconds = (until: number, now: number) => Math.max(0, Math.ceil((until - now) / 1000));

function Status({ view, now }: { view: SessionView; now: number }) {
  switch (view.phase) {
    case 'connecting':
      return <span className="text-amber-300">connecting…</span>;
    case 'reconnecting':
      return (
        <span className="text-amber-300">
          reconnecting (attempt {view.attempt} of {RECONNECT_DELAYS_MS.length}
          {view.retryAt !== undefined && view.retryAt > now ? `, in ${seconds(view.retryAt, now)} s` : ''}) — a new shell
        </span>
      );
    case 'open':
      return <span className="text-green-400">connected{view.openedAt !== undefined && ` · up ${formatClock((now - view.openedAt) / 1000)}`}</span>;
    case 'ended':
      return <span className="text-slate-400">ended</span>;
  }
}

/** A terminal with its footer: status, uptime, idle countdown, session id, container, recording notice. */
export function TerminalPane({ session, active }: { session: ExecSession; active: boolean }) {
  const view = useSyncExternalStore(session.subscribe, session.getView);
  const now = useNow(1000, active && view.phase !== 'ended');
  const [capDismissed, setCapDismissed] = useState<SessionView['ended']>(undefined);
  const refusal = view.ended?.refusal;
  const showCap = active && refusal?.kind === 'cap' && capDismissed !== view.ended;
  return (
    <div className="flex h-full min-h-0 flex-col bg-slate-900 text-slate-200" data-session={session.localId} data-phase={view.phase} data-session-id={view.sessionId ?? ''} data-shells={view.shells}>
      <div className="min-h-0 flex-1 overflow-hidden p-1">
        <LiveTerminalView session={session} active={active} />
      </div>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-t border-slate-700 px-2 py-1 font-mono text-xs" data-terminal-footer="">
        <Status view={view} now={now} />
        {view.idleCloseAt !== undefined && (
          <span className="rounded bg-amber-900 px-1.5 text-amber-100" data-idle-countdown="">
            idle: closes in {seconds(view.idleCloseAt, now)} s — type to keep it
          </span>
        )}
        {view.recordInput && (
          <span className="rounded bg-red-900 px-1.5 text-red-100" title="The cluster records what you type in this session" data-input-recorded="">
            input recorded
          </span>
        )}
        <span className="text-slate-400">{session.target.namespace}/{session.target.pod}</span>
        {(view.container ?? session.target.container) && <span className="text-slate-400">container {view.container ?? session.target.container}</span>}
        {view.sessionId && <span className="text-slate-500" title="Server session id (the audit rows and the recording carry it)">session {view.sessionId}</span>}
        <span className="flex-1" />
        {view.phase === 'ended' && (
          <>
            <span className="text-slate-300" data-ended="">{view.ended?.text}</span>
            {refusal?.kind === 'cap' && (
              <button type="button" className="rounded border border-slate-600 px-2" onClick={() => setCapDismissed(undefined)}>
                Sessions…
              </button>
            )}
            <button type="button" data-new-shell="" className="rounded border border-slate-600 px-2 hover:bg-slate-800" onClick={() => session.restart()}>
              {view.shells > 0 ? 'New shell' : 'Try again'}
            </button>
          </>
        )}
      </div>
      {/* On the page's body: the terminal's colours are not the dialog's. */}
      {showCap &&
        createPortal(
          <CapDialog
            cap={refusal.cap}
            onClose={() => setCapDismissed(view.ended)}
            onRetry={() => {
              setCapDismissed(view.ended);
              session.restart();
            }}
          />,
          document.body,
        )}
    </div>
  );
}
