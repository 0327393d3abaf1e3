import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { Link, Outlet, useNavigate, useParams, useSearchParams } from 'react-router';

import { useClusters, useKinds } from '../api/hooks';
import { Drawer } from '../exec/Drawer';
import { helmListRoute } from '../helm/routes';
import { AUDIT_ROUTE } from '../audit/routes';
import { SESSIONS_ROUTE } from '../exec/routes';
import type { CommandContext } from '../lib/command';
import { builtinByPlural, findEntry, type KindEntry, PODS_REF, unknownKind } from '../lib/kinds';
import { type Binding, feedKey, initialKeyState, isTypingTarget } from '../lib/keys';
import { listRoute } from '../lib/resources';
import { ROW_KEYS, SHORTCUTS, type ShortcutId } from '../lib/shortcuts';
import { ClusterRail } from './ClusterRail';
import { CommandLine } from './CommandLine';
import { type PageKey, runPageKey } from './pageKeys';
import { Palette } from './Palette';
import { ShortcutSheet } from './ShortcutSheet';
import { Sidebar } from './Sidebar';
import { StreamBadge } from './StreamBadge';
import { ThemeToggle } from './ThemeToggle';

type Overlay = 'palette' | 'command' | 'help' | 'apply' | 'kubectl' | null;

// Loaded on first use: the YAML parser it needs stays out of the initial bundle.
const ApplyYamlDialog = lazy(() => import('../applyyaml/ApplyYamlDialog'));
// Loaded on first use too: most sessions never open it.
const KubectlDialog = lazy(() => import('../kubectl/KubectlDialog'));

/** Links, buttons and the like answer Enter themselves. */
function isInteractive(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('a, button, summary, [role="button"], [role="tab"]') !== null;
}

/** The kind on screen (list or detail page), if any. */
function currentKind(params: Record<string, string | undefined>, catalog: KindEntry[]): KindEntry | undefined {
  const { group, version, resource } = params;
  if (!resource) return undefined;
  if (!group || !version) return builtinByPlural(catalog, resource);
  const ref = { group, version, resource };
  return { ...(findEntry(catalog, ref) ?? unknownKind(ref)), version };
}

