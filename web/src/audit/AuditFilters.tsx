// The filter strip: the exact-match filters, the time range (presets or custom), and a way
// back to no filters. Every change goes to the URL (useAuditView).

import { FilterBox } from '../pages/list/FilterBox';
import { type AuditView, DEFAULT_PRESET, type Filters, fromLocalInput, PRESET_LABELS, PRESETS, type Preset, resolveRange, toLocalInput, type TextFilter, withFilters } from './filters';
import { AUDIT_OUTCOMES, AUDIT_PHASES, AUDIT_VERBS } from './verbs';

const input = 'rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900';

function Choice({ id, label, any, value, choices, onChange }: { id: string; label: string; any: string; value: string | undefined; choices: readonly string[]; onChange: (v: string) => void }) {
  return (
    <select id={id} aria-label={label} className={input} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
      <option value="">{any}</option>
      {choices.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}

/** Presets as toggle buttons, then Custom with its two ends. */
function RangePicker({ view, setView }: { view: AuditView; setView: (v: AuditView) => void }) {
  const range = view.range;
  const custom = range.kind === 'custom' ? range : null;
  const setCustom = (from: string | undefined, to: string | undefined) => setView({ ...view, range: { kind: 'custom', ...(from ? { from } : {}), ...(to ? { to } : {}) } });
  const button = (active: boolean) => `px-2 py-1 text-sm ${active ? 'bg-blue-600 text-white' : 'hover:bg-slate-200 dark:hover:bg-slate-800'}`;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <div role="group" aria-label="Time range" className="flex overflow-hidden rounded border border-slate-300 dark:border-slate-700" id="audit-range">
        {(Object.keys(PRESETS) as Preset[]).map((p) => {
          const active = range.kind === 'preset' && range.preset === p;
          return (
            <button key={p} type="button" data-range={p} aria-pressed={active} className={button(active)} onClick={() => setView({ ...view, range: { kind: 'preset', preset: p } })}>
              {PRESET_LABELS[p]}
            </button>
          );
        })}
        <button
          type="button"
          data-range="custom"
          aria-pressed={custom !== null}
          className={button(custom !== null)}
          onClick={() => custom === null && setCustom(resolveRange(range, Date.now()).from, undefined)}
        >
          Custom
        </button>
      </div>
      {custom && (
        <>
          <label className="flex items-center gap-1 text-sm">
            From
            <input id="audit-from" type="datetime-local" step={1} className={input} value={toLocalInput(custom.from)} onChange={(e) => setCustom(fromLocalInput(e.target.value), custom.to)} />
          </label>
          <label className="flex items-center gap-1 text-sm">
            To
            <input id="audit-to" type="datetime-local" step={1} className={input} value={toLocalInput(custom.to)} onChange={(e) => setCustom(custom.from, fromLocalInput(e.target.value))} />
          </label>
        </>
      )}
    </div>
  );
}

/** The filters; `self`: the server shows the caller's own rows only, so there is no actor to pick. */
export function AuditFilters({ view, setView, self }: { view: AuditView; setView: (v: AuditView) => void; self: boolean }) {
  const set = (patch: Filters) => setView(withFilters(view, patch));
  const text = (key: TextFilter, id: string, placeholder: string, width = 'w-36') => (
    <FilterBox id={id} className={width} label={placeholder} value={view.filters[key] ?? ''} placeholder={placeholder} onCommit={(v) => set({ [key]: v })} />
  );
  const filtered = Object.keys(view.filters).length > 0 || view.range.kind !== 'preset' || view.range.preset !== DEFAULT_PRESET;
  return (
    <div id="audit-filters" className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
      {self ? <span className="text-sm text-slate-500" title="You see your own actions only">Actor: you</span> : text('actor', 'audit-actor', 'Actor (subject)')}
      <Choice id="audit-verb" label="Verb" any="Any verb" value={view.filters.verb} choices={AUDIT_VERBS} onChange={(verb) => set({ verb })} />
      <Choice id="audit-outcome" label="Outcome" any="Any outcome" value={view.filters.outcome} choices={AUDIT_OUTCOMES} onChange={(outcome) => set({ outcome })} />
      <Choice id="audit-phase" label="Phase" any="Intent and outcome" value={view.filters.phase} choices={AUDIT_PHASES} onChange={(phase) => set({ phase })} />
      {text('cluster', 'audit-cluster', 'Cluster', 'w-28')}
      {text('namespace', 'audit-namespace', 'Namespace')}
      {text('name', 'audit-name', 'Object name')}
      {text('requestId', 'audit-request-id', 'Request id', 'w-44')}
      <RangePicker view={view} setView={setView} />
      {filtered && (
        <button
          type="button"
          id="audit-clear"
          className="rounded px-2 py-0.5 text-sm text-slate-500 hover:bg-slate-200 dark:hover:bg-slate-800"
          onClick={() => setView({ filters: {}, range: { kind: 'preset', preset: DEFAULT_PRESET }, live: view.live })}
        >
          Clear filters
        </button>
      )}
    </div>
  );
}
