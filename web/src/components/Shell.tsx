import { useEffect, useRef, useState } from 'react';
import { Outlet, useNavigate, useParams } from 'react-router';

import { useClusters } from '../api/hooks';
import { PODS_REF } from '../lib/kinds';
import { type Binding, feedKey, initialKeyState, isTypingTarget } from '../lib/keys';
import { listRoute } from '../lib/resources';
import { ClusterRail } from './ClusterRail';
import { Palette } from './Palette';
import { Sidebar } from './Sidebar';
import { StreamBadge } from './StreamBadge';
import { ThemeToggle } from './ThemeToggle';

/** The frame of every page: cluster rail, kinds sidebar, header, and the global shortcuts. */
export function Shell() {
  const { cluster } = useParams();
  const clusters = useClusters();
  const navigate = useNavigate();
  const [paletteOpen, setPaletteOpen] = useState(false);
  const target = cluster ?? clusters.data?.clusters[0]?.name;
  const keyState = useRef(initialKeyState());

  useEffect(() => {
    const bindings: Binding[] = [
      {
        keys: '/',
        run: () => document.querySelector<HTMLInputElement>('[data-search-box]')?.focus(),
      },
      { keys: 'g p', run: () => target && navigate(listRoute(target, PODS_REF)) },
      { keys: 'g f', run: () => navigate('/') },
      { keys: 'g o', run: () => target && navigate(`/clusters/${encodeURIComponent(target)}`) },
    ];
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setPaletteOpen((open) => !open);
        return;
      }
      if (event.metaKey || event.ctrlKey || event.altKey || isTypingTarget(event.target)) return;
      const { state, match } = feedKey(keyState.current, event.key, Date.now(), bindings);
      keyState.current = state;
      if (match) {
        event.preventDefault();
        match.run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, target]);

  return (
    <div className="flex h-screen overflow-hidden">
      <ClusterRail />
      <Sidebar cluster={cluster} />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center gap-3 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
          <span className="font-semibold">Periscope</span>
          <button
            type="button"
            onClick={() => setPaletteOpen(true)}
            className="ml-4 w-72 rounded border border-slate-300 px-3 py-1 text-left text-sm text-slate-500 dark:border-slate-700"
          >
            Jump to… <kbd className="float-right text-xs">Ctrl K</kbd>
          </button>
          <span className="flex-1" />
          <StreamBadge />
          <ThemeToggle />
        </header>
        <main className="min-h-0 flex-1 overflow-auto">
          <Outlet />
        </main>
      </div>
      {paletteOpen && <Palette cluster={target} onClose={() => setPaletteOpen(false)} />}
    </div>
  );
}
