import { useStreamHealth } from '../live';

const STYLE = {
  live: 'bg-green-100 text-green-800 dark:bg-green-900 dark:text-green-200',
  reconnecting: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200',
  polling: 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
} as const;

export function StreamBadge() {
  const health = useStreamHealth();
  return (
    <span id="stream-health" title="How this page stays up to date" className={`rounded px-2 py-0.5 text-xs ${STYLE[health]}`}>
      {health}
    </span>
  );
}
