import { useEffect, useRef, useState, useSyncExternalStore } from 'react';

import { api } from '../api/endpoints';
import { browserClock } from '../lib/throttle';
import { LogStore } from './store';
import { runLogStream } from './stream';
import { type LogView, streamKey } from './viewState';

/**
 * The stream of object `path` for `view`, kept open while the component is mounted: a new one
 * when what the server streams changes, the same one when only how lines are shown changes.
 * The loaded lines are searched for `find`. `version` changes with every batch of lines (and every change of the stream's state).
 */
export function useLogStream(path: string, view: LogView, find: string): { store: LogStore; version: number } {
  const key = streamKey(path, view);
  const [current, setCurrent] = useState(() => ({ key, store: new LogStore() }));
  let store = current.store;
  if (current.key !== key) {
    store = new LogStore();
    setCurrent({ key, store });
  }
  // The stream is opened with the view of the render that asked for it.
  const latest = useRef(view);
  useEffect(() => {
    latest.current = view;
  });
  useEffect(() => {
    // Opened again on the same store (StrictMode, a remount): start from nothing.
    store.reset();
    return runLogStream(store, latest.current, { ...browserClock, open: (query, signal) => api.logs(path, query, signal) });
  }, [store, path]);
  useEffect(() => store.setFind(find), [store, find]);
  const version = useSyncExternalStore(store.subscribe, store.getVersion);
  return { store, version };
}
