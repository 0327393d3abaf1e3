// The values a release was installed with (as the user supplied them, or computed: the chart's
// defaults with those merged over), read-only YAML.

import { stringify } from 'yaml';

import type { JsonValue } from '../api/types.gen';
import { YamlView } from '../components/YamlView';
import type { ReleaseDetail } from './types';

/** Values as YAML text (`{}` and null: empty). */
export function valuesYaml(values: JsonValue): string {
  if (values === null || (typeof values === 'object' && !Array.isArray(values) && Object.keys(values).length === 0)) return '';
  return stringify(values);
}

export function ValuesTab({ detail, computed, onComputed }: { detail: ReleaseDetail; computed: boolean; onComputed: (computed: boolean) => void }) {
  const text = valuesYaml(computed ? detail.computedValues : detail.values);
  return (
    <div id="release-values" data-view={computed ? 'computed' : 'supplied'}>
      <div className="mb-2 flex gap-1 text-sm" role="group" aria-label="Which values">
        {([false, true] as const).map((c) => (
          <button
            key={String(c)}
            type="button"
            data-values={c ? 'computed' : 'supplied'}
            aria-pressed={computed === c}
            onClick={() => onComputed(c)}
            className={`rounded border px-2 py-0.5 ${computed === c ? 'border-blue-600 bg-blue-600 text-white' : 'border-slate-300 dark:border-slate-700'}`}
          >
            {c ? 'Computed (chart defaults + supplied)' : 'Supplied'}
          </button>
        ))}
      </div>
      {text ? <YamlView text={text} /> : <p className="text-sm text-slate-500">No values were supplied: the chart's defaults apply.</p>}
    </div>
  );
}
