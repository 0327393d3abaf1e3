// What the audit page reads first, asked for at boot when the browser opens /audit directly:
// the signed-in user and the first page of rows go out while the page's code loads, instead of
// one after another once it has rendered.

import type { QueryClient } from '@tanstack/react-query';

import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { readView, rowsKeyOf } from './filters';
import { auditRowsQuery } from './rowsQuery';

/** Starts the audit page's first reads for the URL query `search`; the page finds them in the cache. */
export function prefetchAudit(queryClient: QueryClient, search: string): void {
  const view = readView(new URLSearchParams(search));
  // The same key and call as useWhoami (api/hooks.ts), which the page renders with.
  void queryClient.prefetchQuery({ queryKey: queryKeys.whoami(), queryFn: ({ signal }) => api.whoami(signal) });
  void queryClient.prefetchInfiniteQuery(auditRowsQuery(view, rowsKeyOf(view)));
}
