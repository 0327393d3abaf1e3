// `GET {obj}/history` (docs/api.md, object history): one object's story, newest first, merged
// on the server from its audit rows, the changes the watch engine saw and its Events. Written
// by hand in the server's field names, as the audit answers are.

import type { AuditOutcome } from '../audit/types';
import type { DiffChange } from '../components/DiffTable';

/** Where an entry comes from: a console action, an observed change, a Kubernetes Event. */
export type HistorySource = 'console' | 'change' | 'event';

/** The Event an `event` entry is. */
export interface HistoryEvent {
  /** `Normal` or `Warning`. */
  type: string | null;
  reason: string | null;
  message: string | null;
  count: number;
}

/** One entry of an object's history. */
export interface HistoryItem {
  /** `change:123`, `audit:456`, `event:<uid>`: unique and stable. */
  id: string;
  /** RFC 3339. */
  ts: string;
  source: HistorySource;
  /** The user (console), the field manager (change; `unknown` if none), the reporting component (event). */
  who: string;
  /** The field manager of the observed write (`periscope` on a console row merged with its change). */
  manager: string | null;
  operation: string | null;
  subresource: string | null;
  /** The audit verb (console), `created`/`updated`/`deleted` (change), the Event's reason. */
  action: string;
  /** Console rows only. */
  outcome: AuditOutcome | null;
  paths: string[];
  /** How many more paths changed than `paths` lists. */
  truncated: number;
  /** What a console action changed, before → after (Secret values never). */
  diff: DiffChange[] | null;
  resourceVersion: string | null;
  /** The object's uid then: a recreated object has a new one. */
  uid: string | null;
  requestId: string | null;
  auditId: number | null;
  event: HistoryEvent | null;
}

/** One page; `next` is the `before` cursor of the page after it (older entries), null at the end. */
export interface HistoryPage {
  items: HistoryItem[];
  next: string | null;
  /** Whether out-of-band changes of this object are being recorded right now. */
  recording: boolean;
  /** Why the object's Events could not be read (the rest of the answer stands). */
  eventsError?: string;
}
