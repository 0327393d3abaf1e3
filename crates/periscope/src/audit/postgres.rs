//! The PostgreSQL store: several replicas append into one trail, each on its own chain.

use std::collections::HashMap;

use async_trait::async_trait;
use futures::TryStreamExt;
use sqlx::{PgPool, Postgres, Row, postgres::PgRow, query::Query};

use super::{
    chain::{Verifier, VerifyReport},
    changes::{self, CHANGE_COLUMNS, ObjectChange, ObjectKey, StoredChange},
    event::{Actor, ChainLink, EventBody, Phase, ResourceRef, StoredEvent},
    sqlite::COLUMNS,
    store::{AuditStore, Bucket, Filter, MAX_COUNT, Param, StoreError, schema, timeline_sql},
};

/// Serialises schema changes and pruning between replicas.
const ADVISORY_LOCK: i64 = 7263542;

/// An audit trail in PostgreSQL.
pub struct PgAuditStore {
    pool: PgPool,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

impl PgAuditStore {
    /// Connects and creates the schema if missing.
    pub async fn connect(dsn: &str) -> Result<PgAuditStore, StoreError> {
        let pool = crate::postgres::connect_with_schema(dsn, 8, ADVISORY_LOCK, &schema("BIGSERIAL PRIMARY KEY"))
            .await
            .map_err(err)?;
        Ok(PgAuditStore { pool })
    }
}

fn from_row(r: &PgRow) -> Result<StoredEvent, sqlx::Error> {
    let phase: String = r.try_get("phase")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    let groups: String = r.try_get("actor_groups")?;
    let extra: Option<String> = r.try_get("extra")?;
    Ok(StoredEvent {
        id: r.try_get("id")?,
        body: EventBody {
            ts_unix_nano: r.try_get("ts_unix_nano")?,
            request_id: r.try_get("request_id")?,
            route: r.try_get("route")?,
            phase: if phase == "intent" { Phase::Intent } else { Phase::Outcome },
            verb: r.try_get("verb")?,
            outcome: outcome.and_then(|o| serde_json::from_value(serde_json::Value::String(o)).ok()),
            actor: Actor {
                sub: r.try_get("actor_sub")?,
                email: r.try_get("actor_email")?,
                groups: serde_json::from_str(&groups).unwrap_or_default(),
            },
            cluster: r.try_get("cluster")?,
            resource: ResourceRef {
                group: r.try_get("res_group")?,
                version: r.try_get("res_version")?,
                resource: r.try_get("res_resource")?,
                namespace: r.try_get("res_namespace")?,
                name: r.try_get("res_name")?,
            },
            reason: r.try_get("reason")?,
            extra: extra.and_then(|e| serde_json::from_str(&e).ok()),
        },
        link: ChainLink {
            writer_id: r.try_get("writer_id")?,
            seq: r.try_get("seq")?,
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
        },
    })
}

fn change_from_row(r: &PgRow) -> Result<StoredChange, sqlx::Error> {
    let paths: String = r.try_get("paths")?;
    Ok(StoredChange {
        id: r.try_get("id")?,
        change: ObjectChange {
            ts_unix_nano: r.try_get("ts_unix_nano")?,
            object: ObjectKey {
                cluster: r.try_get("cluster")?,
                group: r.try_get("res_group")?,
                resource: r.try_get("res_resource")?,
                namespace: r.try_get("res_namespace")?,
                name: r.try_get("res_name")?,
            },
            uid: r.try_get("uid")?,
            resource_version: r.try_get("resource_version")?,
            action: r.try_get("action")?,
            manager: r.try_get("manager")?,
            operation: r.try_get("operation")?,
            subresource: r.try_get("subresource")?,
            paths: changes::paths_of(&paths),
            truncated: r.try_get::<i64, _>("truncated")? as u32,
        },
    })
}

fn bind_all<'q>(
    mut q: Query<'q, Postgres, sqlx::postgres::PgArguments>,
    params: &'q [Param],
) -> Query<'q, Postgres, sqlx::postgres::PgArguments> {
    for p in params {
        q = match p {
            Param::Text(s) => q.bind(s.as_str()),
            Param::Int(i) => q.bind(*i),
        };
    }
    q
}

