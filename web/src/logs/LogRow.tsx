import { type CSSProperties, memo, useState } from 'react';

import type { AnsiColor, AnsiStyle } from './ansi';
import { podColor } from './colors';
import { type Piece, pieces } from './highlight';
import type { Level } from './level';
import { prettyJson } from './level';
import { type LogLine, shortTime } from './lines';

/** One unwrapped line's height (text-xs, leading-5). */
export const ROW_HEIGHT = 20;

const LEVEL_STYLE: Record<Level, string> = {
  trace: 'border-transparent text-slate-500',
  debug: 'border-transparent text-slate-500',
  info: 'border-transparent',
  warn: 'border-amber-500',
  error: 'border-red-500',
  fatal: 'border-fuchsia-600 bg-red-50 dark:bg-red-950/40',
};

/** Classes and inline colours of an SGR style (palette colours by class, so themes apply). */
function styleProps(style: AnsiStyle | null, hit: boolean): { className?: string; style?: CSSProperties } {
  if (!style && !hit) return {};
  const s = style ?? {};
  const classes: string[] = [];
  const css: CSSProperties = {};
  const paint = (color: AnsiColor | undefined, kind: 'fg' | 'bg') => {
    if (typeof color === 'number') classes.push(`ansi-${kind}-${color}`);
    else if (color !== undefined) css[kind === 'fg' ? 'color' : 'backgroundColor'] = color;
    // Inverse video without a colour: the view's own colours, swapped.
    else if (s.inverse) classes.push(`ansi-inverse-${kind}`);
  };
  paint(s.inverse ? s.bg : s.fg, 'fg');
  paint(s.inverse ? s.fg : s.bg, 'bg');
  if (s.bold) classes.push('font-bold');
  if (s.dim) classes.push('opacity-60');
  if (s.italic) classes.push('italic');
  if (s.underline) classes.push('underline');
  if (s.strike) classes.push('line-through');
  if (hit) classes.push('log-hit');
  return { className: classes.join(' ') || undefined, style: Object.keys(css).length > 0 ? css : undefined };
}

function Text({ parts }: { parts: Piece[] }) {
  return parts.map((p, i) => {
    const props = styleProps(p.style, p.hit);
    return props.className || props.style ? (
      <span key={i} {...props} data-hit={p.hit ? '' : undefined}>
        {p.text}
      </span>
    ) : (
      p.text
    );
  });
}

interface LogRowProps {
  line: LogLine;
  seq: number;
  timestamps: boolean;
  wrap: boolean;
  find: string;
  /** The find's current match. */
  current: boolean;
  /** The line a permalink points at. */
  marked: boolean;
  expanded: boolean;
  /** Observes the row's height (a ref callback; the row is in flow, so rows stack). */
  measure: (el: HTMLDivElement | null) => void;
  onToggleJson: (seq: number) => void;
  /** Copies a link to `line`: the line this row shows, even if the buffer moved on since. */
  onCopyLink: (line: LogLine) => void;
}

/** One log line. Memoized (its props do not say where it is): a batch of new lines renders only the rows that come into view. */
export const LogRow = memo(function LogRow(props: LogRowProps) {
  const { line, seq, timestamps, wrap, find, current, marked, expanded, measure, onToggleJson, onCopyLink } = props;
  const [showAll, setShowAll] = useState(false);
  const shown = pieces(line.text, line.plain, find, showAll ? Infinity : undefined);
  const pretty = expanded ? prettyJson(line.plain) : null;
  const tone = line.level ? LEVEL_STYLE[line.level] : 'border-transparent';
  const state = current ? 'bg-amber-100 dark:bg-amber-900/50' : marked ? 'bg-blue-100 dark:bg-blue-950' : '';
  return (
    <div
      role="row"
      data-testid="log-line"
      data-seq={seq}
      data-pod={line.pod}
      data-level={line.level ?? undefined}
      data-current={current ? '' : undefined}
      data-marked={marked ? '' : undefined}
      ref={measure}
      className={`group flow-root w-full border-l-2 pr-2 leading-5 hover:bg-slate-100 dark:hover:bg-slate-900 ${tone} ${state}`}
    >
      <div className="flex">
        <button
          type="button"
          data-permalink
          title="Copy a link to this line"
          className="w-5 shrink-0 text-center text-slate-400 opacity-0 hover:text-blue-600 focus:opacity-100 group-hover:opacity-100"
          onClick={() => onCopyLink(line)}
        >
          #
        </button>
        {timestamps && (
          <span className="shrink-0 self-start select-none pr-2 text-slate-400" data-ts title={line.t}>
            {shortTime(line.t)}
          </span>
        )}
        {line.pod && (
          <span className={`mr-2 max-w-48 shrink-0 self-start truncate rounded border-l-4 px-1 ${podColor(line.pod)}`} data-line-pod title={line.container ? `${line.pod} / ${line.container}` : line.pod}>
            {line.pod}
          </span>
        )}
        {line.json && (
          <button type="button" data-json-toggle aria-expanded={expanded} title="Pretty-print this JSON line" className="mr-1 shrink-0 text-slate-400 hover:text-blue-600" onClick={() => onToggleJson(seq)}>
            {expanded ? '{−}' : '{}'}
          </button>
        )}
        <span className={wrap ? 'min-w-0 flex-1 whitespace-pre-wrap [overflow-wrap:anywhere]' : 'whitespace-pre'} data-text>
          <Text parts={shown.pieces} />
          {shown.hidden > 0 && (
            <button type="button" className="ml-2 text-blue-700 hover:underline dark:text-blue-300" onClick={() => setShowAll(true)}>
              … {shown.hidden.toLocaleString()} more characters
            </button>
          )}
          {line.truncated && <span className="ml-2 text-amber-700 dark:text-amber-300" title="The server cuts lines at 1 MiB">[cut at 1 MiB]</span>}
        </span>
      </div>
      {pretty !== null && (
        <pre data-json className="my-1 ml-5 whitespace-pre-wrap rounded bg-slate-100 p-2 dark:bg-slate-900">
          {pretty}
        </pre>
      )}
    </div>
  );
});
