//! The one way Periscope opens PostgreSQL: a bounded pool, then its schema applied under an
//! advisory lock so replicas starting at once do not race on `CREATE … IF NOT EXISTS`.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgPoolOptions};

/// Connects to `dsn` and runs `schema` in one transaction holding advisory lock `lock`.
pub async fn connect_with_schema(
    dsn: &str,
    max_connections: u32,
    lock: i64,
    schema: &[String],
) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(dsn)
        .await?;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(lock).execute(&mut *tx).await?;
    for statement in schema {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone())).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(pool)
}
