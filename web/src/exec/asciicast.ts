// Recordings (asciicast v2, as `GET /api/exec/recordings/{id}` answers): parsing, what to draw
// up to a time (seek re-renders from the start), playback ticks and search in the output.
// Pure: the replay page feeds the steps to an xterm instance.

/** One event: seconds since the start, its code (`o` output, `i` input, `r` resize, `m` marker) and data. */
export interface CastEvent {
  time: number;
  code: string;
  data: string;
}

export interface Cast {
  width: number;
  height: number;
  title?: string;
  /** Unix seconds of the start, when the header says. */
  timestamp?: number;
  events: CastEvent[];
  /** Time of the last event. */
  duration: number;
  /** Lines that were not events (a recording cut mid-line by a killed server ends with one). */
  skipped: number;
}

export class CastError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** Parses an asciicast v2 file; a bad header is an error, bad event lines are counted and skipped. */
export function parseCast(text: string): Cast {
  const lines = text.split('\n');
  let header: unknown;
  try {
    header = JSON.parse(lines[0] ?? '');
  } catch {
    throw new CastError('not an asciicast recording: the first line is not a JSON header');
  }
  if (!isObject(header) || header.version !== 2) throw new CastError('not an asciicast v2 recording');
  const width = positive(header.width);
  const height = positive(header.height);
  if (!width || !height) throw new CastError('the recording header has no terminal size');
  const events: CastEvent[] = [];
  let skipped = 0;
  let last = 0;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'string' || typeof value[2] !== 'string' || !(value[0] >= 0)) {
      skipped++;
      continue;
    }
    // Times never go back: a clock step must not reorder what was drawn.
    last = Math.max(last, value[0]);
    events.push({ time: last, code: value[1], data: value[2] });
  }
  return {
    width,
    height,
    title: typeof header.title === 'string' ? header.title : undefined,
    timestamp: typeof header.timestamp === 'number' ? header.timestamp : undefined,
    events,
    duration: last,
    skipped,
  };
}

/** A resize event's `COLSxROWS`, or `null`. */
export function parseSize(data: string): { cols: number; rows: number } | null {
  const m = /^(\d+)x(\d+)$/.exec(data.trim());
  if (!m) return null;
  const cols = Number(m[1]);
  const rows = Number(m[2]);
  return cols > 0 && rows > 0 ? { cols, rows } : null;
}

/** What the player does to its terminal. */
export type Step = { kind: 'write'; data: string } | { kind: 'resize'; cols: number; rows: number } | { kind: 'marker'; text: string };

/**
 * The steps of events `from..` up to and including time `until`, and the index of the first
 * event left. Consecutive output is joined into one write (seeking draws a long session fast).
 */
export function stepsUntil(cast: Cast, from: number, until: number): { steps: Step[]; next: number } {
  const steps: Step[] = [];
  let i = from;
  let pending = '';
  const flush = () => {
    if (pending) steps.push({ kind: 'write', data: pending });
    pending = '';
  };
  for (; i < cast.events.length; i++) {
    const event = cast.events[i] as CastEvent;
    if (event.time > until) break;
    if (event.code === 'o') {
      pending += event.data;
    } else if (event.code === 'r') {
      const size = parseSize(event.data);
      if (size) {
        flush();
        steps.push({ kind: 'resize', ...size });
      }
    } else if (event.code === 'm') {
      flush();
      steps.push({ kind: 'marker', text: event.data });
    }
    // `i` (input) is not drawn: the terminal's echo is in the output already.
  }
  flush();
  return { steps, next: i };
}

/** The player: where it is in the recording and whether it runs. */
export interface PlayState {
  /** Seconds into the recording. */
  time: number;
  /** The first event not yet drawn. */
  next: number;
  playing: boolean;
  speed: number;
}

export const SPEEDS = [1, 2, 8] as const;

export function initialPlay(): PlayState {
  return { time: 0, next: 0, playing: false, speed: 1 };
}

/** Advances a playing state by `elapsedMs` of wall time; stops at the end. */
export function tick(cast: Cast, state: PlayState, elapsedMs: number): { state: PlayState; steps: Step[] } {
  if (!state.playing) return { state, steps: [] };
  const time = Math.min(cast.duration, state.time + (Math.max(0, elapsedMs) / 1000) * state.speed);
  const { steps, next } = stepsUntil(cast, state.next, time);
  const ended = next >= cast.events.length && time >= cast.duration;
  return { state: { ...state, time, next, playing: !ended }, steps };
}

/**
 * Seeking to `time`: the terminal is reset to the recording's first size and these steps draw
 * everything up to that time.
 */
export function seek(cast: Cast, state: PlayState, time: number): { state: PlayState; steps: Step[] } {
  const at = Math.min(Math.max(0, time), cast.duration);
  const { steps, next } = stepsUntil(cast, 0, at);
  return { state: { ...state, time: at, next }, steps };
}

/** Play from the start again when at the end, else just run. */
export function play(cast: Cast, state: PlayState): { state: PlayState; restart: boolean } {
  const atEnd = state.next >= cast.events.length && state.time >= cast.duration;
  if (atEnd) return { state: { ...state, time: 0, next: 0, playing: true }, restart: true };
  return { state: { ...state, playing: true }, restart: false };
}

/** A match of a search in the output. */
export interface Match {
  /** When the match is fully on screen. */
  time: number;
  /** The matching line, for the list of matches. */
  preview: string;
}

// CSI, OSC (to BEL or ST), charset designations and other two-byte escapes, and the C0
// controls other than newline.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+].|\x1b[0-~]|[\x00-\x09\x0b-\x1f\x7f]/g;

/**
 * Every place `query` (case-insensitive, plain text) appears in the output, in order, with the
 * time its last character was written. Escape sequences are skipped, also across events.
 */
export function search(cast: Cast, query: string, limit = 200): Match[] {
  const needle = query.toLowerCase();
  if (!needle) return [];
  // The whole output, with where each event's text starts.
  const starts: number[] = [];
  const times: number[] = [];
  let raw = '';
  for (const event of cast.events) {
    if (event.code !== 'o') continue;
    starts.push(raw.length);
    times.push(event.time);
    raw += event.data;
  }
  // Plain text with, for each of its characters, its index in `raw`.
  let plain = '';
  const origin: number[] = [];
  let at = 0;
  const keep = (until: number) => {
    for (; at < until; at++) {
      plain += raw[at];
      origin.push(at);
    }
  };
  for (const m of raw.matchAll(ESCAPES)) {
    keep(m.index);
    at = m.index + m[0].length;
  }
  keep(raw.length);
  const lower = plain.toLowerCase();
  const matches: Match[] = [];
  for (let i = lower.indexOf(needle); i !== -1 && matches.length < limit; i = lower.indexOf(needle, i + needle.length)) {
    const last = origin[i + needle.length - 1] as number;
    // The event holding the match's last character: the last start at or before it.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= last) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = plain.lastIndexOf('\n', i) + 1;
    const lineEnd = plain.indexOf('\n', i + needle.length);
    const preview = plain.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).trim().slice(0, 160);
    matches.push({ time: times[lo] as number, preview });
  }
  return matches;
}

/** `m:ss` (or `h:mm:ss`) of a number of seconds. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
