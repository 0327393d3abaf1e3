// The Helm answers (docs/api.md#helm). The reads are built with `json!` on the server, so
// their types are written here by hand, in the server's field names; the chart and write
// bodies and the preview are generated (types.gen.ts) and re-exported from here.

import type { ChartRef, ChartValues, ChartVersions, HelmPreview, InstallBody, JsonValue, UpgradeBody } from '../api/types.gen';

export type { ChartRef, ChartValues, ChartVersions, InstallBody, UpgradeBody };

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

/**
 * What an install or upgrade would do, asked before it runs. The generated type leaves the
 * upgrade's diff as JSON values; it is the diff route's shape.
 */
export type Preview = Omit<HelmPreview, 'diff'> & { diff?: DiffParts };

/** A write's answer (`release` null when helm left none to read). */
export interface WriteResult {
  release: ReleaseSummary | null;
  output: string;
}
