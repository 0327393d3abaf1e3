// The log viewer (loaded on demand): toolbar, pod chips, find, the lines, and a status line.
// Its state is the URL's (viewState.ts); the stream is useLogStream's.

import './ansi.css';

import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';

import { api, type KubeObject } from '../api/endpoints';
import { ErrorBox } from '../components/ErrorBox';
import { usePageKeys } from '../components/pageKeys';
import type { KindRef } from '../lib/resources';
import { FilterBox } from '../pages/list/FilterBox';
import { containersOf, defaultContainer } from './containers';
import { isPodRef, logsRoute } from './kinds';
import type { LogLine } from './lines';
import { type Jump, LogLines } from './LogLines';
import { LogToolbar } from './LogToolbar';
import { OmittedPods, PodChips } from './PodChips';
import type { LogStore, StreamState } from './store';
import { useLogKeys } from './useLogKeys';
import { useLogStream } from './useLogStream';
import { downloadQuery, type LogView, permalinkView, readView, writeView } from './viewState';

export interface LogViewerProps {
  cluster: string;
  kind: KindRef;
  namespace: string | undefined;
  name: string;
  /** The object's API path. */
  path: string;
  /** The object, for its containers (a pod's, or a workload's pod template). */
  object: KubeObject | undefined;
  /** Shown at the end of the toolbar (the detail tab's link to the full page). */
  extra?: ReactNode;
}

/** The line a permalink names, once it has arrived. */
function findMarked(store: LogStore, at: string, atPod: string): number | null {
  if (!at) return null;
  let found: number | null = null;
  store.ring.forEachFrom(store.ring.firstSeq, (line, seq) => {
    if (found === null && line.t === at && (!atPod || line.pod === atPod)) found = seq;
  });
  return found;
}

function phaseText(state: StreamState, follows: boolean): string {
  switch (state.phase) {
    case 'connecting':
      return 'Connecting…';
    case 'streaming':
      return follows ? 'Live' : 'Loading…';
    case 'reconnecting':
      return `Connection lost: reconnecting (${state.reconnects})…`;
    case 'done':
      return follows ? 'The log ended' : 'End of log';
    case 'failed':
      return 'Stopped';
  }
}

