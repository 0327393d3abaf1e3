// Generated from the server's Rust types by crates/periscope/src/api_types.rs (ts-rs).
// Do not edit: `PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib api_types` rewrites it.

/**
 * A one-click action on one object (docs/api.md, Objects): its sub-path is its name, except
 * `delete`, which is `DELETE` of the object itself.
 */
export type Action = "scale" | "restart" | "rollback" | "cordon" | "uncordon" | "suspend" | "resume" | "trigger" | "labels" | "delete";

/**
 * Allocatable against requested, of CPU (millicores) or memory (bytes).
 */
export type Allotment = { allocatable: number, requested: number, };

/**
 * Whose audit rows a user may read.
 */
export type AuditScope = "self" | "all";

/**
 * The answer of `/api/auth/config`.
 */
export type AuthConfigAnswer = {
/**
 * `dev` or `oidc`.
 */
authMode: string, providerName: string, };

/**
 * The answer of `/api/auth/whoami`: the full identity the SPA paints first.
 */
export type AuthWhoAmI = { auditEnabled: boolean, auditScope: AuditScope,
/**
 * `shared`, `tier` or `raw`.
 */
authzMode: string, email: string,
/**
 * Unix seconds of the session's absolute expiry; null in dev mode (no session).
 */
expiresAt: number | null, groups: Array<string>,
/**
 * `dev` or `oidc`.
 */
mode: string, subject: string,
/**
 * The user's tier in tier mode, else null.
 */
tier: string | null, };

/**
 * Body of `POST /api/clusters/{cluster}/audit/bulk-download`.
 */
export type BulkDownloadRequest = {
/**
 * The kind as in URLs: `{group}/{version}/{resource}` (`core` for the core group).
 */
kind: string,
/**
 * Objects selected (1..=100).
 */
count: number,
/**
 * The objects, `namespace/name` (cluster-scoped: `name`); at most `count`.
 */
ids: Array<string>, outcome: DownloadOutcome,
/**
 * Objects that could not be read (≤ `count`).
 */
failureCount: number, };

/**
 * Request body: `{"checks":[…]}`.
 */
export type CanIRequest = { checks: Array<Check>, };

/**
 * Response body: `{"results":[…]}`.
 */
export type CanIResponse = { results: Array<CheckResult>, };

/**
 * The cluster's capacity: totals over its nodes, and each node (busiest CPU first).
 */
export type Capacity = { cpu: Allotment, memory: Allotment, nodes: Array<NodeCapacity>, };

/**
 * The section of the console's sidebar a kind is listed under.
 */
export type Category = "Workloads" | "Networking" | "Storage" | "Config" | "RBAC" | "Cluster" | "Custom resources";

/**
 * What a chart archive says about itself.
 */
export type ChartInfo = { name: string, version: string, appVersion: string | null, description: string | null, };

/**
 * A chart version in a repository, as an install or upgrade names it.
 */
export type ChartRef = { repo: string, chart: string, version: string, };

/**
 * A chart version's metadata and default values.
 */
export type ChartValues = { chart: ChartInfo,
/**
 * `values.yaml` as the chart ships it.
 */
values: string, };

/**
 * One version of a chart in a repository.
 */
export type ChartVersion = { version: string, appVersion: string | null, description: string | null, created: string | null, };

/**
 * The versions of a chart in a repository.
 */
export type ChartVersions = { repo: string, chart: string, versions: Array<ChartVersion>, };

/**
 * One question: may the user `verb` this resource?
 */
export type Check = { verb: string,
/**
 * API group; `""` or `core` is the core group.
 */
group?: string, resource: string, subresource?: string,
/**
 * Empty: cluster-wide (or all namespaces).
 */
namespace?: string, name?: string, };

/**
 * One answer, in the position of its check.
 */
export type CheckResult = { allowed: boolean,
/**
 * `null` when allowed; `denied` when RBAC says no; a failure code when no answer was had.
 */
reason: Reason | null,
/**
 * The authorizer's or the failure's explanation, when there is one.
 */
message?: string, };

/**
 * PersistentVolumeClaims by what needs a look: still `Pending`, or `Lost` their volume.
 */
export type ClaimCounts = { total: number, pending: number, lost: number, };

/**
 * One cluster with the Go original's field names. Fields in alphabetical order: the order the
 * earlier `json!` answer had (serde_json sorts map keys), so the bytes stay the same.
 */
export type ClusterEntry = { arn?: string,
/**
 * `kubeconfig`, `in-cluster`, `eks` or `agent`.
 */
backend: string, environment?: string, execEnabled: boolean, kubeconfigContext?: string, kubeconfigPath?: string, name: string, region?: string, tags?: { [key in string]: string }, };