/// `MAX(id)` of a query binding one integer, inside the pruning transaction.
async fn max_id(tx: &mut sqlx::PgConnection, sql: &'static str, bound: i64) -> Result<Option<i64>, StoreError> {
    sqlx::query(sql).bind(bound).fetch_one(&mut *tx).await.map_err(err)?.try_get("m").map_err(err)
}

async fn delete_prefix(tx: &mut sqlx::PgConnection, last_id: i64) -> Result<u64, StoreError> {
    sqlx::query(
        "INSERT INTO audit_anchors (writer_id, seq, hash)
         SELECT e.writer_id, e.seq, e.hash FROM audit_events e
         JOIN (SELECT writer_id, MAX(seq) AS seq FROM audit_events WHERE id <= $1 GROUP BY writer_id) last
           ON e.writer_id = last.writer_id AND e.seq = last.seq
         ON CONFLICT (writer_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
         WHERE excluded.seq > audit_anchors.seq",
    )
    .bind(last_id)
    .execute(&mut *tx)
    .await
    .map_err(err)?;
    let done =
        sqlx::query("DELETE FROM audit_events WHERE id <= $1").bind(last_id).execute(&mut *tx).await.map_err(err)?;
    Ok(done.rows_affected())
}

#[async_trait]
impl AuditStore for PgAuditStore {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn append(&self, rows: &[(EventBody, ChainLink)]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        let insert = format!(
            "INSERT INTO audit_events ({}) VALUES ({})",
            &COLUMNS["id, ".len()..],
            (1..=21).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        );
        for (b, l) in rows {
            sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(b.ts_unix_nano)
                .bind(&b.request_id)
                .bind(nonempty(&b.route))
                .bind(match b.phase {
                    Phase::Intent => "intent",
                    Phase::Outcome => "outcome",
                })
                .bind(&b.verb)
                .bind(b.outcome.map(|o| o.as_str()))
                .bind(&b.actor.sub)
                .bind(nonempty(&b.actor.email))
                .bind(serde_json::to_string(&b.actor.groups).unwrap_or_else(|_| "[]".into()))
                .bind(nonempty(&b.cluster))
                .bind(nonempty(&b.resource.group))
                .bind(nonempty(&b.resource.version))
                .bind(nonempty(&b.resource.resource))
                .bind(nonempty(&b.resource.namespace))
                .bind(nonempty(&b.resource.name))
                .bind(nonempty(&b.reason))
                .bind(b.extra.as_ref().map(|e| e.to_string()))
                .bind(&l.writer_id)
                .bind(l.seq)
                .bind(&l.prev_hash)
                .bind(&l.hash)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn query(&self, filter: &Filter) -> Result<(Vec<StoredEvent>, u64), StoreError> {
        let (clause, params) = filter.where_clause(|n| format!("${n}"));
        let items = self.page(filter).await?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit_events {clause} LIMIT {MAX_COUNT}) s");
        let total: i64 = bind_all(sqlx::query(sqlx::AssertSqlSafe(count_sql)), &params)
            .fetch_one(&self.pool)
            .await
            .map_err(err)?
            .try_get("n")
            .map_err(err)?;
        Ok((items, total as u64))
    }

    async fn page(&self, filter: &Filter) -> Result<Vec<StoredEvent>, StoreError> {
        let (clause, params) = filter.where_clause(|n| format!("${n}"));
        let n = params.len();
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_events {clause} ORDER BY ts_unix_nano DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &params)
            .bind(filter.limit as i64)
            .bind(filter.offset as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(from_row).collect::<Result<Vec<_>, _>>().map_err(err)
    }

    async fn timeline(&self, filter: &Filter, from: i64, width: i64) -> Result<Vec<Bucket>, StoreError> {
        let (clause, params) = filter.where_clause(|n| format!("${n}"));
        let sql = timeline_sql(&clause, params.len(), |n| format!("${n}"));
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &params)
            .bind(from)
            .bind(width.max(1))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(Bucket {
                    index: r.try_get("b")?,
                    total: r.try_get("total")?,
                    denied: r.try_get("denied")?,
                    failed: r.try_get("failed")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(err)
    }

    async fn prune(&self, before_nanos: Option<i64>, max_bytes: Option<u64>) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(ADVISORY_LOCK).execute(&mut *tx).await.map_err(err)?;
        let mut deleted = 0;
        let older = "SELECT MAX(id) AS m FROM audit_events WHERE ts_unix_nano < $1";
        if let Some(before) = before_nanos
            && let Some(last) = max_id(&mut tx, older, before).await?
        {
            deleted += delete_prefix(&mut tx, last).await?;
        }
        if let Some(cap) = max_bytes {
            let row = sqlx::query(
                "SELECT pg_total_relation_size('audit_events') AS size, (SELECT COUNT(*) FROM audit_events) AS rows",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
            let (size, rows): (i64, i64) = (row.try_get("size").map_err(err)?, row.try_get("rows").map_err(err)?);
            if size as u64 > cap && rows > 0 {
                let excess = ((rows as f64) * ((size as u64 - cap) as f64 / size as f64) * 1.1).ceil() as i64;
                let oldest = "SELECT MAX(id) AS m FROM (SELECT id FROM audit_events ORDER BY id LIMIT $1) s";
                if let Some(last) = max_id(&mut tx, oldest, excess.max(1)).await? {
                    deleted += delete_prefix(&mut tx, last).await?;
                }
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(deleted)
    }

    async fn record_changes(&self, rows: &[ObjectChange]) -> Result<u64, StoreError> {
        let insert = format!(
            "INSERT INTO object_changes ({CHANGE_COLUMNS}) VALUES ({}) ON CONFLICT DO NOTHING",
            (1..=14).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        );
        let mut tx = self.pool.begin().await.map_err(err)?;
        let mut written = 0;
        for ch in rows {
            let o = &ch.object;
            written += sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(ch.ts_unix_nano)
                .bind(&o.cluster)
                .bind(&o.group)
                .bind(&o.resource)
                .bind(&o.namespace)
                .bind(&o.name)
                .bind(&ch.uid)
                .bind(&ch.resource_version)
                .bind(&ch.action)
                .bind(&ch.manager)
                .bind(&ch.operation)
                .bind(&ch.subresource)
                .bind(changes::paths_text(&ch.paths))
                .bind(ch.truncated as i64)
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected();
        }
        tx.commit().await.map_err(err)?;
        Ok(written)
    }

    async fn changes(
        &self,
        key: &ObjectKey,
        before: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let (ts, id) = before.unwrap_or((i64::MAX, i64::MAX));
        let rows = sqlx::query(sqlx::AssertSqlSafe(changes::page_sql(|n| format!("${n}"))))
            .bind(&key.cluster)
            .bind(&key.name)
            .bind(&key.namespace)
            .bind(&key.resource)
            .bind(&key.group)
            .bind(ts)
            .bind(ts)
            .bind(id)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.iter().map(change_from_row).collect::<Result<Vec<_>, _>>().map_err(err)
    }

    async fn prune_changes(&self, before_nanos: Option<i64>, max_rows: Option<u64>) -> Result<u64, StoreError> {
        let mut deleted = 0;
        if let Some(before) = before_nanos {
            deleted += sqlx::query("DELETE FROM object_changes WHERE ts_unix_nano < $1")
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(err)?
                .rows_affected();
        }
        if let Some(max) = max_rows {
            let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM object_changes")
                .fetch_one(&self.pool)
                .await
                .map_err(err)?
                .try_get("n")
                .map_err(err)?;
            if let Some(excess) = changes::rows_over(rows, max) {
                deleted += sqlx::query(
                    "DELETE FROM object_changes WHERE id <= \
                     (SELECT MAX(id) FROM (SELECT id FROM object_changes ORDER BY id LIMIT $1) s)",
                )
                .bind(excess)
                .execute(&self.pool)
                .await
                .map_err(err)?
                .rows_affected();
            }
        }
        Ok(deleted)
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let anchor_rows =
            sqlx::query("SELECT writer_id, seq, hash FROM audit_anchors").fetch_all(&self.pool).await.map_err(err)?;
        let mut anchors = HashMap::new();
        for r in &anchor_rows {
            anchors.insert(
                r.try_get::<String, _>("writer_id").map_err(err)?,
                (r.try_get("seq").map_err(err)?, r.try_get("hash").map_err(err)?),
            );
        }
        let mut verifier = Verifier::new(anchors);
        let sql = format!("SELECT {COLUMNS} FROM audit_events ORDER BY writer_id, seq");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(err)? {
            verifier.push(&from_row(&row).map_err(err)?);
        }
        Ok(verifier.finish())
    }
}