/** The frame of every page: cluster rail, kinds sidebar, header, and the global shortcuts. */
export function Shell() {
  const params = useParams();
  const [search] = useSearchParams();
  const { cluster } = params;
  const clusters = useClusters();
  const navigate = useNavigate();
  const [overlay, setOverlay] = useState<Overlay>(null);
  const target = cluster ?? clusters.data?.clusters[0]?.name;
  const catalog = useKinds(target).entries;
  const keyState = useRef(initialKeyState());
  const here: CommandContext = {
    cluster: target,
    kind: cluster ? currentKind(params, catalog) : undefined,
    namespace: search.get('namespace') ?? (params.namespace && params.namespace !== '_' ? params.namespace : undefined),
  };

  useEffect(() => {
    const actions: Record<ShortcutId, () => void> = {
      filter: () => document.querySelector<HTMLInputElement>('[data-search-box]')?.focus(),
      command: () => setOverlay('command'),
      down: () => undefined,
      up: () => undefined,
      open: () => undefined,
      select: () => undefined,
      split: () => undefined,
      pods: () => target && navigate(listRoute(target, PODS_REF)),
      overview: () => target && navigate(`/clusters/${encodeURIComponent(target)}`),
      fleet: () => navigate('/'),
      helm: () => target && navigate(helmListRoute(target)),
      audit: () => navigate(AUDIT_ROUTE),
      palette: () => setOverlay((o) => (o === 'palette' ? null : 'palette')),
      help: () => setOverlay('help'),
      escape: () => undefined,
      shell: () => document.querySelector<HTMLButtonElement>('[data-terminal-button]:not(:disabled)')?.click(),
      apply: () => target && setOverlay('apply'),
      edit: () => document.querySelector<HTMLButtonElement>('[data-edit-button]:not(:disabled)')?.click(),
      terminal: () => undefined,
      'replay-play': () => undefined,
      'replay-seek': () => undefined,
    };
    const bindings: (Binding & { id: ShortcutId })[] = SHORTCUTS.flatMap((s) => s.bind.map((keys) => ({ id: s.id, keys, run: actions[s.id] })));
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        actions.palette();
        return;
      }
      if (event.key === 'Escape') {
        // Overlays close themselves; otherwise Esc drops the row highlight.
        if (!overlay && !document.querySelector('[role="dialog"]') && !isTypingTarget(event.target)) runPageKey('clear');
        // The Apply YAML dialog closes itself (not while it is applying).
        if (overlay && overlay !== 'apply') setOverlay(null);
        return;
      }
      if (event.metaKey || event.ctrlKey || event.altKey || isTypingTarget(event.target)) return;
      // A dialog, the palette or the command line has the keyboard.
      if (overlay || document.querySelector('[role="dialog"]')) return;
      if (event.key === 'Enter' && isInteractive(event.target)) return;
      const { state, match } = feedKey(keyState.current, event.key, Date.now(), bindings);
      keyState.current = state;
      if (!match) return;
      if (ROW_KEYS.has(match.id)) {
        if (runPageKey(match.id as PageKey)) event.preventDefault();
        return;
      }
      event.preventDefault();
      match.run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, target, overlay]);

  const close = () => setOverlay(null);
  const names = clusters.data?.clusters.map((c) => c.name) ?? [];
  const openKubectl = () => setOverlay('kubectl');
  return (
    <div className="flex h-screen overflow-hidden">
      <ClusterRail />
      <Sidebar cluster={cluster} onKubectl={openKubectl} />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center gap-3 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
          <span className="font-semibold">Periscope</span>
          <button
            type="button"
            onClick={() => setOverlay('palette')}
            className="ml-4 w-72 rounded border border-slate-300 px-3 py-1 text-left text-sm text-slate-500 dark:border-slate-700"
          >
            Jump to… <kbd className="float-right text-xs">Ctrl K</kbd>
          </button>
          <span className="flex-1" />
          <button
            type="button"
            id="apply-yaml-button"
            title="Apply YAML (a)"
            disabled={!target}
            onClick={() => setOverlay('apply')}
            className="rounded px-2 py-0.5 text-sm text-slate-500 hover:bg-slate-200 disabled:opacity-50 dark:hover:bg-slate-800"
          >
            Apply YAML
          </button>
          <button
            type="button"
            id="kubectl-button"
            title="Use with kubectl: a kubeconfig or a personal access token"
            disabled={names.length === 0}
            onClick={openKubectl}
            className="rounded px-2 py-0.5 text-sm text-slate-500 hover:bg-slate-200 disabled:opacity-50 dark:hover:bg-slate-800"
          >
            kubectl
          </button>
          <Link to={AUDIT_ROUTE} id="audit-link" title="Audit trail: who did what (g a)" className="rounded px-2 py-0.5 text-sm text-slate-500 hover:bg-slate-200 dark:hover:bg-slate-800">
            Audit
          </Link>
          <Link to={SESSIONS_ROUTE} id="sessions-link" title="Terminal sessions and recordings" className="rounded px-2 py-0.5 text-sm text-slate-500 hover:bg-slate-200 dark:hover:bg-slate-800">
            Sessions
          </Link>
          <button type="button" id="shortcuts-button" title="Keyboard shortcuts (?)" onClick={() => setOverlay('help')} className="rounded px-2 py-0.5 text-sm text-slate-500 hover:bg-slate-200 dark:hover:bg-slate-800">
            ?
          </button>
          <StreamBadge />
          <ThemeToggle />
        </header>
        <main className="min-h-0 flex-1 overflow-auto">
          <Outlet />
        </main>
        <Drawer />
      </div>
      {overlay === 'palette' && (
        <Palette
          cluster={target}
          inCluster={Boolean(cluster)}
          clusters={names}
          onClose={close}
          globalActions={[
            ...(target ? [{ id: 'apply-yaml', label: 'Apply YAML…', run: () => setOverlay('apply') }] : []),
            ...(names.length > 0 ? [{ id: 'kubectl', label: 'Use with kubectl (kubeconfig, tokens)…', run: openKubectl }] : []),
            { id: 'audit', label: 'Audit trail: who did what', run: () => navigate(AUDIT_ROUTE) },
          ]}
        />
      )}
      {overlay === 'apply' && target && (
        <Suspense fallback={null}>
          <ApplyYamlDialog cluster={target} namespace={here.namespace} onClose={close} />
        </Suspense>
      )}
      {overlay === 'kubectl' && (
        <Suspense fallback={null}>
          <KubectlDialog cluster={target} clusters={names} onClose={close} />
        </Suspense>
      )}
      {overlay === 'command' && <CommandLine here={here} catalog={catalog} clusters={names} onClose={close} />}
      {overlay === 'help' && <ShortcutSheet onClose={close} />}
    </div>
  );
}
