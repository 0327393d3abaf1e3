// The history's query on its own (key, read, paging), so the detail page can start it on the
// tab's click, before the tab's code renders.

import { infiniteQueryOptions } from '@tanstack/react-query';

import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';

/** Entries per page (the API's default; it takes 1–1000). */
export const PAGE_SIZE = 200;

/** An object's history, newest first, a page at a time (the next page is older). */
export const historyQuery = (path: string) =>
  infiniteQueryOptions({
    queryKey: queryKeys.objectPart(path, 'history'),
    queryFn: ({ pageParam, signal }) => api.history(path, pageParam, PAGE_SIZE, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? undefined,
  });
