// The log view's state lives in the URL, so a link reproduces it in a fresh tab: what the
// server streams (container, tail, since, previous, follow, filters, pods) and how it is shown
// (timestamps, wrap, find, the line a permalink points at). Defaults are left out of the URL.

import { type Level, LEVELS } from './level';

export const TAILS = [100, 500, 1000, 5000, 10_000] as const;
export const DEFAULT_TAIL = 1000;
/** Largest tail a URL may ask for (more than the ring holds would only be dropped). */
export const MAX_TAIL = 50_000;

export const SINCES = { '': 0, '15m': 900, '1h': 3600, '6h': 21_600, '24h': 86_400 } as const;
export type Since = keyof typeof SINCES;

/** How far before a permalinked line its view starts. */
export const PERMALINK_CONTEXT_SECONDS = 30;

export interface LogView {
  /** '' = the default container (each pod's, for workloads). */
  container: string;
  tail: number;
  since: Since;
  /** RFC3339; wins over `since` (permalinks set it). */
  sinceTime: string;
  previous: boolean;
  follow: boolean;
  timestamps: boolean;
  wrap: boolean;
  /** Server-side substring filter. */
  q: string;
  /** Server-side regex filter. */
  regex: string;
  level: Level | '';
  /** Workloads: only these pods (server-side). */
  pods: string[];
  /** Find in the loaded lines (client-side). */
  find: string;
  /** A permalinked line: its timestamp and pod. */
  at: string;
  atPod: string;
}

export const DEFAULT_VIEW: LogView = {
  container: '',
  tail: DEFAULT_TAIL,
  since: '',
  sinceTime: '',
  previous: false,
  follow: true,
  timestamps: true,
  wrap: true,
  q: '',
  regex: '',
  level: '',
  pods: [],
  find: '',
  at: '',
  atPod: '',
};

/** The URL parameters the log view owns (anything else in the URL is left alone). */
export const VIEW_PARAMS = [
  'container', 'tail', 'since', 'sinceTime', 'previous', 'follow', 'ts', 'wrap', 'q', 'regex', 'level', 'pods', 'find', 'at', 'atPod',
] as const;

const isSince = (v: string): v is Since => Object.hasOwn(SINCES, v);
const isLevel = (v: string): v is Level => (LEVELS as readonly string[]).includes(v);
/** `1`/`true` and `0`/`false`; anything else keeps the default. */
function flag(value: string | null, fallback: boolean): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return fallback;
}

function isTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

/** The view a URL describes; a value that makes no sense falls back to the default. */
export function readView(params: URLSearchParams): LogView {
  const d = DEFAULT_VIEW;
  const tail = Number(params.get('tail'));
  const since = params.get('since') ?? '';
  const sinceTime = params.get('sinceTime') ?? '';
  const level = (params.get('level') ?? '').toLowerCase();
  const at = params.get('at') ?? '';
  return {
    container: params.get('container') ?? d.container,
    tail: Number.isInteger(tail) && tail > 0 && tail <= MAX_TAIL ? tail : d.tail,
    since: isSince(since) ? since : d.since,
    sinceTime: isTime(sinceTime) ? sinceTime : d.sinceTime,
    previous: flag(params.get('previous'), d.previous),
    follow: flag(params.get('follow'), d.follow),
    timestamps: flag(params.get('ts'), d.timestamps),
    wrap: flag(params.get('wrap'), d.wrap),
    q: params.get('q') ?? d.q,
    regex: params.get('regex') ?? d.regex,
    level: isLevel(level) ? level : d.level,
    pods: [...new Set((params.get('pods') ?? '').split(',').map((p) => p.trim()).filter(Boolean))].sort(),
    find: params.get('find') ?? d.find,
    at: isTime(at) ? at : d.at,
    atPod: params.get('atPod') ?? d.atPod,
  };
}

/** `base` with the view's parameters set (defaults removed); other parameters are kept. */
export function writeView(view: LogView, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(base);
  VIEW_PARAMS.forEach((k) => out.delete(k));
  const d = DEFAULT_VIEW;
  const set = (key: string, value: string, fallback: string) => {
    if (value !== fallback) out.set(key, value);
  };
  const bool = (key: string, value: boolean, fallback: boolean) => {
    if (value !== fallback) out.set(key, value ? '1' : '0');
  };
  set('container', view.container, d.container);
  set('tail', String(view.tail), String(d.tail));
  set('since', view.since, d.since);
  set('sinceTime', view.sinceTime, d.sinceTime);
  bool('previous', view.previous, d.previous);
  bool('follow', view.follow, d.follow);
  bool('ts', view.timestamps, d.timestamps);
  bool('wrap', view.wrap, d.wrap);
  set('q', view.q, d.q);
  set('regex', view.regex, d.regex);
  set('level', view.level, d.level);
  set('pods', [...view.pods].sort().join(','), '');
  set('find', view.find, d.find);
  set('at', view.at, d.at);
  set('atPod', view.atPod, d.atPod);
  return out;
}

/** The query (with `?`) of `GET {obj}/logs` for this view (docs/api.md, Logs). */
export function streamQuery(view: LogView): string {
  const q = serverParams(view);
  // A previous instance has ended: there is nothing to follow.
  if (!view.follow || view.previous) q.set('follow', 'false');
  q.set('tailLines', String(view.tail));
  return `?${q.toString()}`;
}

/** The query of `GET {obj}/logs/download`: the whole log (no tail) with the view's filters. */
export function downloadQuery(view: LogView, format: 'text' | 'gzip'): string {
  const q = serverParams(view);
  q.set('format', format);
  return `?${q.toString()}`;
}

/** What the server filters on, shared by the stream and the download. */
function serverParams(view: LogView): URLSearchParams {
  const q = new URLSearchParams();
  if (view.container) q.set('container', view.container);
  if (view.previous) q.set('previous', 'true');
  if (view.sinceTime) q.set('sinceTime', view.sinceTime);
  else if (view.since) q.set('sinceSeconds', String(SINCES[view.since]));
  if (view.q) q.set('q', view.q);
  if (view.regex) q.set('regex', view.regex);
  if (view.level) q.set('level', view.level);
  if (view.pods.length > 0) q.set('pods', view.pods.join(','));
  return q;
}

/** The stream a view opens: views that differ only in how lines are shown share it. */
export function streamKey(path: string, view: LogView): string {
  return `${path}/logs${streamQuery(view)}`;
}

/**
 * The view a line's permalink opens: the same filters, not following, starting a little
 * before the line with as many lines as the viewer holds (so the line is in the history
 * unless more than that was logged after it), and the line marked.
 */
export function permalinkView(view: LogView, line: { t: string; pod?: string }): LogView {
  const at = Date.parse(line.t);
  const start = Number.isNaN(at) ? '' : new Date(at - PERMALINK_CONTEXT_SECONDS * 1000).toISOString().replace('.000Z', 'Z');
  return {
    ...view,
    follow: false,
    since: '',
    sinceTime: start,
    tail: MAX_TAIL,
    find: '',
    at: line.t,
    atPod: line.pod ?? '',
  };
}
