// The Helm answers (docs/api.md#helm). The server builds them with `json!`, so they are not in
// types.gen.ts: written here by hand, in the server's field names.

import type { JsonValue } from '../api/types.gen';

/** A release's latest (or one) revision as lists, histories and writes answer it. */
export interface ReleaseSummary {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chartName: string;
  chartVersion: string;
  appVersion: string | null;
  updated: string | null;
  description: string;
}

/** `GET …/helm/releases`. */
export interface ReleaseList {
  releases: ReleaseSummary[];
  truncated: boolean;
}

/** An object a release owns. */
export interface ReleaseResource {
  apiVersion: string | null;
  kind: string | null;
  namespace: string;
  name: string | null;
}

/** Where a release was installed from (null: not through Periscope, or unknown). */
export interface ReleaseSource {
  repo: string;
  chart: string;
}

/** `GET …/helm/releases/{ns}/{name}`. */
export interface ReleaseDetail {
  release: ReleaseSummary;
  values: JsonValue;
  computedValues: JsonValue;
  manifest: string;
  notes: string;
  resources: ReleaseResource[];
  /** Added by the install/upgrade backend; absent from older servers. */
  source?: ReleaseSource | null;
}

/** `GET …/history`. */
export interface History {
  revisions: ReleaseSummary[];
}

export type ChangeKind = 'add' | 'remove' | 'modify';

/** One difference at one path. */
export interface Change {
  path: string;
  kind: ChangeKind;
  before: JsonValue | null;
  after: JsonValue | null;
}

/** The differences of one object of a manifest (`Kind namespace/name`). */
export interface ObjectChange {
  object: string;
  kind: ChangeKind;
  changes: Change[];
}

/** The manifest and values differences of two revisions (or of a preview against now). */
export interface DiffParts {
  objects: ObjectChange[];
  values: Change[];
}

/** `GET …/diff?from=&to=`. */
export interface ReleaseDiff extends DiffParts {
  from: ReleaseSummary;
  to: ReleaseSummary;
}

export type DriftState = 'inSync' | 'drifted' | 'missing' | 'forbidden';

/** `GET …/drift`. */
export interface Drift {
  release: ReleaseSummary;
  objects: { object: string; state: DriftState; changes: Change[] }[];
  drifted: number;
}

/** `GET …/helm/charts/versions`. */
export interface ChartVersions {
  repo: string;
  chart: string;
  versions: { version: string; appVersion: string | null; description: string | null; created: string | null }[];
}

/** `GET …/helm/charts/values`. */
export interface ChartValues {
  chart: { name: string; version: string; appVersion: string | null; description: string | null };
  values: string;
}

/** What an install or upgrade would do, asked before it runs. */
export interface Preview {
  manifest: string;
  notes: string;
  objects: { object: string; action: 'create' | 'update' | 'delete'; allowed: boolean }[];
  denied: string[];
  /** Upgrades only: against the current revision. */
  diff?: DiffParts;
}

/** A chart to install or upgrade to. */
export interface ChartRef {
  repo: string;
  chart: string;
  version: string;
}

/** `POST …/helm/install` and `…/install-preview`. */
export interface InstallBody extends ChartRef {
  namespace: string;
  name: string;
  /** YAML text. */
  values: string;
  /** Create the namespace when it does not exist (the pre-flight then asks for `create namespaces`). */
  createNamespace?: boolean;
}

/** `POST …/upgrade` and `…/upgrade-preview` (no chart: the current chart and version). */
export interface UpgradeBody {
  values: string;
  chart?: ChartRef;
}

/** A write's answer (`release` null when helm left none to read). */
export interface WriteResult {
  release: ReleaseSummary | null;
  output: string;
}
