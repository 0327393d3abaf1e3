// Usage (metrics-server) shown against what it is compared with: a bar with its words, or the
// number alone when there is nothing to compare with.

import { formatUsage, type UsageKey, usagePercent, usageText } from '../lib/usage';

const NAMES: Record<UsageKey, string> = { cpu: 'CPU', memory: 'Memory' };

/** What a bar compares with: a request is a reservation (over it is no fault), a limit or allocatable a ceiling. */
export type Against = 'request' | 'limit' | 'allocatable';

function tone(pct: number, against: Against): string {
  if (against === 'request') return pct > 100 ? 'bg-amber-500' : 'bg-sky-600 dark:bg-sky-500';
  return pct >= 100 ? 'bg-red-600' : pct >= 80 ? 'bg-amber-500' : 'bg-green-600';
}

/**
 * `used` of `of` as a meter (`data-usage-bar` cpu|memory, `data-of`, `data-percent`) with its
 * words (`120m of 500m request (24%)`); the number alone (`data-usage-value`) when `of` is not set.
 */
export function UsageBar({ usage, used, of, against }: { usage: UsageKey; used: number; of: number | null; against: Against }) {
  const pct = usagePercent(used, of);
  if (pct === null) {
    return (
      <span className="tabular-nums" data-usage-value={usage}>
        {formatUsage(usage, used)}
      </span>
    );
  }
  const words = usageText(usage, used, of, against);
  return (
    <span className="flex items-center gap-2" data-usage-bar={usage} data-of={against} data-percent={pct}>
      <span
        role="meter"
        aria-label={`${NAMES[usage]} usage of the ${against}`}
        aria-valuemin={0}
        aria-valuemax={Math.max(100, pct)}
        aria-valuenow={pct}
        aria-valuetext={words}
        className="inline-block h-2 w-28 shrink-0 overflow-hidden rounded bg-slate-200 dark:bg-slate-700"
      >
        <span className={`block h-2 ${tone(pct, against)}`} style={{ width: `${Math.min(100, pct)}%` }} />
      </span>
      <span className="whitespace-nowrap text-xs tabular-nums text-slate-700 dark:text-slate-300">{words}</span>
    </span>
  );
}

/** The quiet line shown when usage cannot be read (metrics-server absent or down, or not allowed): never an error. */
export function UsageUnavailable({ reason }: { reason: string | undefined }) {
  return (
    <p className="text-sm text-slate-500 dark:text-slate-400" data-usage-unavailable="">
      Usage unavailable{reason ? `: ${reason}` : ''}
    </p>
  );
}
