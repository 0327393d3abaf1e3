import { Route, Routes } from 'react-router';

import { useSignedOut } from './api/session';

import { Shell } from './components/Shell';
import { BuiltinList, GenericList } from './pages/ListRoute';
import { DetailPage } from './pages/DetailPage';
import { FleetPage } from './pages/FleetPage';
import { NotFound } from './pages/NotFound';
import { OverviewPage } from './pages/OverviewPage';
import { SignedOutPage } from './pages/SignedOutPage';

export function App() {
  const signedOut = useSignedOut();
  if (signedOut) return <SignedOutPage reason={signedOut} />;
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<FleetPage />} />
        <Route path="clusters/:cluster" element={<OverviewPage />} />
        <Route path="clusters/:cluster/:resource" element={<BuiltinList />} />
        <Route path="clusters/:cluster/r/:group/:version/:resource" element={<GenericList />} />
        <Route path="clusters/:cluster/r/:group/:version/:resource/:namespace/:name" element={<DetailPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
