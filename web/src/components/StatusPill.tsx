import { restartsTone, statusLabel, statusTone, type Tone } from '../lib/status';

/** Pill colours per tone, light and dark. */
export const TONE_STYLE: Record<Tone, string> = {
  ok: 'bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-300',
  progress: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
  warn: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
  bad: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
  done: 'bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-400',
  // Not known here (a custom resource's own words): outlined, no colour, no claim made.
  neutral: 'text-slate-700 ring-1 ring-inset ring-slate-300 dark:text-slate-300 dark:ring-slate-700',
};

const RESTARTS_STYLE = { warn: 'font-semibold text-amber-700 dark:text-amber-300', bad: 'font-semibold text-red-700 dark:text-red-400' };

/** Props that emphasise a restart count's cell (bold amber from 5, bold red from 20, `data-high`); its text is left alone. */
export function restartsMark(value: unknown): { className: string; 'data-high'?: 'true'; title?: string } {
  const tone = restartsTone(value);
  return tone ? { className: RESTARTS_STYLE[tone], 'data-high': 'true', title: `Restarted ${String(value)} times` } : { className: '' };
}

/**
 * A status text in its tone's colours. Its text content is exactly `text` (tests and people
 * read the cell as before); the tone's words are in `title` and the accessible name instead.
 * `role="img"`: ARIA allows no name on a plain span, and the pill reads as one glyph.
 * Inline-block only (no flex): a block-level child would add line breaks to `innerText`.
 */
export function StatusPill({ text, tone = statusTone(text), label = statusLabel(text, tone) }: { text: string; tone?: Tone; label?: string }) {
  return (
    <span
      role="img"
      data-tone={tone}
      title={label}
      aria-label={label}
      className={`inline-block max-w-full truncate rounded px-1.5 align-middle text-xs leading-5 ${TONE_STYLE[tone]}`}
    >
      {/* A dot in the text's colour, so the tone still shows where the tint is faint. Empty: no text. */}
      {tone !== 'neutral' && <span aria-hidden="true" className="mr-1 inline-block size-1.5 rounded-full bg-current align-middle" />}
      {text}
    </span>
  );
}
