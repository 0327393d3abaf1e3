// The xterm.js views as lazy components: their code (and xterm.js) is a separate chunk that
// loads when the first terminal or replay is shown, not with the app.

import { lazy, Suspense, type ComponentProps } from 'react';

const LazyLive = lazy(() => import('./xterm').then((m) => ({ default: m.LiveTerminal })));
const LazyReplay = lazy(() => import('./xterm').then((m) => ({ default: m.ReplayTerminal })));

export type { ReplayScreen } from './xterm';

const loading = <p className="p-2 font-mono text-xs text-slate-400">Loading the terminal…</p>;

export function LiveTerminalView(props: ComponentProps<typeof LazyLive>) {
  return (
    <Suspense fallback={loading}>
      <LazyLive {...props} />
    </Suspense>
  );
}

export function ReplayTerminalView(props: ComponentProps<typeof LazyReplay>) {
  return (
    <Suspense fallback={loading}>
      <LazyReplay {...props} />
    </Suspense>
  );
}
