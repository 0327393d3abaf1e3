// What a log line says about itself: its level (to colour it) and whether it is one JSON value
// (to pretty-print it on click). Cheap checks first: this runs once per line as lines arrive.

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

const WORDS: Record<string, Level> = {
  trace: 'trace', trc: 'trace', verbose: 'trace',
  debug: 'debug', dbg: 'debug',
  info: 'info', information: 'info', informational: 'info', notice: 'info',
  warn: 'warn', warning: 'warn', wrn: 'warn',
  error: 'error', err: 'error', eror: 'error',
  fatal: 'fatal', panic: 'fatal', critical: 'fatal', crit: 'fatal', emergency: 'fatal', emerg: 'fatal', alert: 'fatal', dpanic: 'fatal',
};

/** A level word (any case) or a pino/bunyan number (10 trace … 60 fatal), else null. */
export function normalizeLevel(value: string | number): Level | null {
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const n = Number(value);
    if (n >= 60) return 'fatal';
    if (n >= 50) return 'error';
    if (n >= 40) return 'warn';
    if (n >= 30) return 'info';
    if (n >= 20) return 'debug';
    if (n >= 10) return 'trace';
    return null;
  }
  return WORDS[value.toLowerCase()] ?? null;
}

// JSON keys the server's `level` filter reads too (docs/api.md), and a few more for colour.
const JSON_LEVEL = /"(?:level|severity|lvl|loglevel|log\.level|levelname)"\s*:\s*(?:"([A-Za-z]{1,16})"|(\d{1,3})\b)/i;
const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl|severity)=("?)([A-Za-z]{1,16})\1(?=\s|$)/i;
// klog / glog: `I0102 15:04:05.000000 …` (I, W, E, F).
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;
const KLOG_LEVEL: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };
// Plain text: an upper-case level word, or a bracketed one, near the start.
const BRACKETED = /\[(trace|debug|info|warn(?:ing)?|error|fatal|panic)\]/i;
const PLAIN_CASED = /\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|PANIC|CRIT(?:ICAL)?)\b/;
/** How far into a plain line a level word is looked for. */
const PLAIN_WINDOW = 120;

/** The level a line states (JSON key, logfmt pair, klog prefix or a level word), or null. */
export function detectLevel(text: string): Level | null {
  const start = text.trimStart();
  if (start.startsWith('{')) {
    const m = JSON_LEVEL.exec(text);
    if (m) return normalizeLevel(m[1] ?? Number(m[2]));
  }
  if (text.includes('=')) {
    const m = LOGFMT_LEVEL.exec(text);
    if (m?.[2]) return normalizeLevel(m[2]);
  }
  const k = KLOG.exec(start);
  if (k?.[1]) return KLOG_LEVEL[k[1]] ?? null;
  const head = text.slice(0, PLAIN_WINDOW);
  const cased = PLAIN_CASED.exec(head);
  if (cased?.[1]) return normalizeLevel(cased[1]);
  const bracketed = BRACKETED.exec(head);
  return bracketed?.[1] ? normalizeLevel(bracketed[1]) : null;
}

/** Whether a line is worth trying as JSON (an object or array, nothing around it). */
export function looksLikeJson(text: string): boolean {
  const t = text.trim();
  return (t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'));
}

/** The line as a JSON object or array, or undefined when it is not one. */
export function parseJsonLine(text: string): object | undefined {
  if (!looksLikeJson(text)) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON line indented for reading, or null when the line is not JSON. */
export function prettyJson(text: string): string | null {
  const value = parseJsonLine(text);
  return value === undefined ? null : JSON.stringify(value, null, 2);
}
