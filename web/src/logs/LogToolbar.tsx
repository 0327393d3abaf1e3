import { type ReactNode, useState } from 'react';

import { FilterBox } from '../pages/list/FilterBox';
import type { ContainerChoice } from './containers';
import { LEVELS } from './level';
import { type LogView, type Since, SINCES, TAILS } from './viewState';

const SINCE_LABEL: Record<Since, string> = { '': 'All time', '15m': 'Last 15 min', '1h': 'Last hour', '6h': 'Last 6 hours', '24h': 'Last 24 hours' };
const CONTAINER_KIND: Record<ContainerChoice['kind'], string> = { container: '', init: ' (init)', ephemeral: ' (ephemeral)' };

const control = 'rounded border border-slate-300 bg-white px-1.5 py-1 text-sm dark:border-slate-700 dark:bg-slate-900';

function Toggle({ id, checked, onChange, children, title }: { id: string; checked: boolean; onChange: (v: boolean) => void; children: ReactNode; title?: string }) {
  return (
    <label className="flex items-center gap-1 text-sm" title={title}>
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {children}
    </label>
  );
}

interface LogToolbarProps {
  view: LogView;
  update: (patch: Partial<LogView>) => void;
  /** Containers to pick from; `defaultName` is what '' means (undefined: each pod's default). */
  containers: ContainerChoice[];
  defaultName: string | undefined;
  downloadUrl: (format: 'text' | 'gzip') => string;
  /** The full-page view of these logs (shown in the detail tab only). */
  fullPage?: ReactNode;
}

/** What the server streams (container, tail, since, previous, follow, filters) and how lines show. */
export function LogToolbar({ view, update, containers, defaultName, downloadUrl, fullPage }: LogToolbarProps) {
  const tails = (TAILS as readonly number[]).includes(view.tail) ? TAILS : [...TAILS, view.tail];
  // The box filters by text or by regex; with the box empty the URL cannot say which.
  const [wantRegex, setWantRegex] = useState(false);
  const regexMode = view.regex !== '' || (wantRegex && view.q === '');
  const toggleRegex = () => {
    setWantRegex(!regexMode);
    if (regexMode && view.regex) update({ q: view.regex, regex: '' });
    if (!regexMode && view.q) update({ regex: view.q, q: '' });
  };
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800" id="log-toolbar">
      <select
        id="log-container"
        aria-label="Container"
        className={control}
        value={view.container}
        onChange={(e) => update({ container: e.target.value === defaultName ? '' : e.target.value })}
      >
        <option value="">{defaultName ? `${defaultName} (default)` : "Each pod's default container"}</option>
        {containers
          .filter((c) => c.name !== defaultName)
          .map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
              {CONTAINER_KIND[c.kind]}
            </option>
          ))}
        {view.container && !containers.some((c) => c.name === view.container) && <option value={view.container}>{view.container}</option>}
      </select>
      <select id="log-tail" aria-label="Lines of history" className={control} value={view.tail} onChange={(e) => update({ tail: Number(e.target.value) })}>
        {tails.map((n) => (
          <option key={n} value={n}>
            Last {n.toLocaleString('en')} lines
          </option>
        ))}
      </select>
      <select
        id="log-since"
        aria-label="Since"
        className={control}
        value={view.sinceTime ? 'time' : view.since}
        onChange={(e) => update({ since: e.target.value as Since, sinceTime: '' })}
      >
        {view.sinceTime && <option value="time">Since {view.sinceTime}</option>}
        {(Object.keys(SINCES) as Since[]).map((s) => (
          <option key={s} value={s}>
            {SINCE_LABEL[s]}
          </option>
        ))}
      </select>
      <Toggle id="log-previous" checked={view.previous} onChange={(previous) => update({ previous })} title="The previous instance of the container (after a restart)">
        Previous
      </Toggle>
      <Toggle id="log-follow" checked={view.follow && !view.previous} onChange={(follow) => update({ follow })} title="Keep the stream open for new lines (f)">
        Follow
      </Toggle>
      <Toggle id="log-timestamps" checked={view.timestamps} onChange={(timestamps) => update({ timestamps })} title="t">
        Timestamps
      </Toggle>
      <Toggle id="log-wrap" checked={view.wrap} onChange={(wrap) => update({ wrap })} title="w">
        Wrap
      </Toggle>
      <select id="log-level" aria-label="Minimum level" className={control} value={view.level} onChange={(e) => update({ level: e.target.value as LogView['level'] })}>
        <option value="">Any level</option>
        {LEVELS.map((l) => (
          <option key={l} value={l}>
            {l} and above
          </option>
        ))}
      </select>
      <span className="flex items-center">
        <FilterBox
          id="log-filter"
          className="w-48"
          delay={400}
          value={regexMode ? view.regex : view.q}
          onCommit={(text) => update(regexMode ? { regex: text } : { q: text })}
          placeholder={regexMode ? 'Server filter (regex)' : 'Server filter (text)'}
        />
        <button
          type="button"
          id="log-regex"
          aria-pressed={regexMode}
          title="Filter by a regular expression (RE2 syntax) instead of text"
          className={`ml-1 rounded border px-1.5 py-1 font-mono text-xs ${regexMode ? 'border-blue-600 bg-blue-50 dark:bg-blue-950' : 'border-slate-300 dark:border-slate-700'}`}
          onClick={toggleRegex}
        >
          .*
        </button>
      </span>
      <span className="flex-1" />
      <span className="flex items-center gap-1 text-sm">
        <a id="log-download" className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-900" href={downloadUrl('text')} download title="The whole log (no tail) with this container, time range and filters">
          Download
        </a>
        <a id="log-download-gzip" className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-900" href={downloadUrl('gzip')} download title="The same, gzipped">
          .gz
        </a>
      </span>
      {fullPage}
    </div>
  );
}
