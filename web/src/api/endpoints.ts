// The typed client: every call the app makes to the server, each returning the server's own
// types (types.gen.ts, generated from the Rust answers). Only this module uses the transport
// (client.ts); an eslint rule keeps it that way. Kubernetes objects come as the apiserver
// gives them and are read through the small decoders below, not cast.

import { type KindRef, type ListParams, listQuery, resourcePath } from '../lib/resources';
import { type UsageKind, type UsageQuery, usageQueryString } from '../lib/usage';
import { getJson, getText, openStream, send } from './client';
import type {
  AuthWhoAmI,
  BulkDownloadRequest,
  CanIRequest,
  CanIResponse,
  Check,
  ClusterList,
  Dashboard,
  Features,
  Fleet,
  IssuedToken,
  Items,
  JsonValue,
  KindList,
  ListPage,
  NewToken,
  RecordingInfo,
  Revision,
  SearchResponse,
  SessionSummary,
  SubscribeBody,
  Subscribed,
  TokenList,
  UsageList,
} from './types.gen';
import type {
  ChartValues,
  ChartVersions,
  Drift,
  History,
  InstallBody,
  Preview,
  ReleaseDetail,
  ReleaseDiff,
  ReleaseList,
  UpgradeBody,
  WriteResult,
} from '../helm/types';
import type { AuditPage, AuditTimeline, ChainReport } from '../audit/types';
import type { HistoryPage } from '../history/types';

const seg = encodeURIComponent;
const clusterPath = (cluster: string) => `/api/clusters/${seg(cluster)}`;

/** A Kubernetes object as the apiserver gives it. */
export type KubeObject = Record<string, unknown>;

/** What the events tab shows of a core/v1 Event. */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  /** The newest of lastTimestamp, eventTime and creationTimestamp. */
  when?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** An object answer: anything but a JSON object is a broken answer. */
export function toObject(value: unknown): KubeObject {
  if (!isObject(value)) throw new Error('the server answered something other than an object');
  return value;
}

/** The fields the events tab shows, read defensively from one Event. */
export function toEvent(value: JsonValue): KubeEvent {
  const e = isObject(value) ? value : {};
  const meta = isObject(e.metadata) ? e.metadata : {};
  return {
    type: text(e.type),
    reason: text(e.reason),
    message: text(e.message),
    count: typeof e.count === 'number' ? e.count : undefined,
    when: text(e.lastTimestamp) ?? text(e.eventTime) ?? text(meta.creationTimestamp),
  };
}

/** A Secret key as a Secret's detail lists it instead of its value (decoded size in bytes). */
export interface SecretKey {
  name: string;
  size: number;
}

/** A Secret detail's `keys`, read defensively (entries without a name are dropped). */
export function toSecretKeys(value: unknown): SecretKey[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((k: unknown) => (isObject(k) && typeof k.name === 'string' ? [{ name: k.name, size: typeof k.size === 'number' ? k.size : 0 }] : []));
}

/** The one-click action requests: method and object sub-path (`''` is the object itself). */
export type ActionMethod = 'POST' | 'PUT' | 'DELETE';

/** Where Cmd+K searches: one cluster or every cluster. */
export type SearchScope = 'cluster' | 'fleet';