/**
 * The answer of `/api/clusters`.
 */
export type ClusterList = { clusters: Array<ClusterEntry>, };

/**
 * A list column: the row key it reads and the header it shows. Built-in kinds borrow
 * theirs from the table; custom resources' come from their CRD at run time.
 */
export type Column = { key: string, label: string, };

/**
 * One container's usage: CPU in millicores, memory in bytes.
 */
export type ContainerUsage = { name: string, cpu: number, memory: number, };

/**
 * The dashboard answer.
 */
export type Dashboard = { cluster: string, kubernetesVersion: string | null,
/**
 * Per part: `ok` or the failure code (`denied`, `timeout`, …).
 */
accessibility: { [key in string]: string }, errors: { [key in string]: Failure }, nodes: NodeCounts | null, namespaces: number | null, pods: PodCounts | null, failingPods: Array<FailingPod>, failingPodsTruncated: boolean, workloads: { [key in string]: WorkloadCounts },
/**
 * Allocatable against requested CPU and memory, per node and in total (needs nodes and pods).
 */
capacity: Capacity | null, jobs: JobCounts | null, claims: ClaimCounts | null,
/**
 * Warning events grouped by reason, newest first.
 */
warnings: Warnings | null, generatedAt: string, };

/**
 * How the download ended, as the browser saw it.
 */
export type DownloadOutcome = "success" | "failure";

/**
 * A pod that needs attention.
 */
export type FailingPod = { namespace: string, name: string, phase: string, reason: string, restarts: number, node: string | null, };

/**
 * A classified failure as it appears in aggregate answers: `{code, message}`.
 */
export type Failure = { code: Reason, message: string, };

/**
 * The answer of `/api/features`. Fields in alphabetical order, the order the earlier `json!`
 * answer had (serde_json sorts map keys), so the bytes stay the same.
 */
export type Features = {
/**
 * `stable`, `prerelease` or `dev`.
 */
channel: string, commit: string, version: string,
/**
 * Plurals of the built-in kinds the live stream serves (all of them). Discovered kinds
 * whose discovery lists `watch` are served too: `/api/clusters/{c}/kinds` says, per cluster.
 */
watchStreams: Array<string>,
/**
 * Whether Helm writes (rollback, uninstall) are available: this server has the helm binary.
 */
helmWrites: boolean, };

/**
 * The answer of `/api/fleet`.
 */
export type Fleet = { rollup: FleetRollup, clusters: Array<FleetCluster>, };

/**
 * One cluster's entry.
 */
export type FleetCluster = { name: string, backend: string, environment?: string, region?: string, tags?: { [key in string]: string }, status: Status, version: string | null, nodes: NodeCounts | null, pods: FleetPods | null, namespaces: number | null,
/**
 * Pods failing (see the dashboard's rule).
 */
stuckOrFailed: number | null, hotSignals: Array<HotSignal>,
/**
 * When the apiserver last answered this probe (RFC 3339), absent when it did not.
 */
lastContact?: string, error?: Failure, elapsedMs: number, };

/**
 * Pod counts the fleet shows.
 */
export type FleetPods = { running: number, pending: number, failed: number, total: number, };

/**
 * Totals over every cluster of the fleet answer.
 */
export type FleetRollup = { totalClusters: number, byStatus: { [key in string]: number }, byEnvironment: { [key in string]: number }, nodes: NodeCounts, pods: number, generatedAt: string, };

/**
 * What an install or upgrade would do, shown before the user confirms.
 */
export type HelmPreview = {
/**
 * The manifest helm rendered (a server-side dry run, as the user).
 */
manifest: string, notes: string,
/**
 * Every object it would touch and whether the user's role allows it.
 */
objects: Array<PlannedObject>,
/**
 * `verb object` for each refused one (the write would be refused with these).
 */
denied: Array<string>,
/**
 * For an upgrade: the changes against the current revision (the diff route's shape).
 */
diff?: { objects: JsonValue[], values: JsonValue[] }, };

/**
 * One match.
 */
export type Hit = { cluster: string,
/**
 * The API group (`""` for core; resource URLs spell it `core`).
 */
group: string, version: string, resource: string, kind: string, namespace?: string, name: string, };

/**
 * A failing-pod reason and how many pods have it.
 */
export type HotSignal = { kind: string, count: number, };

/**
 * The body of an install and of its preview.
 */
