//! Durable audit stores (SQLite, PostgreSQL) behind one trait, and the query model they share.

use async_trait::async_trait;
use serde::Deserialize;

use super::{
    chain::VerifyReport,
    changes::{ObjectChange, ObjectKey, StoredChange},
    event::{ChainLink, EventBody, StoredEvent},
};

/// An audit store failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("audit store: {0}")]
pub struct StoreError(pub String);

/// `GET /api/audit` filters (exact match, ANDed; time range half-open `[from, to)`).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub verb: Option<String>,
    pub outcome: Option<String>,
    pub phase: Option<String>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The object's kind as its plural (`deployments`).
    pub resource: Option<String>,
    #[serde(alias = "request_id")]
    pub request_id: Option<String>,
    /// RFC 3339.
    pub from: Option<String>,
    /// RFC 3339.
    pub to: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
    /// Timeline only: how many stretches (1–500, default 60).
    pub buckets: Option<u32>,
    /// Export only: `jsonl` (default) or `csv`.
    pub format: Option<String>,
}

/// A query value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Int(i64),
}

/// Validated filters ready for SQL.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub verb: Option<String>,
    pub outcome: Option<String>,
    pub phase: Option<String>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub resource: Option<String>,
    pub request_id: Option<String>,
    pub from_nanos: Option<i64>,
    pub to_nanos: Option<i64>,
    /// Only rows after this one in newest-first order, `(ts_unix_nano, id)`: a keyset cursor,
    /// so a long export reads each page from an index instead of skipping `offset` rows.
    pub before: Option<(i64, i64)>,
    /// Only rows with a larger id: what a live tail has not sent yet.
    pub after_id: Option<i64>,
    pub limit: u32,
    pub offset: u64,
}

impl Filter {
    /// `WHERE …` (or empty) with placeholders made by `placeholder(n)` for n = 1, 2, …
    pub fn where_clause(&self, placeholder: fn(usize) -> String) -> (String, Vec<Param>) {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        let mut add = |clause: &str, param: Param| {
            params.push(param);
            clauses.push(clause.replace('?', &placeholder(params.len())));
        };
        let text = [
            ("actor_sub = ?", &self.actor),
            ("verb = ?", &self.verb),
            ("outcome = ?", &self.outcome),
            ("phase = ?", &self.phase),
            ("cluster = ?", &self.cluster),
            ("res_namespace = ?", &self.namespace),
            ("res_name = ?", &self.name),
            ("res_resource = ?", &self.resource),
            ("request_id = ?", &self.request_id),
        ];
        for (clause, value) in text {
            if let Some(v) = value {
                add(clause, Param::Text(v.clone()));
            }
        }
        if let Some(from) = self.from_nanos {
            add("ts_unix_nano >= ?", Param::Int(from));
        }
        if let Some(to) = self.to_nanos {
            add("ts_unix_nano < ?", Param::Int(to));
        }
        if let Some(id) = self.after_id {
            add("id > ?", Param::Int(id));
        }
        if let Some((ts, id)) = self.before {
            let (a, b, c) =
                (placeholder(params.len() + 1), placeholder(params.len() + 2), placeholder(params.len() + 3));
            params.extend([Param::Int(ts), Param::Int(ts), Param::Int(id)]);
            clauses.push(format!("(ts_unix_nano < {a} OR (ts_unix_nano = {b} AND id < {c}))"));
        }
        let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        (sql, params)
    }
}

/// Rows of one stretch of the timeline: all, and how many of them were refused or failed.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Bucket {
    /// Which stretch, counted from the timeline's start.
    pub index: i64,
    pub total: i64,
    pub denied: i64,
    pub failed: i64,
}

/// The timeline query over `clause` (whose placeholders are 1..=n): rows per stretch of
/// `width` nanoseconds from `from` (placeholders n+1, n+2), with their denials and failures.
pub fn timeline_sql(clause: &str, n: usize, placeholder: fn(usize) -> String) -> String {
    let (from, width) = (placeholder(n + 1), placeholder(n + 2));
    format!(
        "SELECT (ts_unix_nano - {from}) / {width} AS b, COUNT(*) AS total, \
         SUM(CASE WHEN outcome = 'denied' THEN 1 ELSE 0 END) AS denied, \
         SUM(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END) AS failed \
         FROM audit_events {clause} GROUP BY b ORDER BY b"
    )
}

