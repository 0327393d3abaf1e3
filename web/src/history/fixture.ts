// Test support: history entries and pages shaped as the API answers them (docs/api.md).

import type { HistoryItem, HistoryPage } from './types';

/** An observed `updated` change by kubectl, `seconds` after a fixed minute; `over` replaces fields. */
export function entry(id: string, seconds: number, over: Partial<HistoryItem> = {}): HistoryItem {
  return {
    id,
    ts: new Date(Date.UTC(2026, 11, 1, 6, 0, seconds)).toISOString(),
    source: 'change',
    who: 'kubectl-patch',
    manager: 'kubectl-patch',
    operation: 'Update',
    subresource: null,
    action: 'updated',
    outcome: null,
    paths: ['spec.replicas'],
    truncated: 0,
    diff: null,
    resourceVersion: String(1000 + seconds),
    uid: 'uid-1',
    requestId: null,
    auditId: null,
    event: null,
    ...over,
  };
}

/** A page of `items`; `next` null: the last one. */
export function page(items: HistoryItem[], next: string | null = null, recording = true): HistoryPage {
  return { items, next, recording };
}
