//! Object changes the watch engine saw (kubectl, GitOps, controllers, the console itself),
//! kept beside the audit rows in the same store for object history. They are observations,
//! not actions: no hash chain, their own retention and row cap, never a Secret's value.

/// Which object a history query is about: every incarnation of one name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectKey {
    pub cluster: String,
    /// `""` for the core group.
    pub group: String,
    /// The plural (`deployments`).
    pub resource: String,
    /// `""` for a cluster-scoped object.
    pub namespace: String,
    pub name: String,
}

/// One observed change of one object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectChange {
    pub ts_unix_nano: i64,
    pub object: ObjectKey,
    pub uid: String,
    pub resource_version: String,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// The field manager whose entry in `managedFields` this write touched.
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    pub operation: Option<String>,
    /// `status`, `scale`, … when the write went through a subresource.
    pub subresource: Option<String>,
    /// Changed paths (`spec.replicas`), at most [`MAX_PATHS`].
    pub paths: Vec<String>,
    /// How many more paths changed than `paths` holds.
    pub truncated: u32,
}

/// A change as stored, with its row id (a stable key and a cursor tiebreaker).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChange {
    pub id: i64,
    pub change: ObjectChange,
}

/// Paths one change keeps at most.
pub const MAX_PATHS: usize = 50;

/// The columns of `object_changes` in the order rows are written and read (minus `id`).
pub const CHANGE_COLUMNS: &str = "ts_unix_nano, cluster, res_group, res_resource, res_namespace, res_name, uid, \
    resource_version, action, manager, operation, subresource, paths, truncated";

/// The table and index both stores create (`id_column` as in [`super::store::schema`]).
pub fn schema(id_column: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS object_changes (
                id {id_column},
                ts_unix_nano BIGINT NOT NULL,
                cluster TEXT NOT NULL,
                res_group TEXT NOT NULL,
                res_resource TEXT NOT NULL,
                res_namespace TEXT NOT NULL,
                res_name TEXT NOT NULL,
                uid TEXT NOT NULL,
                resource_version TEXT NOT NULL,
                action TEXT NOT NULL,
                manager TEXT,
                operation TEXT,
                subresource TEXT,
                paths TEXT NOT NULL,
                truncated BIGINT NOT NULL,
                UNIQUE (cluster, uid, resource_version)
            )"
        ),
        "CREATE INDEX IF NOT EXISTS object_changes_object ON object_changes \
         (cluster, res_name, res_namespace, res_resource, res_group, ts_unix_nano)"
            .into(),
        "CREATE INDEX IF NOT EXISTS object_changes_ts ON object_changes (ts_unix_nano)".into(),
    ]
}

/// The page query: one object's changes newest first, older than an optional `(ts, id)`
/// cursor. Placeholders 1–5 are the key (cluster, name, namespace, resource, group), 6–8 the
/// cursor (`ts`, `ts`, `id`; pass `i64::MAX` for none), 9 the limit.
pub fn page_sql(placeholder: fn(usize) -> String) -> String {
    let p = |n| placeholder(n);
    format!(
        "SELECT id, {CHANGE_COLUMNS} FROM object_changes \
         WHERE cluster = {} AND res_name = {} AND res_namespace = {} AND res_resource = {} AND res_group = {} \
         AND (ts_unix_nano < {} OR (ts_unix_nano = {} AND id < {})) \
         ORDER BY ts_unix_nano DESC, id DESC LIMIT {}",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(6),
        p(7),
        p(8),
        p(9)
    )
}

/// The stored form of a change's paths.
pub fn paths_text(paths: &[String]) -> String {
    serde_json::to_string(paths).unwrap_or_else(|_| "[]".into())
}

/// Paths as stored back into a list (an unreadable cell reads as none).
pub fn paths_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Where to start deleting when the table holds more than `max_rows`: a row cap is kept with
/// 10% headroom so pruning does not run on every tick.
pub fn rows_over(rows: i64, max_rows: u64) -> Option<i64> {
    let max = max_rows as i64;
    (rows > max).then(|| rows - max + max / 10)
}
