import type { QueryClient } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';

import { useSignedOut } from './api/session';
import { prefetchAudit } from './audit/prefetch';
import { AUDIT_ROUTE } from './audit/routes';

import { Page } from './components/PageBoundary';
import { Shell } from './components/Shell';
import { BuiltinList, GenericList } from './pages/ListRoute';
import { DetailPage } from './pages/DetailPage';
import { ExecPage, ReplayPage, SessionsPage } from './pages/exec/lazyPages';
import { lazyPage } from './lib/lazyPage';
import { FleetPage } from './pages/FleetPage';
import { NotFound } from './pages/NotFound';
import { OverviewPage } from './pages/OverviewPage';
import { SignedOutPage } from './pages/SignedOutPage';

// The log viewer is loaded when first opened: it stays out of the initial JavaScript.
const LogsPage = lazy(() => import('./pages/LogsPage'));
// The Helm section too (and the YAML library it renders values with).
const HelmListPage = lazy(() => import('./helm/HelmListPage'));
const ReleasePage = lazy(() => import('./helm/ReleasePage'));
// And the audit page; opened directly, it is loaded ahead (see preloadRoute).
const { Page: AuditPage, preload: preloadAudit } = lazyPage(() => import('./audit/AuditPage'));

/**
 * Before the first render: starts the reads of the page the browser opened, when it loads on
 * demand, and settles once its code is here (so it renders at once, with no fallback to hold).
 */
export function preloadRoute(queryClient: QueryClient, location: Pick<Location, 'pathname' | 'search'>): Promise<void> {
  if (location.pathname !== AUDIT_ROUTE) return Promise.resolve();
  prefetchAudit(queryClient, location.search);
  return preloadAudit();
}

const loading = (what: string) => <p className="p-6 text-sm text-slate-500">Loading {what}…</p>;

export function App() {
  const signedOut = useSignedOut();
  if (signedOut) return <SignedOutPage reason={signedOut} />;
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<Page><FleetPage /></Page>} />
        <Route path="clusters/:cluster" element={<Page><OverviewPage /></Page>} />
        <Route path="clusters/:cluster/helm" element={<Page><Suspense fallback={loading('Helm')}><HelmListPage /></Suspense></Page>} />
        <Route path="clusters/:cluster/helm/:namespace/:name" element={<Page><Suspense fallback={loading('the release')}><ReleasePage /></Suspense></Page>} />
        <Route path="clusters/:cluster/:resource" element={<Page><BuiltinList /></Page>} />
        <Route path="clusters/:cluster/r/:group/:version/:resource" element={<Page><GenericList /></Page>} />
        <Route path="clusters/:cluster/r/:group/:version/:resource/:namespace/:name" element={<Page><DetailPage /></Page>} />
        <Route
          path="clusters/:cluster/r/:group/:version/:resource/:namespace/:name/logs"
          element={<Page><Suspense fallback={loading('the log viewer')}><LogsPage /></Suspense></Page>}
        />
        <Route path="clusters/:cluster/r/core/v1/pods/:namespace/:name/exec" element={<Page><ExecPage /></Page>} />
        <Route path="audit" element={<Page><Suspense fallback={loading('the audit trail')}><AuditPage /></Suspense></Page>} />
        <Route path="exec" element={<Page><SessionsPage /></Page>} />
        <Route path="exec/recordings/:id" element={<Page><ReplayPage /></Page>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
