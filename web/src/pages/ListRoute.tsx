import { useParams } from 'react-router';

import { useCrds } from '../api/hooks';
import { BUILTINS, customKinds, findBuiltin } from '../lib/kinds';
import { ListPage } from './ListPage';
import { NotFound } from './NotFound';

/** `/clusters/:cluster/pods`: a built-in kind by its plural. */
export function BuiltinList() {
  const { cluster = '', resource = '' } = useParams();
  const entry = BUILTINS.find((b) => b.resource === resource);
  if (!entry) return <NotFound />;
  return <ListPage key={`${cluster}/${entry.group}/${entry.resource}`} cluster={cluster} entry={entry} />;
}

/** `/clusters/:cluster/r/:group/:version/:resource`: any kind the API serves. */
export function GenericList() {
  const { cluster = '', group = '', version = '', resource = '' } = useParams();
  const crds = useCrds(cluster);
  const ref = { group, version, resource };
  const known =
    findBuiltin(ref) ?? (crds.data ? customKinds(crds.data.items).find((c) => c.group === group && c.resource === resource) : undefined);
  const entry = known ?? { ...ref, kind: resource, label: resource, namespaced: true };
  return <ListPage key={`${cluster}/${group}/${version}/${resource}`} cluster={cluster} entry={{ ...entry, version }} />;
}
