// The audit table's first query, shared by the page (useAuditRows) and the boot-time prefetch
// (prefetch.ts), so both read and cache the very same rows.

import { infiniteQueryOptions } from '@tanstack/react-query';

import { auditApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { apiQuery, type AuditView } from './filters';
import { nextOffset, PAGE_SIZE } from './pages';

/** The infinite query of `view`'s rows (`rowsKey` names it): pages of `GET /api/audit` by offset. */
export function auditRowsQuery(view: AuditView, rowsKey: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.auditRows(rowsKey),
    initialPageParam: 0,
    // A preset range ends now: "now" is when the page is read, not when the view was opened.
    queryFn: ({ pageParam, signal }) => auditApi.list(apiQuery(view, Date.now()), pageParam, PAGE_SIZE, signal),
    getNextPageParam: (_last, pages) => nextOffset(pages),
  });
}
