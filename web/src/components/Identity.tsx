import { useLocation } from 'react-router';

import { useWhoami } from '../api/hooks';
import { signOut } from '../api/session';

/** Who is signed in, and where: the footer of the sidebar (with "Use with kubectl" when the Shell offers it). */
export function Identity({ onKubectl }: { onKubectl?: () => void }) {
  const { data } = useWhoami();
  const location = useLocation();
  return (
    <div className="border-t border-slate-200 p-3 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400">
      {data && (
        <>
          <p id="subject">Signed in as {data.subject} ({data.email})</p>
          <p id="groups">Groups: {data.groups.length ? data.groups.join(', ') : '(none)'}</p>
          <p id="tier">Tier: {data.tier ?? 'none'}</p>
        </>
      )}
      <p id="page" className="truncate" title="This page's shareable address">
        Page: {location.pathname + location.search}
      </p>
      {onKubectl && (
        <p className="mt-1">
          <button type="button" id="identity-kubectl" className="underline" onClick={onKubectl}>
            Use with kubectl…
          </button>
        </p>
      )}
      <p className="mt-1 space-x-2">
        <button type="button" id="sign-out" className="underline" onClick={() => void signOut()}>
          Sign out
        </button>
        <a className="underline" href="/api/auth/logout/everywhere">Sign out everywhere</a>
      </p>
    </div>
  );
}
