// The audit page's state lives in its URL: the filters, the time range (a preset relative to
// now, or a custom from/to), the live tail switch and the open event. Pure functions, so a
// copied URL, Back/Forward and a reload all give the same view.

import { AUDIT_OUTCOMES, AUDIT_PHASES, AUDIT_VERBS } from './verbs';

/** The exact-match filters, in the order the API query lists them. */
export const TEXT_FILTERS = ['actor', 'verb', 'outcome', 'phase', 'cluster', 'namespace', 'name', 'requestId'] as const;
export type TextFilter = (typeof TEXT_FILTERS)[number];
export type Filters = Partial<Record<TextFilter, string>>;

const MINUTE = 60_000;
/** The time range presets: how far back from now. */
export const PRESETS = { '15m': 15 * MINUTE, '1h': 60 * MINUTE, '24h': 24 * 60 * MINUTE, '7d': 7 * 24 * 60 * MINUTE } as const;
export type Preset = keyof typeof PRESETS;
export const PRESET_LABELS: Record<Preset, string> = { '15m': '15 min', '1h': '1 h', '24h': '24 h', '7d': '7 d' };
/** The range of a URL that names none (the timeline's own default too). */
export const DEFAULT_PRESET: Preset = '24h';

/** A preset (the last N, up to now) or a custom range (either end may be open). */
export type TimeRange = { kind: 'preset'; preset: Preset } | { kind: 'custom'; from?: string; to?: string };

export interface AuditView {
  filters: Filters;
  range: TimeRange;
  /** The live tail switch as asked (`live=off` turns it off). */
  live: boolean;
  /** The request id of the event whose detail is open. */
  event?: string;
}

/** The values a closed filter may take (anything else in a URL is dropped, not sent). */
const CHOICES: Partial<Record<TextFilter, readonly string[]>> = { verb: AUDIT_VERBS, outcome: AUDIT_OUTCOMES, phase: AUDIT_PHASES };

const isPreset = (value: string | null): value is Preset => value !== null && Object.hasOwn(PRESETS, value);

/** An RFC 3339 time as the URL gives it, or undefined when it is not one. */
function time(value: string | null): string | undefined {
  if (!value || Number.isNaN(Date.parse(value))) return undefined;
  return value;
}

export function readView(search: URLSearchParams): AuditView {
  const filters: Filters = {};
  for (const key of TEXT_FILTERS) {
    const value = search.get(key)?.trim();
    const allowed = CHOICES[key];
    if (value && (!allowed || allowed.includes(value))) filters[key] = value;
  }
  const from = time(search.get('from'));
  const to = time(search.get('to'));
  const preset = search.get('range');
  const range: TimeRange =
    from || to ? { kind: 'custom', ...(from ? { from } : {}), ...(to ? { to } : {}) } : { kind: 'preset', preset: isPreset(preset) ? preset : DEFAULT_PRESET };
  const event = search.get('event') || undefined;
  return { filters, range, live: search.get('live') !== 'off', ...(event ? { event } : {}) };
}

/** The URL query of `view`; defaults are left out, so `/audit` alone is the default view. */
export function writeView(view: AuditView): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of TEXT_FILTERS) {
    const value = view.filters[key]?.trim();
    if (value) out.set(key, value);
  }
  if (view.range.kind === 'preset') {
    if (view.range.preset !== DEFAULT_PRESET) out.set('range', view.range.preset);
  } else {
    if (view.range.from) out.set('from', view.range.from);
    if (view.range.to) out.set('to', view.range.to);
  }
  if (!view.live) out.set('live', 'off');
  if (view.event) out.set('event', view.event);
  return out;
}

/** The URL query of the rows `view` shows (its cache key): filters and range, not the live switch or the open event. */
export function rowsKeyOf(view: AuditView): string {
  return writeView({ ...view, live: true, event: undefined }).toString();
}

/** The range as absolute bounds at `now` (ms): a preset ends now, open-ended. */
export function resolveRange(range: TimeRange, now: number): { from?: string; to?: string } {
  if (range.kind === 'preset') return { from: new Date(now - PRESETS[range.preset]).toISOString() };
  return { ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) };
}

/** The filter and time parameters shared by `/api/audit`, its timeline and its export. */
export function apiQuery(view: AuditView, now: number): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of TEXT_FILTERS) {
    const value = view.filters[key];
    if (value) out.set(key, value);
  }
  const { from, to } = resolveRange(view.range, now);
  if (from) out.set('from', from);
  if (to) out.set('to', to);
  return out;
}

/** Whether nothing new can match: the range ends in the past. */
export function endsInPast(range: TimeRange, now: number): boolean {
  return range.kind === 'custom' && range.to !== undefined && Date.parse(range.to) <= now;
}

/** Whether the live tail runs: asked for, and rows committed from now on can still match. */
export function liveTail(view: AuditView, now: number): boolean {
  return view.live && !endsInPast(view.range, now);
}

/**
 * What the live tail subscribes with: the same filters; a custom range's bounds (a preset's
 * start is always in the past, so new rows always fall in it).
 */
export function liveFilter(view: AuditView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of TEXT_FILTERS) {
    const value = view.filters[key];
    if (value) out[key] = value;
  }
  if (view.range.kind === 'custom') {
    if (view.range.from) out.from = view.range.from;
    if (view.range.to) out.to = view.range.to;
  }
  return out;
}

/** Whether a row's time falls in the view's range at `now`. */
export function inRange(range: TimeRange, timestamp: string, now: number): boolean {
  const t = Date.parse(timestamp);
  const { from, to } = resolveRange(range, now);
  return !(from && t < Date.parse(from)) && !(to && t >= Date.parse(to));
}

/** `view` with some filters changed (empty values removed); the open event stays. */
export function withFilters(view: AuditView, patch: Filters): AuditView {
  const filters: Filters = { ...view.filters };
  for (const [key, value] of Object.entries(patch) as [TextFilter, string | undefined][]) {
    if (value?.trim()) filters[key] = value.trim();
    else delete filters[key];
  }
  return { ...view, filters };
}

/** A `datetime-local` input's value for an RFC 3339 time (local time, to the second). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The RFC 3339 time of a `datetime-local` value (read as local time), or undefined when empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
