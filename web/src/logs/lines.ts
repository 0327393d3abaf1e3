// One log line as the viewer keeps it: the frame's fields plus what is worked out once on
// arrival (text without escapes, its lower case for search, level, JSON or not), so that
// rendering and searching 50,000 lines never redo it.

import { stripAnsi } from './ansi';
import { detectLevel, type Level, looksLikeJson } from './level';

/** A line frame (`data: {"t","l","p"?,"c"?,"x"?}`, docs/api.md). */
export interface LineFrame {
  t: string;
  l: string;
  p?: string;
  c?: string;
  x?: boolean;
}

export interface LogLine {
  /** RFC3339Nano timestamp from the kubelet. */
  t: string;
  /** The text as written (escape sequences kept: they are rendered). */
  text: string;
  /** Without escape sequences: shown, searched, copied. */
  plain: string;
  lower: string;
  pod?: string;
  container?: string;
  /** Cut by the server at 1 MiB. */
  truncated: boolean;
  level: Level | null;
  json: boolean;
}

/** A frame's JSON as a line frame, or null when it is not one. */
export function toFrame(value: unknown): LineFrame | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.l !== 'string') return null;
  return {
    t: typeof v.t === 'string' ? v.t : '',
    l: v.l,
    p: typeof v.p === 'string' ? v.p : undefined,
    c: typeof v.c === 'string' ? v.c : undefined,
    x: v.x === true,
  };
}

export function toLine(frame: LineFrame): LogLine {
  const plain = stripAnsi(frame.l);
  return {
    t: frame.t,
    text: frame.l,
    plain,
    lower: plain.toLowerCase(),
    pod: frame.p,
    container: frame.c,
    truncated: frame.x === true,
    level: detectLevel(plain),
    json: looksLikeJson(plain),
  };
}

/** `2026-01-02T15:04:05.123456789Z` → `2026-01-02 15:04:05.123` (UTC, as the kubelet wrote it). */
export function shortTime(t: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?/.exec(t);
  if (!m) return t;
  return `${m[1]} ${m[2]}${(m[3] ?? '.').padEnd(4, '0')}`;
}

/** The line as the download file has it: `<t> [<pod>] <text>`. */
export function lineAsText(line: LogLine): string {
  return `${line.t} ${line.pod ? `[${line.pod}] ` : ''}${line.plain}`;
}