export default function LogViewer({ cluster, kind, namespace, name, path, object, extra }: LogViewerProps) {
  const [search, setSearch] = useSearchParams();
  const location = useLocation();
  const view = useMemo(() => readView(search), [search]);
  // Two changes before the next render (keys pressed quickly) build on each other.
  const latestSearch = useRef(search);
  useEffect(() => {
    latestSearch.current = search;
  }, [search]);
  const update = useCallback(
    (patch: Partial<LogView>) => {
      const next = writeView({ ...readView(latestSearch.current), ...patch }, latestSearch.current);
      latestSearch.current = next;
      setSearch(next, { replace: true, state: location.state });
    },
    [setSearch, location.state],
  );
  // The find shows at once; the URL (a transition in the router) follows.
  const [typedFind, setTypedFind] = useState<string | null>(null);
  if (typedFind !== null && typedFind === view.find) setTypedFind(null);
  const find = typedFind ?? view.find;
  const { store, version } = useLogStream(path, view, find);
  const state = store.getState();
  const follows = view.follow && !view.previous;

  // Following: the newest line stays in view. A permalink opens where its line is.
  const [pinned, setPinned] = useState(() => view.at === '');
  const [pausedAt, setPausedAt] = useState(0);
  const pin = useCallback(
    (next: boolean) => {
      setPinned(next);
      if (!next) setPausedAt(store.ring.endSeq);
    },
    [store],
  );
  const [current, setCurrent] = useState<number | null>(null);
  const [jump, setJump] = useState<Jump | null>(null);
  const top = useRef(0);
  const goTo = (seq: number | undefined) => {
    if (seq === undefined) return;
    setCurrent(seq);
    setJump((j) => ({ seq, n: (j?.n ?? 0) + 1 }));
    pin(false);
  };
  const step = (dir: 'next' | 'prev') => {
    const from = current ?? (dir === 'next' ? top.current - 1 : top.current);
    goTo(dir === 'next' ? store.search.next(from) : store.search.prev(from));
  };
  /** A new find: its match nearest the view (following: the newest one). */
  const commitFind = (query: string) => {
    performance.mark('log-find-start');
    store.setFind(query);
    performance.measure('log-find', 'log-find-start');
    setTypedFind(query);
    update({ find: query });
    if (query === '') return setCurrent(null);
    const count = store.search.count;
    goTo(pinned ? store.search.at(count - 1) : store.search.next(top.current - 1));
  };
  const marked = useMemo(() => findMarked(store, view.at, view.atPod), [store, view.at, view.atPod, version]); // eslint-disable-line react-hooks/exhaustive-deps -- the ring changes with `version`

  useLogKeys({
    follow: () => {
      if (!follows) {
        update({ follow: true, previous: false });
        return pin(true);
      }
      pin(!pinned);
    },
    newest: () => pin(true),
    wrap: () => update({ wrap: !view.wrap }),
    timestamps: () => update({ timestamps: !view.timestamps }),
    next: () => step('next'),
    prev: () => step('prev'),
  });
  usePageKeys((key) => {
    if (key !== 'clear' || find === '') return false;
    commitFind('');
    return true;
  });

  // Copying a line's permalink: the URL also shows in the status line (the clipboard may be refused).
  const [copied, setCopied] = useState<{ url: string; ok: boolean } | null>(null);
  const onCopyLink = useCallback(
    (line: LogLine) => {
      const query = writeView(permalinkView(readView(latestSearch.current), { t: line.t, pod: line.pod })).toString();
      const url = `${window.location.origin}${logsRoute(cluster, kind, namespace, name, `?${query}`)}`;
      const done = (ok: boolean) => setCopied({ url, ok });
      if (navigator.clipboard) navigator.clipboard.writeText(url).then(() => done(true), () => done(false));
      else done(false);
    },
    [cluster, kind, namespace, name],
  );

  const pod = isPodRef(kind);
  const containers = useMemo(() => {
    const own = containersOf(kind.resource, object);
    if (own.length > 0 || !state.meta) return own;
    // A Service has no pod template: offer what its pods run.
    const seen = [...new Set(state.meta.pods.map((p) => p.container).filter((c): c is string => Boolean(c)))];
    return seen.map((c) => ({ name: c, kind: 'container' as const }));
  }, [kind.resource, object, state.meta]);
  const size = store.ring.size;
  const newLines = pinned ? 0 : Math.max(0, store.ring.endSeq - pausedAt);
  const matchCount = store.search.count;
  const ordinal = current === null ? -1 : store.search.ordinal(current);

  return (
    <div
      className="log-view flex h-full min-h-0 flex-col rounded border border-slate-200 dark:border-slate-800"
      id="log-viewer"
      data-phase={state.phase}
      data-lines={size}
      data-received={store.ring.endSeq}
      data-dropped={state.dropped}
      data-follow={pinned ? 'following' : 'paused'}
      data-matches={find ? matchCount : undefined}
    >
      <LogToolbar
        view={view}
        update={update}
        containers={containers}
        defaultName={pod ? defaultContainer(kind.resource, object) : undefined}
        downloadUrl={(format) => api.logsDownloadUrl(path, downloadQuery(view, format))}
        fullPage={extra}
      />
      {!pod && state.meta && <PodChips meta={state.meta} pods={view.pods} onPods={(pods) => update({ pods })} />}
      {state.meta && <OmittedPods omitted={state.meta.omitted} />}
      {state.phase === 'failed' && (
        <div className="px-3 py-2">
          <ErrorBox error={state.error} />
        </div>
      )}
      <div className="flex items-center gap-2 border-b border-slate-200 px-3 py-1.5 text-sm dark:border-slate-800">
        <FilterBox
          id="log-find"
          search
          className="w-64"
          value={find}
          onCommit={commitFind}
          placeholder="Find in these lines  ( / )"
          onKey={(e) => {
            if (e.key !== 'Enter') return;
            e.preventDefault();
            const text = e.currentTarget.value;
            if (text !== store.search.query) commitFind(text);
            else step(e.shiftKey ? 'prev' : 'next');
          }}
        />
        {find && (
          <span id="log-find-count" className="text-xs text-slate-500" data-count={matchCount}>
            {matchCount === 0 ? 'No matches' : `${ordinal >= 0 ? `${ordinal + 1} / ` : ''}${matchCount.toLocaleString('en')} match${matchCount === 1 ? '' : 'es'}`}
          </span>
        )}
        {find && matchCount > 0 && (
          <>
            <button type="button" id="log-find-prev" className="rounded px-1.5 hover:bg-slate-200 dark:hover:bg-slate-800" title="Previous match ([)" onClick={() => step('prev')}>
              ↑
            </button>
            <button type="button" id="log-find-next" className="rounded px-1.5 hover:bg-slate-200 dark:hover:bg-slate-800" title="Next match (])" onClick={() => step('next')}>
              ↓
            </button>
          </>
        )}
        <span className="flex-1" />
        {state.dropped > 0 && (
          <span id="log-dropped" role="status" className="rounded bg-amber-100 px-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200" title="The server dropped lines because this browser read too slowly">
            {state.dropped.toLocaleString('en')} lines dropped by the server
          </span>
        )}
        {store.ring.evicted > 0 && (
          <span id="log-evicted" className="text-xs text-slate-500" title={`The viewer keeps the newest ${store.ring.capacity.toLocaleString('en')} lines; download the log for all of it`}>
            {store.ring.evicted.toLocaleString('en')} older lines out of view
          </span>
        )}
      </div>
      <LogLines
        store={store}
        version={version}
        timestamps={view.timestamps}
        wrap={view.wrap}
        find={find}
        pinned={pinned}
        onPinned={pin}
        current={current}
        marked={marked}
        jump={jump}
        onCopyLink={onCopyLink}
        onTop={(seq) => {
          top.current = seq;
        }}
      />
      <div className="flex items-center gap-3 border-t border-slate-200 px-3 py-1 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400" id="log-status">
        <span id="log-phase">{phaseText(state, follows)}</span>
        <span>{size.toLocaleString('en')} lines</span>
        {view.at && marked === null && (state.phase === 'done' || state.phase === 'failed') && <span className="text-amber-700 dark:text-amber-300">The linked line is not among these lines.</span>}
        {!pinned && (
          <button type="button" id="log-resume" className="rounded bg-blue-600 px-2 text-white hover:bg-blue-700" onClick={() => pin(true)}>
            {follows ? 'Paused' : 'Not at the end'}
            {newLines > 0 ? ` · ${newLines.toLocaleString('en')} new` : ''} · press f to follow
          </button>
        )}
        {copied && (
          <span className="flex min-w-0 items-center gap-1">
            {copied.ok ? 'Link copied:' : 'Link:'}
            <input id="log-permalink" readOnly className="w-96 min-w-0 rounded border border-slate-300 bg-transparent px-1 dark:border-slate-700" value={copied.url} onFocus={(e) => e.target.select()} />
          </span>
        )}
      </div>
    </div>
  );
}