export const api = {
  whoami: (signal?: AbortSignal) => getJson<AuthWhoAmI>('/api/auth/whoami', signal),
  features: (signal?: AbortSignal) => getJson<Features>('/api/features', signal),
  clusters: (signal?: AbortSignal) => getJson<ClusterList>('/api/clusters', signal),
  kinds: (cluster: string, signal?: AbortSignal) => getJson<KindList>(`${clusterPath(cluster)}/kinds`, signal),
  list: (cluster: string, ref: KindRef, params: ListParams, signal?: AbortSignal) =>
    getJson<ListPage>(`${resourcePath(cluster, ref)}${listQuery(params)}`, signal),
  object: async (path: string, signal?: AbortSignal) => toObject(await getJson<JsonValue>(path, signal)),
  yaml: (path: string, signal?: AbortSignal) => getText(`${path}/yaml`, signal),
  events: async (path: string, signal?: AbortSignal) => (await getJson<Items<JsonValue>>(`${path}/events`, signal)).items.map(toEvent),
  revisions: async (path: string, signal?: AbortSignal) => (await getJson<Items<Revision>>(`${path}/revisions`, signal)).items,
  /** One page of an object's history, newest first; `before`: the previous page's `next`. */
  history: (path: string, before: string | null, limit: number, signal?: AbortSignal) =>
    getJson<HistoryPage>(`${path}/history?limit=${limit}${before === null ? '' : `&before=${seg(before)}`}`, signal),
  /** One decoded Secret value (an audited reveal): the caller keeps it out of any cache. */
  secretValue: (path: string, key: string, signal?: AbortSignal) => getText(`${path}/data/${seg(key)}`, signal),
  canI: (cluster: string, checks: Check[]) => send<CanIResponse>('POST', `${clusterPath(cluster)}/can-i`, { checks } satisfies CanIRequest),
  /**
   * Server-side apply of one object (`PATCH {obj}`, docs/api.md#apply): creates it when absent.
   * Answers the object as applied (a dry run: as it would be).
   */
  apply: async (path: string, object: KubeObject, options: { dryRun?: boolean; force?: boolean } = {}) => {
    const query = new URLSearchParams();
    if (options.dryRun) query.set('dryRun', 'true');
    if (options.force) query.set('force', 'true');
    const q = query.toString();
    const answer = await send<{ object?: JsonValue }>('PATCH', q ? `${path}?${q}` : path, object);
    return toObject(answer.object);
  },
  /** The one audit row of a bulk YAML download (docs/api.md#bulk-download). */
  bulkDownloadAudit: async (cluster: string, body: BulkDownloadRequest) => {
    await send<JsonValue>('POST', `${clusterPath(cluster)}/audit/bulk-download`, body);
  },
  /** A one-click action (docs/api.md, Objects); the answers are not read. */
  act: async (method: ActionMethod, path: string, sub: string, body?: unknown) => {
    await send<JsonValue>(method, sub ? `${path}/${sub}` : path, body);
  },
  /** An object's log stream (docs/api.md, Logs); `query` from logs/viewState.ts. */
  logs: (path: string, query: string, signal: AbortSignal) => openStream(`${path}/logs${query}`, signal),
  /** Where the browser downloads an object's whole log (a plain link: the server names the file). */
  logsDownloadUrl: (path: string, query: string) => `${path}/logs/download${query}`,
  fleet: (signal?: AbortSignal) => getJson<Fleet>('/api/fleet', signal),
  dashboard: (cluster: string, signal?: AbortSignal) => getJson<Dashboard>(`${clusterPath(cluster)}/dashboard`, signal),
  /** CPU and memory usage from metrics-server; `available` false (not an error) when it cannot be read. */
  usage: (cluster: string, kind: UsageKind, query: UsageQuery, signal?: AbortSignal) =>
    getJson<UsageList>(`${clusterPath(cluster)}/usage/${kind}${usageQueryString(query)}`, signal),
  search: (scope: SearchScope, cluster: string | undefined, q: string, signal?: AbortSignal) =>
    getJson<SearchResponse>(
      scope === 'cluster' && cluster ? `${clusterPath(cluster)}/search?q=${seg(q)}&limit=20` : `/api/search?q=${seg(q)}&limit=20`,
      signal,
    ),
  subscribe: (streamId: string, body: SubscribeBody | AuditSubscribeBody) => send<Subscribed>('POST', `/api/streams/${seg(streamId)}/subscriptions`, body),
  unsubscribe: async (streamId: string, id: string) => {
    await send<JsonValue>('DELETE', `/api/streams/${seg(streamId)}/subscriptions/${seg(id)}`);
  },
  /**
   * The exec URL (`path`, with its query) asked with a plain GET: answers the refusal a
   * WebSocket cannot read, or 400 "needs a WebSocket upgrade" when the checks it can make pass.
   */
  execProbe: async (path: string) => {
    await getText(path);
  },
  execSessions: async (signal?: AbortSignal) => (await getJson<Items<SessionSummary>>('/api/exec/sessions', signal)).items,
  endExecSession: async (id: string) => {
    await send<JsonValue>('DELETE', `/api/exec/sessions/${seg(id)}`);
  },
  recordings: async (signal?: AbortSignal) => (await getJson<Items<RecordingInfo>>('/api/exec/recordings', signal)).items,
  /** A recording (asciicast v2 text, `no-store`): the replay page keeps it out of the query cache. */
  recording: (id: string, signal?: AbortSignal) => getText(`/api/exec/recordings/${seg(id)}`, signal),
  /** The caller's live personal access tokens (`all`: everyone's, audit admins), and the longest lifetime a new one may have. */
  tokens: (all: boolean, signal?: AbortSignal) => getJson<TokenList>(all ? '/api/tokens?all=true' : '/api/tokens', signal),
  /** A new token: its secret is in this answer only. */
  createToken: (body: NewToken) => send<IssuedToken>('POST', '/api/tokens', body),
  revokeToken: async (id: string) => {
    await send<JsonValue>('DELETE', `/api/tokens/${seg(id)}`);
  },
  /** A kubeconfig for `clusters` (proxy contexts and a fresh token; docs/api.md#proxy). */
  kubeconfig: (clusters: string[]) => getText(`/api/kubeconfig?clusters=${clusters.map(seg).join(',')}`),
};

/** The live tail's subscription body: the audit filters (strings, no limit or offset; docs/audit.md). */
export interface AuditSubscribeBody {
  audit: Record<string, string>;
}

