// The object read the split pane shows and the detail page shares (a row opened in the pane
// shows at once on its full page). Kept out of ObjectPane so the list can start a row's read on
// pointerdown without loading the pane's code.

import type { QueryClient } from '@tanstack/react-query';

import { api } from '../../api/endpoints';
import { queryKeys } from '../../api/queryKeys';
import type { Row } from '../../api/types.gen';
import type { KindEntry } from '../../lib/kinds';
import { objectPath } from '../../lib/resources';

/** The query of the object at `path` (the detail page's). */
export function objectQuery(path: string) {
  return { queryKey: queryKeys.objectPart(path, 'detail'), queryFn: ({ signal }: { signal: AbortSignal }) => api.object(path, signal) };
}

/** Starts reading `row`'s object unless the cache has it (or a read of it is on its way). */
export function readRowAhead(queryClient: QueryClient, cluster: string, entry: KindEntry, row: Row): void {
  void queryClient.prefetchQuery(objectQuery(objectPath(cluster, entry, row.namespace, row.name)));
}
