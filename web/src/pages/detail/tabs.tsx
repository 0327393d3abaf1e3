// The YAML and events tabs of an object page, and the note for an object that is gone.

import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { api } from '../../api/endpoints';
import { queryKeys } from '../../api/queryKeys';
import { ErrorBox } from '../../components/ErrorBox';
import { useUncachedText } from '../../components/useUncachedText';
import { YamlView } from '../../components/YamlView';
import { formatAge } from '../../lib/format';
import { POLL_INTERVAL_MS } from '../../live';

export function Events({ path }: { path: string }) {
  const events = useQuery({
    queryKey: queryKeys.objectPart(path, 'events'),
    queryFn: ({ signal }) => api.events(path, signal),
    refetchInterval: POLL_INTERVAL_MS,
  });
  if (events.isError) return <ErrorBox error={events.error} />;
  if (!events.data) return <p className="text-sm text-slate-500">Loading…</p>;
  if (events.data.length === 0) return <p className="text-sm text-slate-500">No events.</p>;
  return (
    <table className="w-full text-sm" id="events">
      <thead className="text-left text-xs text-slate-500">
        <tr><th>Type</th><th>Reason</th><th>Message</th><th>Count</th><th>Last seen</th></tr>
      </thead>
      <tbody>
        {events.data.map((e, i) => (
          <tr key={i} className="border-t border-slate-200 align-top dark:border-slate-800">
            <td className={`pr-3 ${e.type === 'Warning' ? 'text-amber-700 dark:text-amber-300' : ''}`}>{e.type}</td>
            <td className="pr-3">{e.reason}</td>
            <td className="pr-3">{e.message}</td>
            <td className="pr-3">{e.count ?? 1}</td>
            <td>{formatAge(e.when)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Yaml({ path }: { path: string }) {
  const yaml = useQuery({ queryKey: queryKeys.objectPart(path, 'yaml'), queryFn: ({ signal }) => api.yaml(path, signal) });
  if (yaml.isError) return <ErrorBox error={yaml.error} />;
  if (yaml.data === undefined) return <p className="text-sm text-slate-500">Loading…</p>;
  return <YamlView text={yaml.data} />;
}

/** A Secret's YAML holds its values (an audited reveal): kept in this view only, never cached. */
export function SecretYaml({ path }: { path: string }) {
  const yaml = useUncachedText(path, (signal) => api.yaml(path, signal));
  if (yaml.error !== undefined) return <ErrorBox error={yaml.error} />;
  if (yaml.text === undefined) return <p className="text-sm text-slate-500">Loading…</p>;
  return <YamlView text={yaml.text} />;
}

/** The object was deleted (or never existed): a note, not an error. */
export function Gone({ what, backUrl }: { what: string; backUrl: string }) {
  return (
    <div role="status" id="object-gone" className="rounded border border-slate-300 bg-slate-100 p-4 text-sm dark:border-slate-700 dark:bg-slate-900">
      <p className="font-medium">{what} does not exist (any more).</p>
      <p className="mt-1">
        <Link className="text-blue-700 underline dark:text-blue-300" to={backUrl}>Back to the list</Link>
      </p>
    </div>
  );
}