/** The audit page's calls (docs/audit.md "Reading the trail"); `query` from audit/filters.ts. */
export const auditApi = {
  list: (query: URLSearchParams, offset: number, limit: number, signal?: AbortSignal) => {
    const q = new URLSearchParams(query);
    q.set('limit', String(limit));
    q.set('offset', String(offset));
    return getJson<AuditPage>(`/api/audit?${q.toString()}`, signal);
  },
  /** Both rows (intent and outcome) of one request. */
  request: (requestId: string, signal?: AbortSignal) => getJson<AuditPage>(`/api/audit?requestId=${seg(requestId)}&limit=50`, signal),
  timeline: (query: URLSearchParams, buckets: number, signal?: AbortSignal) => {
    const q = new URLSearchParams(query);
    q.set('buckets', String(buckets));
    return getJson<AuditTimeline>(`/api/audit/timeline?${q.toString()}`, signal);
  },
  chain: () => getJson<ChainReport>('/api/audit/chain'),
  /** Where the browser downloads the filtered rows (a plain link: the server names the file). */
  exportUrl: (query: URLSearchParams, format: 'jsonl' | 'csv') => {
    const q = new URLSearchParams(query);
    q.set('format', format);
    return `/api/audit/export?${q.toString()}`;
  },
};

/** The YAML editor's calls (web/src/editor; decoded by editor/types.ts). */
export const editorApi = {
  /** `{resourceVersion, generation, managedFields, managers}`: ownership and drift. */
  meta: (path: string, signal?: AbortSignal) => getJson<JsonValue>(`${path}/meta`, signal),
  /** A minimal server-side apply of what changed between `opened` and `edited` (or its dry run). */
  edit: (path: string, body: { opened: string; edited: string; dryRun: boolean; force: boolean }) =>
    send<JsonValue>('POST', `${path}/edit`, body),
  /** The cluster's OpenAPI v3 document for `apiPath` (`api/v1`, `apis/apps/v1`). */
  openapi: (cluster: string, apiPath: string, signal?: AbortSignal) =>
    getJson<JsonValue>(`${clusterPath(cluster)}/openapi/v3/${apiPath.split('/').map(seg).join('/')}`, signal),
};

/** The API path of one Helm release. */
export function releasePath(cluster: string, namespace: string, name: string): string {
  return `${clusterPath(cluster)}/helm/releases/${seg(namespace)}/${seg(name)}`;
}

const chartQuery = (repo: string, chart: string) => `repo=${seg(repo)}&chart=${seg(chart)}`;

/** The Helm section's calls (docs/api.md#helm; types in helm/types.ts). */
export const helmApi = {
  releases: (cluster: string, namespace: string | undefined, signal?: AbortSignal) =>
    getJson<ReleaseList>(`${clusterPath(cluster)}/helm/releases${namespace ? `?namespace=${seg(namespace)}` : ''}`, signal),
  /** `path` from `releasePath`; no revision: the latest. */
  release: (path: string, revision: number | undefined, signal?: AbortSignal) =>
    getJson<ReleaseDetail>(revision === undefined ? path : `${path}?revision=${revision}`, signal),
  history: (path: string, signal?: AbortSignal) => getJson<History>(`${path}/history`, signal),
  diff: (path: string, from: number, to: number, signal?: AbortSignal) => getJson<ReleaseDiff>(`${path}/diff?from=${from}&to=${to}`, signal),
  drift: (path: string, signal?: AbortSignal) => getJson<Drift>(`${path}/drift`, signal),
  rollback: (path: string, revision: number) => send<WriteResult>('POST', `${path}/rollback`, { revision }),
  uninstall: (path: string, keepHistory: boolean) =>
    send<{ uninstalled: boolean; output: string }>('DELETE', keepHistory ? `${path}?keepHistory=true` : path),
  upgradePreview: (path: string, body: UpgradeBody) => send<Preview>('POST', `${path}/upgrade-preview`, body),
  upgrade: (path: string, body: UpgradeBody) => send<WriteResult>('POST', `${path}/upgrade`, body),
  chartVersions: (cluster: string, repo: string, chart: string, signal?: AbortSignal) =>
    getJson<ChartVersions>(`${clusterPath(cluster)}/helm/charts/versions?${chartQuery(repo, chart)}`, signal),
  chartValues: (cluster: string, repo: string, chart: string, version: string, signal?: AbortSignal) =>
    getJson<ChartValues>(`${clusterPath(cluster)}/helm/charts/values?${chartQuery(repo, chart)}&version=${seg(version)}`, signal),
  installPreview: (cluster: string, body: InstallBody) => send<Preview>('POST', `${clusterPath(cluster)}/helm/install-preview`, body),
  install: (cluster: string, body: InstallBody) => send<WriteResult>('POST', `${clusterPath(cluster)}/helm/install`, body),
};
