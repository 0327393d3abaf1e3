// Signing out inside the app, and the state that shows the signed-out page.

import { useSyncExternalStore } from 'react';

import { liveStreams } from '../live';
import { onSignedOutChange, setSignedOut, type SignedOutReason, signedOutReason } from './client';

export function useSignedOut(): SignedOutReason | null {
  return useSyncExternalStore(onSignedOutChange, signedOutReason, signedOutReason);
}

/**
 * Ends this browser's session (`POST /api/auth/logout`, docs/auth.md), closes the live stream
 * and shows the signed-out page in place, so "Sign in again" comes back to this page. If the
 * request cannot be made, the browser goes to the server's logout page instead.
 */
export async function signOut(): Promise<void> {
  let ended: boolean;
  try {
    // The answer is a redirect to the server's static signed-out page: not followed here.
    const answer = await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin', redirect: 'manual' });
    ended = answer.type === 'opaqueredirect' || answer.ok || (answer.status >= 300 && answer.status < 400);
  } catch {
    ended = false;
  }
  if (!ended) {
    window.location.assign('/api/auth/logout');
    return;
  }
  liveStreams().stop();
  setSignedOut('signed-out');
}
