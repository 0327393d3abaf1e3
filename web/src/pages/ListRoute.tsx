import { useParams } from 'react-router';

import { useKinds } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { builtinByPlural, findEntry, unknownKind } from '../lib/kinds';
import { ListPage } from './ListPage';
import { NotFound } from './NotFound';

const loading = <p className="p-4 text-sm text-slate-500">Loading…</p>;

/** `/clusters/:cluster/pods`: a built-in kind by its plural. */
export function BuiltinList() {
  const { cluster = '', resource = '' } = useParams();
  const { query, entries } = useKinds(cluster);
  if (query.isPending) return loading;
  const entry = builtinByPlural(entries, resource);
  if (!entry) return query.isError ? <ErrorBox error={query.error} /> : <NotFound />;
  return <ListPage key={`${cluster}/${entry.group}/${entry.resource}`} cluster={cluster} entry={entry} />;
}

/** `/clusters/:cluster/r/:group/:version/:resource`: any kind the API serves. */
export function GenericList() {
  const { cluster = '', group = '', version = '', resource = '' } = useParams();
  const { query, entries } = useKinds(cluster);
  if (query.isPending) return loading;
  const ref = { group, version, resource };
  const entry = findEntry(entries, ref) ?? unknownKind(ref);
  return <ListPage key={`${cluster}/${group}/${version}/${resource}`} cluster={cluster} entry={{ ...entry, version }} />;
}
