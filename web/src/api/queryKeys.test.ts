import { QueryClient, type QueryKey } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';

import { objectPath } from '../lib/resources';
import { changedBy, queryKeys } from './queryKeys';

const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
const pods = { group: 'core', version: 'v1', resource: 'pods' };
const path = objectPath('alpha', deployments, 'team-a', 'web');

/** Which of `keys` a fresh cache holds as invalidated after `invalidate`. */
async function invalidatedAfter(invalidate: QueryKey[], keys: QueryKey[]): Promise<boolean[]> {
  const client = new QueryClient();
  for (const key of keys) client.setQueryData(key, 'data');
  for (const queryKey of invalidate) await client.invalidateQueries({ queryKey });
  return keys.map((key) => client.getQueryState(key)?.isInvalidated ?? false);
}

describe('query keys', () => {
  it('spell the core group one way, so lists and their live updates share keys', () => {
    expect(queryKeys.kindLists('alpha', { ...pods, group: '' })).toEqual(queryKeys.kindLists('alpha', pods));
    expect(queryKeys.list('alpha', pods, { namespace: 'a' }, 'related')).not.toEqual(queryKeys.list('alpha', pods, { namespace: 'a' }));
  });

  it('a mutation invalidates the object (detail, YAML, events, revisions, history), the lists, the overview and fleet', async () => {
    const touched: QueryKey[] = [
      queryKeys.objectPart(path, 'detail'),
      queryKeys.objectPart(path, 'yaml'),
      queryKeys.objectPart(path, 'events'),
      queryKeys.objectPart(path, 'revisions'),
      queryKeys.objectPart(path, 'history'),
      queryKeys.list('alpha', deployments, { namespace: 'team-a' }),
      queryKeys.list('alpha', pods, { namespace: 'team-a', labelSelector: 'app=web' }, 'related'),
      queryKeys.list('alpha', { group: 'core', version: 'v1', resource: 'namespaces' }, { limit: 1000 }, 'picker'),
      queryKeys.dashboard('alpha'),
      queryKeys.fleet(),
      queryKeys.search('cluster', 'alpha', 'web'),
    ];
    const untouched: QueryKey[] = [
      queryKeys.objectPart(objectPath('alpha', deployments, 'team-a', 'api'), 'detail'),
      queryKeys.list('beta', deployments, {}),
      queryKeys.dashboard('beta'),
      queryKeys.kinds('alpha'),
      queryKeys.clusters(),
    ];
    const changed = changedBy({ cluster: 'alpha', path });
    expect(await invalidatedAfter(changed, touched)).toEqual(touched.map(() => true));
    expect(await invalidatedAfter(changed, untouched)).toEqual(untouched.map(() => false));
  });
});
