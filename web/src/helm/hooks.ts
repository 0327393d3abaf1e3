// The Helm section's queries and the one way its writes refresh what they changed.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, helmApi } from '../api/endpoints';
import { changedBy, queryKeys } from '../api/queryKeys';

/** Whether this server can run Helm writes (`/api/features.helmWrites`); undefined while loading. */
export function useHelmWrites(): boolean | undefined {
  const features = useQuery({ queryKey: queryKeys.features(), queryFn: ({ signal }) => api.features(signal), staleTime: 5 * 60_000 });
  return features.data?.helmWrites;
}

/** Why Helm write buttons are disabled, or null when they are not. */
export function writesOff(writes: boolean | undefined): string | null {
  if (writes === undefined) return 'Checking whether this server can run helm…';
  return writes ? null : 'Helm writes are off: this server has no helm binary (PERISCOPE_HELM_BINARY or helm on its PATH)';
}

/**
 * How often an open release page re-reads it: another user's (or a pipeline's) upgrade shows
 * up without a reload, so a rollback is never decided on a stale history. Releases have no
 * live stream; each read decodes the stored release, hence not every few seconds.
 */
const RELEASE_POLL_MS = 30_000;

/** One release's detail (latest revision). */
export function useRelease(path: string) {
  return useQuery({ queryKey: queryKeys.helmRelease(path, 'detail'), queryFn: ({ signal }) => helmApi.release(path, undefined, signal), refetchInterval: RELEASE_POLL_MS });
}

export function useHistory(path: string) {
  return useQuery({ queryKey: queryKeys.helmRelease(path, 'history'), queryFn: ({ signal }) => helmApi.history(path, signal), refetchInterval: RELEASE_POLL_MS });
}

/** The diff of two revisions of a release (null: none asked). */
export function useDiff(path: string, compare: { from: number; to: number } | null) {
  return useQuery({
    queryKey: queryKeys.helmRelease(path, 'diff', compare?.from ?? 0, compare?.to ?? 0),
    queryFn: ({ signal }) => helmApi.diff(path, compare?.from ?? 0, compare?.to ?? 0, signal),
    enabled: compare !== null,
    // Two stored revisions never change.
    staleTime: Infinity,
  });
}

/**
 * A Helm write of the release at `path` in `cluster`: on success the release (detail, history,
 * drift), every list of the cluster (the releases and the objects helm touched), the overview
 * and the fleet are refreshed (`changedBy`), then `done` runs with the answer.
 */
export function useHelmWrite<Body, Answer>(cluster: string, path: string, write: (body: Body) => Promise<Answer>, done: (answer: Answer) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: async (answer) => {
      await Promise.all(changedBy({ cluster, path }).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      done(answer);
    },
  });
}