/// The most rows one query returns.
pub const MAX_LIMIT: u32 = 500;
/// Totals are counted up to this many rows; beyond it the answer says `totalCapped`.
/// Exact counts over millions of rows cost more than any page is worth.
pub const MAX_COUNT: u64 = 10_000;
/// Rows per page when the client does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// A durable place for audit rows.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// A short name for logs ("sqlite", "postgres").
    fn name(&self) -> &'static str;
    /// Appends rows in one transaction: all or none.
    async fn append(&self, rows: &[(EventBody, ChainLink)]) -> Result<(), StoreError>;
    /// The same on the calling thread, for stores that are synchronous underneath (SQLite);
    /// `None` means "use [`AuditStore::append`]".
    fn append_blocking(&self, _rows: &[(EventBody, ChainLink)]) -> Option<Result<(), StoreError>> {
        None
    }
    /// One page of rows (newest first) and the total matching the filter, counted up to [`MAX_COUNT`].
    async fn query(&self, filter: &Filter) -> Result<(Vec<StoredEvent>, u64), StoreError>;
    /// One page of rows (newest first) without the total: for exports that page by cursor.
    async fn page(&self, filter: &Filter) -> Result<Vec<StoredEvent>, StoreError>;
    /// The rows matching `filter` counted per stretch of `width` nanoseconds from `from`
    /// (only stretches with rows; see [`timeline_sql`]).
    async fn timeline(&self, filter: &Filter, from: i64, width: i64) -> Result<Vec<Bucket>, StoreError>;
    /// Deletes rows older than `before_nanos` and, if the store is larger than `max_bytes`,
    /// the oldest rows beyond it, recording each chain's new anchor. Returns rows deleted.
    async fn prune(&self, before_nanos: Option<i64>, max_bytes: Option<u64>) -> Result<u64, StoreError>;
    /// Walks every chain.
    async fn verify(&self) -> Result<VerifyReport, StoreError>;
    /// Records observed object changes; a change already recorded (same cluster, uid and
    /// resourceVersion, seen through another watch or replica) is skipped. Returns rows written.
    async fn record_changes(&self, changes: &[ObjectChange]) -> Result<u64, StoreError>;
    /// One object's changes newest first, older than the `(ts, id)` cursor `before`.
    async fn changes(
        &self,
        key: &ObjectKey,
        before: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<StoredChange>, StoreError>;
    /// Deletes changes older than `before_nanos` and the oldest beyond `max_rows`. Returns rows deleted.
    async fn prune_changes(&self, before_nanos: Option<i64>, max_rows: Option<u64>) -> Result<u64, StoreError>;
}

/// The schema both stores create; only the id column's type differs between dialects
/// (`INTEGER PRIMARY KEY AUTOINCREMENT` in SQLite, `BIGSERIAL PRIMARY KEY` in PostgreSQL).
pub fn schema(id_column: &str) -> Vec<String> {
    let mut statements = vec![format!(
        "CREATE TABLE IF NOT EXISTS audit_events (
            id {id_column},
            ts_unix_nano BIGINT NOT NULL,
            request_id TEXT NOT NULL,
            route TEXT,
            phase TEXT NOT NULL,
            verb TEXT NOT NULL,
            outcome TEXT,
            actor_sub TEXT NOT NULL,
            actor_email TEXT,
            actor_groups TEXT NOT NULL,
            cluster TEXT,
            res_group TEXT,
            res_version TEXT,
            res_resource TEXT,
            res_namespace TEXT,
            res_name TEXT,
            reason TEXT,
            extra TEXT,
            writer_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (writer_id, seq)
        )"
    )];
    let indexes = [
        ("audit_ts", "ts_unix_nano"),
        ("audit_actor_ts", "actor_sub, ts_unix_nano"),
        ("audit_verb_ts", "verb, ts_unix_nano"),
        ("audit_cluster_ns_ts", "cluster, res_namespace, ts_unix_nano"),
        ("audit_request", "request_id"),
        // Covers multi-column filters, so capped counts read the index only.
        ("audit_filters", "outcome, verb, cluster, res_namespace, actor_sub, phase, ts_unix_nano"),
    ];
    for (name, columns) in indexes {
        statements.push(format!("CREATE INDEX IF NOT EXISTS {name} ON audit_events ({columns})"));
    }
    statements.push(
        "CREATE TABLE IF NOT EXISTS audit_anchors (writer_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)"
            .into(),
    );
    statements.extend(super::changes::schema(id_column));
    statements
}
