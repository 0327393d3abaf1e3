import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { loginUrl, type SignedOutReason } from '../api/client';

/** Shown in place of the console after "Sign out", or when signing in again did not stick. */
export function SignedOutPage({ reason }: { reason: SignedOutReason }) {
  const queryClient = useQueryClient();
  // Nothing read during the session stays in this tab's memory.
  useEffect(() => queryClient.clear(), [queryClient]);
  const here = window.location.pathname + window.location.search;
  return (
    <main className="flex h-screen items-center justify-center p-6">
      <div id="signed-out" data-reason={reason} role="status" className="max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold">{reason === 'expired' ? 'Your session has ended' : 'You are signed out of Periscope'}</h1>
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          {reason === 'expired'
            ? 'Signing in again did not give this tab a working session. Try once more; if it keeps happening, check that this site may set cookies.'
            : 'Your session on this browser has ended. Sign in again to carry on where you were.'}
        </p>
        <a id="sign-in-again" href={loginUrl(here)} className="mt-4 inline-block rounded bg-blue-600 px-4 py-1.5 text-sm text-white">
          Sign in again
        </a>
        <p className="mt-2 truncate text-xs text-slate-500" title={here}>
          and come back to {here}
        </p>
      </div>
    </main>
  );
}
