// The terminal pages load on demand: most visits never open one, and the initial bundle stays small.

import { lazy, Suspense } from 'react';

const Exec = lazy(() => import('./ExecPage').then((m) => ({ default: m.ExecPage })));
const Sessions = lazy(() => import('./SessionsPage').then((m) => ({ default: m.SessionsPage })));
const Replay = lazy(() => import('./ReplayPage').then((m) => ({ default: m.ReplayPage })));

const loading = <p className="p-6 text-sm text-slate-500">Loading…</p>;

export function ExecPage() {
  return (
    <Suspense fallback={loading}>
      <Exec />
    </Suspense>
  );
}

export function SessionsPage() {
  return (
    <Suspense fallback={loading}>
      <Sessions />
    </Suspense>
  );
}

export function ReplayPage() {
  return (
    <Suspense fallback={loading}>
      <Replay />
    </Suspense>
  );
}