export type InstallBody = { namespace: string, name: string, repo: string, chart: string, version: string,
/**
 * The values, YAML (empty: the chart's defaults).
 */
values: string,
/**
 * Create the namespace when it does not exist.
 */
createNamespace?: boolean, };

/**
 * The answer of `POST /api/tokens`: the token as listed, and its secret (this answer only).
 */
export type IssuedToken = { token: string,
/**
 * Public id (for listing and revoking).
 */
id: string, name: string, subject: string, email: string, groups: Array<string>, clusters: Array<string>, createdAt: number, expiresAt: number, lastUsedAt: number | null, };

/**
 * A `{items}` answer (an object's events, a workload's revisions).
 */
export type Items<T> = { items: Array<T>, };

/**
 * Jobs: running, finished and failed (condition `Failed`).
 */
export type JobCounts = { total: number, active: number, succeeded: number, failed: number, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

/**
 * One kind as the console shows it.
 */
export type KindInfo = {
/**
 * API group; `""` is the core group (URLs spell it `core`).
 */
group: string, version: string, kind: string,
/**
 * Lowercase plural, as in the API path.
 */
plural: string, scope: Scope,
/**
 * What the sidebar and page titles call it (`Pods`, `HPAs`; a discovered kind's name).
 */
label: string, shortNames: Array<string>,
/**
 * The sidebar section; `null`: not in the sidebar (reached with `:` or by URL).
 */
category: Category | null,
/**
 * A row of the server's table (its own list columns); otherwise found by discovery.
 */
builtin: boolean,
/**
 * The one-click actions that apply to its objects (whether the caller may is can-i's answer).
 */
actions: Array<Action>,
/**
 * Whether the live stream serves it (`POST /api/streams/{stream}/subscriptions`).
 */
live: boolean,
/**
 * Whether its objects have logs (`…/{obj}/logs`).
 */
logs: boolean, };

/**
 * The answer: the kinds, and the parts that could not be read.
 */
export type KindList = {
/**
 * Built-ins in sidebar order, then discovered kinds by name.
 */
kinds: Array<KindInfo>,
/**
 * By part: `discovery` (no kinds beyond the table) or `customResourceDefinitions` (the
 * caller may not list CRDs: custom resources are listed without their sidebar section).
 */
errors: { [key in string]: Failure }, };

/**
 * The list answer: projected rows plus what a client needs to page and to resume watching.
 */
export type ListPage = { items: Array<Row>, columns: Array<Column>,
/**
 * Token for the next page; absent on the last page.
 */
continue?: string,
/**
 * Rows matching the request (from a snapshot: exact; from an apiserver page, including a
 * first page answered before the snapshot is complete: this page plus the apiserver's
 * `remainingItemCount` when it reports one).
 */
total: number, resourceVersion: string | null, };

/**
 * The body of `POST /api/tokens`.
 */
export type NewToken = { name: string, clusters: Array<string>, ttlSeconds: number | null, };

/**
 * One node's capacity and the pods that hold it.
 */
export type NodeCapacity = { name: string, cpu: Allotment, memory: Allotment,
/**
 * Pods scheduled on the node that still hold their requests (not Succeeded or Failed).
 */
pods: number, };

/**
 * Ready and total nodes.
 */
export type NodeCounts = { ready: number, total: number, };

/**
 * One object a write would touch, as a preview shows it.
 */
export type PlannedObject = {
/**
 * `Kind namespace/name` (or what the storage check is about).
 */
object: string,
/**
 * The Kubernetes verb Helm will use: `create`, `patch`, `delete`, `update`.
 */
action: string,
/**
 * Whether the user's role allows it.
 */
allowed: boolean, };

/**
 * Pods by phase, plus how many are failing.
 */
export type PodCounts = { total: number, byPhase: { [key in string]: number }, failing: number, };

/**
 * Why one part of an aggregate answer is missing.
 */
export type Reason = "denied" | "auth_failed" | "timeout" | "apiserver_unreachable" | "agent_disconnected" | "unknown";

/**
 * The sidecar of one recording.
 */
export type RecordingInfo = { id: string, user: string, cluster: string, namespace: string, pod: string, container: string, startedAt: string, recordInput: boolean,
/**
 * Unset while the session runs (or when the server died during it).
 */
endedAt: string | null, reason: string | null, exitCode: number | null,
/**
 * Output bytes recorded; the rest was cut at the size cap.
 */
bytes: number, truncated: boolean, };

/**
 * One revision of a workload's pod template.
 */
export type Revision = { revision: number,
/**
 * The ReplicaSet or ControllerRevision holding it.
 */
name: string, createdAt: string | null, changeCause: string | null,
/**
 * Whether the workload runs this revision now.
 */
current: boolean,
/**
 * The pod template of the revision.
 */
template: JsonValue, };

/**
 * Whether objects of a kind live in a namespace.
 */
export type Scope = "Namespaced" | "Cluster";

/**
 * A kind or cluster that could not be searched.
 */
export type SearchError = { cluster: string, resource?: string, code: Reason, message: string, };

/**
 * Answer of both routes.
 */
export type SearchResponse = { results: Array<Hit>,
/**
 * Matches found before `limit` was applied.
 */
total: number,
/**
 * True when some kind or cluster is missing from the results (see `errors`) or was cut at
 * the per-kind cap (see `truncated`).
 */
partial: boolean, errors: Array<SearchError>,
/**
 * `cluster/resource` of kinds that had more objects than were looked at.
 */
truncated: Array<string>, };

/**
 * A session as `GET /api/exec/sessions` shows it.
 */
export type SessionSummary = { idleSeconds: number, bytesIn: number, bytesOut: number, id: string, user: string, cluster: string, namespace: string, pod: string, container: string, tty: boolean,
/**
 * RFC 3339.
 */
startedAt: string, };

/**
 * Fleet status of one cluster.
 */
export type Status = "healthy" | "degraded" | "unreachable" | "unknown" | "denied";

/**
 * The body of a subscribe request.
 */
export type SubscribeBody = { cluster: string, group: string, version: string, resource: string, namespace?: string, labelSelector?: string,
/**
 * Resume point: the last `id:` this client saw for the same target.
 */
lastEventId?: string, };

/**
 * The answer of a subscribe request.
 */
export type Subscribed = { subscriptionId: string, };

/**
 * The answer of `GET /api/tokens`.
 */
export type TokenList = { items: Array<TokenRecord>,
/**
 * The longest TTL a new token may have.
 */
maxTtlSeconds: number, };

/**
 * A token as stored and listed (never its secret).
 */
export type TokenRecord = {
/**
 * Public id (for listing and revoking).
 */
id: string, name: string, subject: string, email: string, groups: Array<string>, clusters: Array<string>, createdAt: number, expiresAt: number, lastUsedAt: number | null, };

/**
 * The body of an upgrade and of its preview.
 */
export type UpgradeBody = {
/**
 * The values the release will have, YAML (they replace the current ones).
 */
values: string,
/**
 * Another chart version from a repository; absent: the revision's own chart, from storage.
 */
chart?: ChartRef, };

/**
 * One pod's or node's usage: CPU in millicores, memory in bytes (a pod's, the sum of its
 * containers', which are listed).
 */
export type Usage = { namespace?: string, name: string, cpu: number, memory: number, containers?: Array<ContainerUsage>, };

/**
 * The usage answer (`GET /api/clusters/{c}/usage/{kind}`).
 */
export type UsageList = {
/**
 * False when there is no usage to show; `reason` says why.
 */
available: boolean, reason?: string,
/**
 * metrics-server's sampling window (`10s`).
 */
window?: string,
/**
 * The newest sample's time (RFC 3339).
 */
timestamp?: string, items: Array<Usage>, };

/**
 * An object a warning is about, with its latest message.
 */
export type WarnedObject = { apiVersion: string, kind: string, namespace: string | null, name: string, message: string,
/**
 * Occurrences of this reason on this object.
 */
count: number, lastSeen: string, };

/**
 * Warning events of one reason.
 */
export type WarningGroup = { reason: string,
/**
 * Occurrences over all objects (events count their repeats).
 */
count: number,
/**
 * How many objects it concerns; `objects` lists the newest few.
 */
objectCount: number, lastSeen: string, objects: Array<WarnedObject>, };

/**
 * The overview's warnings: newest groups first, capped (`truncated`), and the total count.
 */
export type Warnings = { total: number, groups: Array<WarningGroup>, truncated: boolean, };

/**
 * The answer of `/api/whoami`: the short form.
 */
export type WhoAmI = { actor: string, auditEnabled: boolean, auditScope: AuditScope, mode: string, tier: string | null, };

/**
 * Desired vs ready for one workload kind.
 */
export type WorkloadCounts = { total: number,
/**
 * Workloads whose ready replicas are fewer than desired.
 */
notReady: number, desired: number, ready: number, };

/**
 * One list row (resources/projection.rs): the fields every row has, then one per column key.
 */
export type Row = { name: string, namespace?: string, uid?: string, createdAt?: string, [column: string]: JsonValue | undefined };
