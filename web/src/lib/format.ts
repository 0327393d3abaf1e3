// How cells and times are shown. Pure functions: unit tested.

/** Kubernetes-style age of `iso` at `now`: 45s, 12m, 3h, 5d, 2y (largest whole unit). */
export function formatAge(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Text of one list cell. Times show as ages; empty values as an em dash. */
export function formatCell(key: string, value: unknown, now: number = Date.now()): string {
  if (value === null || value === undefined || value === '') return '—';
  if (key === 'createdAt' || key === 'lastSchedule') {
    return typeof value === 'string' ? formatAge(value, now) || value : String(value);
  }
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Columns whose values are numbers are right-aligned. */
export function isNumericColumn(key: string): boolean {
  return ['restarts', 'desired', 'current', 'available', 'updated', 'active', 'data', 'secrets'].includes(key);
}

/** A byte count: 12 B, 3.4 KiB, 2.0 MiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.floor(bytes || 0))} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time to the second: 2026-03-01 12:30:05. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * A whole count with thousands separators, as `toLocaleString('en-US')` writes it (1,234,567),
 * without Intl: a tab's first Intl number format costs tens of milliseconds (ICU set-up).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
