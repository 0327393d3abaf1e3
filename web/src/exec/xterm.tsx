// The xterm.js views, loaded on demand (React.lazy in terminalViews.tsx): xterm.js is most of a
// terminal's weight and most pages never open one.

import '@xterm/xterm/css/xterm.css';

import { FitAddon } from '@xterm/addon-fit';
import { type ITerminalInitOnlyOptions, type ITerminalOptions, Terminal } from '@xterm/xterm';
import { useEffect, useRef } from 'react';

import { mirrorInlineStyles } from './cspStyles';
import type { ExecSession } from './session';

const OPTIONS: ITerminalOptions = {
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  fontSize: 13,
  scrollback: 5000,
  theme: { background: '#0f172a', foreground: '#e2e8f0', cursor: '#e2e8f0', selectionBackground: '#334155' },
};

/** A terminal in `host`, with its fit addon and the CSP-safe styles; returns it and its undo. */
function mount(host: HTMLElement, options: ITerminalOptions & ITerminalInitOnlyOptions): { term: Terminal; fit: FitAddon; dispose: () => void } {
  const term = new Terminal({ ...OPTIONS, ...options });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  const unmirror = term.element ? mirrorInlineStyles(term.element) : () => undefined;
  return {
    term,
    fit,
    dispose: () => {
      unmirror();
      term.dispose();
    },
  };
}

/** A live session's terminal: output in, keys out, its size fitted to the box and sent on change. */
export function LiveTerminal({ session, active }: { session: ExecSession; active: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<{ term: Terminal; fit: FitAddon } | null>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const { term, fit, dispose } = mount(element, { cursorBlink: true });
    view.current = { term, fit };
    // The size in cells, on the element (what the browser tests compare `stty size` with).
    const mark = () => {
      element.dataset.cols = String(term.cols);
      element.dataset.rows = String(term.rows);
    };
    const refit = () => {
      // A hidden tab has no size: keep the last one.
      if (element.offsetWidth > 0 && element.offsetHeight > 0) fit.fit();
    };
    const subscriptions = [
      term.onData((data) => {
        // Enter in an ended terminal starts a new shell.
        if (session.view.phase === 'ended') {
          if (data === '\r') session.restart();
          return;
        }
        session.input(data);
      }),
      term.onBinary((data) => session.binaryInput(data)),
      term.onResize(({ cols, rows }) => {
        mark();
        session.resize(cols, rows);
      }),
    ];
    const offOutput = session.onOutput((bytes) => term.write(bytes));
    const observer = new ResizeObserver(refit);
    observer.observe(element);
    refit();
    mark();
    session.resize(term.cols, term.rows);
    return () => {
      observer.disconnect();
      offOutput();
      subscriptions.forEach((s) => s.dispose());
      view.current = null;
      dispose();
    };
  }, [session]);

  useEffect(() => {
    if (!active || !view.current) return;
    const element = host.current;
    if (element && element.offsetWidth > 0) view.current.fit.fit();
    view.current.term.focus();
  }, [active]);

  return <div ref={host} className="h-full w-full" data-terminal={session.localId} />;
}

/** What the replay page does to its terminal. */
export interface ReplayScreen {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Back to an empty screen of this size. */
  reset(cols: number, rows: number): void;
}

/** A read-only terminal of the recording's size for the replay page. */
export function ReplayTerminal({ cols, rows, onReady }: { cols: number; rows: number; onReady: (screen: ReplayScreen) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const ready = useRef(onReady);
  useEffect(() => {
    ready.current = onReady;
  });
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const { term, dispose } = mount(element, { cols, rows, disableStdin: true, cursorBlink: false });
    ready.current({
      write: (data) => term.write(data),
      resize: (c, r) => term.resize(c, r),
      reset: (c, r) => {
        term.reset();
        term.resize(c, r);
      },
    });
    return dispose;
  }, [cols, rows]);
  return <div ref={host} className="inline-block" data-replay-terminal="" />;
}
