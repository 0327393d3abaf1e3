import { ApiError } from '../api/client';
import { useNamespaces } from '../api/hooks';

/**
 * Namespaces the user can list, as a menu. Only when listing namespaces is denied does it fall
 * back to a text box (the user knows which namespace they were granted).
 */
export function NamespacePicker({ cluster, value, onChange }: { cluster: string; value: string; onChange: (ns: string | undefined) => void }) {
  const namespaces = useNamespaces(cluster);
  const denied = namespaces.error instanceof ApiError && namespaces.error.forbidden;
  if (denied) {
    return (
      <input
        id="namespace-picker"
        className="w-40 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
        placeholder="Namespace"
        title="Your role cannot list namespaces: type the one you work in"
        defaultValue={value}
        onKeyDown={(e) => e.key === 'Enter' && onChange((e.target as HTMLInputElement).value.trim() || undefined)}
        onBlur={(e) => onChange(e.target.value.trim() || undefined)}
      />
    );
  }
  const names = namespaces.data?.items.map((i) => i.name) ?? [];
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <select
      id="namespace-picker"
      aria-label="Namespace"
      className="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
      value={value}
      onChange={(e) => onChange(e.target.value || undefined)}
    >
      <option value="">All namespaces</option>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}
