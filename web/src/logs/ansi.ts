// ANSI escape sequences in log lines: SGR (`ESC [ … m`) becomes styled segments; every other
// escape sequence (cursor moves, erase line, OSC titles and links) is dropped, so the text
// shown and searched is what a terminal would print. Written for this viewer (no dependency).

/** A colour: 0–15 the terminal's palette (themed by CSS classes), else a CSS colour. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface Segment {
  text: string;
  /** Null for unstyled text. */
  style: AnsiStyle | null;
}

const ESC = '\x1b';

/** Whether `text` holds any escape sequence at all (most lines do not: the fast path). */
export function hasEscape(text: string): boolean {
  return text.includes(ESC);
}

/** Where the escape sequence starting at `i` (an ESC) ends, and its SGR parameters if it is one. */
function scanEscape(text: string, i: number): { end: number; sgr: string | null } {
  const kind = text[i + 1];
  if (kind === '[') {
    // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
    let j = i + 2;
    while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j += 1;
    const params = text.slice(i + 2, j);
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j += 1;
    const final = text.charCodeAt(j);
    if (j >= text.length || final < 0x40 || final > 0x7e) return { end: j, sgr: null };
    return { end: j + 1, sgr: text[j] === 'm' && j === i + 2 + params.length ? params : null };
  }
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^') {
    // OSC / DCS / APC / PM: up to BEL or ST (ESC \).
    for (let j = i + 2; j < text.length; j += 1) {
      if (text[j] === '\x07') return { end: j + 1, sgr: null };
      if (text[j] === ESC && text[j + 1] === '\\') return { end: j + 2, sgr: null };
    }
    return { end: text.length, sgr: null };
  }
  // Any other escape: ESC, intermediate bytes 0x20–0x2F (as in `ESC ( B`), one final byte.
  let j = i + 1;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j += 1;
  return { end: Math.min(text.length, j + 1), sgr: null };
}

/** The xterm 256-colour palette entry `n` (16–255) as a CSS colour. */
export function xterm256(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const levels = [0, 95, 135, 175, 215, 255];
  const c = n - 16;
  return `rgb(${levels[Math.floor(c / 36) % 6]},${levels[Math.floor(c / 6) % 6]},${levels[c % 6]})`;
}

/** Reads an extended colour (`5;n` or `2;r;g;b`) at `codes[i]`; returns it and how many codes it used. */
function extendedColor(codes: number[], i: number): { color?: AnsiColor; used: number } {
  const mode = codes[i];
  if (mode === 5) {
    const n = codes[i + 1];
    if (n === undefined || n < 0 || n > 255) return { used: 2 };
    return { color: n < 16 ? n : xterm256(n), used: 2 };
  }
  if (mode === 2) {
    const [r, g, b] = [codes[i + 1], codes[i + 2], codes[i + 3]];
    if ([r, g, b].some((v) => v === undefined || v < 0 || v > 255)) return { used: 4 };
    return { color: `rgb(${r},${g},${b})`, used: 4 };
  }
  return { used: 1 };
}

/** The style after applying SGR parameters `params` (e.g. "1;31") to `style`. */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  // `38:2::r:g:b` (colon sub-parameters) reads like `38;2;r;g;b` once the colour-space id is gone.
  const codes = params.replace(/:(?=:)/g, '').split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  const next: AnsiStyle = { ...style };
  for (let i = 0; i < codes.length; i += 1) {
    const c = codes[i] ?? 0;
    if (c === 0) for (const key of Object.keys(next)) delete next[key as keyof AnsiStyle];
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 3) next.italic = true;
    else if (c === 4) next.underline = true;
    else if (c === 7) next.inverse = true;
    else if (c === 9) next.strike = true;
    else if (c === 22) next.bold = next.dim = undefined;
    else if (c === 23) next.italic = undefined;
    else if (c === 24) next.underline = undefined;
    else if (c === 27) next.inverse = undefined;
    else if (c === 29) next.strike = undefined;
    else if (c >= 30 && c <= 37) next.fg = c - 30;
    else if (c >= 90 && c <= 97) next.fg = c - 90 + 8;
    else if (c === 39) next.fg = undefined;
    else if (c >= 40 && c <= 47) next.bg = c - 40;
    else if (c >= 100 && c <= 107) next.bg = c - 100 + 8;
    else if (c === 49) next.bg = undefined;
    else if (c === 38 || c === 48) {
      const { color, used } = extendedColor(codes, i + 1);
      if (color !== undefined) next[c === 38 ? 'fg' : 'bg'] = color;
      i += used;
    }
  }
  for (const key of Object.keys(next) as (keyof AnsiStyle)[]) if (next[key] === undefined) delete next[key];
  return next;
}

const isPlain = (style: AnsiStyle) => Object.keys(style).length === 0;

/** Splits `text` into styled segments (escape sequences removed; empty segments left out). */
export function parseAnsi(text: string): Segment[] {
  if (!hasEscape(text)) return text === '' ? [] : [{ text, style: null }];
  const segments: Segment[] = [];
  let style: AnsiStyle = {};
  let chunk = '';
  let i = 0;
  const emit = () => {
    if (chunk === '') return;
    const last = segments[segments.length - 1];
    const s = isPlain(style) ? null : style;
    if (last && last.style === s) last.text += chunk;
    else segments.push({ text: chunk, style: s });
    chunk = '';
  };
  while (i < text.length) {
    const at = text.indexOf(ESC, i);
    if (at < 0) {
      chunk += text.slice(i);
      break;
    }
    chunk += text.slice(i, at);
    const { end, sgr } = scanEscape(text, at);
    if (sgr !== null) {
      emit();
      style = applySgr(style, sgr);
    }
    i = end;
  }
  emit();
  return segments;
}

/** `text` without escape sequences: what is shown, searched and copied. */
export function stripAnsi(text: string): string {
  if (!hasEscape(text)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf(ESC, i);
    if (at < 0) return out + text.slice(i);
    out += text.slice(i, at);
    i = scanEscape(text, at).end;
  }
  return out;
}
