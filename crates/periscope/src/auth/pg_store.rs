//! Sessions in PostgreSQL, so several replicas share them and they survive restarts.

use async_trait::async_trait;
use sqlx::{PgPool, Row, postgres::PgRow};

use super::{
    store::{PendingLogin, SessionRecord, SessionStore, StoreError, TokenUpdate},
    tokens::{TokenRecord, TokenStore},
};

/// The schema, applied idempotently at start-up.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS periscope_sessions (
        id_hash TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        email TEXT NOT NULL,
        groups TEXT[] NOT NULL,
        id_token TEXT,
        refresh_token TEXT,
        access_expires_at BIGINT,
        access_lifetime BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        absolute_expires_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        refresh_claimed_until BIGINT
    )",
    "CREATE INDEX IF NOT EXISTS periscope_sessions_subject ON periscope_sessions (subject)",
    "CREATE INDEX IF NOT EXISTS periscope_sessions_expiry ON periscope_sessions (absolute_expires_at)",
    "CREATE TABLE IF NOT EXISTS periscope_logins (
        id_hash TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        nonce TEXT NOT NULL,
        verifier TEXT NOT NULL,
        return_to TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS periscope_tokens (
        hash TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        subject TEXT NOT NULL,
        email TEXT NOT NULL,
        groups TEXT[] NOT NULL,
        clusters TEXT[] NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        last_used_at BIGINT
    )",
    "CREATE INDEX IF NOT EXISTS periscope_tokens_subject ON periscope_tokens (subject)",
];

/// Serialises schema creation between replicas starting at once.
const SCHEMA_LOCK: i64 = 7263541;

/// A PostgreSQL-backed [`SessionStore`].
pub struct PgStore {
    pool: PgPool,
}

fn err(e: sqlx::Error) -> StoreError {
    StoreError(e.to_string())
}

impl PgStore {
    /// Connects and applies the schema. Fails at start-up if the database is unreachable.
    pub async fn connect(dsn: &str) -> Result<PgStore, StoreError> {
        let schema: Vec<String> = SCHEMA.iter().map(|s| s.to_string()).collect();
        let pool = crate::postgres::connect_with_schema(dsn, 16, SCHEMA_LOCK, &schema).await.map_err(err)?;
        Ok(PgStore { pool })
    }
}

fn session_from_row(row: &PgRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id_hash: row.try_get("id_hash")?,
        subject: row.try_get("subject")?,
        email: row.try_get("email")?,
        groups: row.try_get("groups")?,
        id_token: row.try_get("id_token")?,
        refresh_token: row.try_get("refresh_token")?,
        access_expires_at: row.try_get("access_expires_at")?,
        access_lifetime: row.try_get("access_lifetime")?,
        created_at: row.try_get("created_at")?,
        absolute_expires_at: row.try_get("absolute_expires_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
    })
}

#[async_trait]
impl SessionStore for PgStore {
    async fn insert(&self, s: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO periscope_sessions (id_hash, subject, email, groups, id_token, refresh_token,
                access_expires_at, access_lifetime, created_at, absolute_expires_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.id_hash)
        .bind(&s.subject)
        .bind(&s.email)
        .bind(&s.groups)
        .bind(&s.id_token)
        .bind(&s.refresh_token)
        .bind(s.access_expires_at)
        .bind(s.access_lifetime)
        .bind(s.created_at)
        .bind(s.absolute_expires_at)
        .bind(s.last_seen_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM periscope_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(session_from_row).transpose().map_err(err)
    }

    async fn touch(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE periscope_sessions SET last_seen_at = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn update_tokens(&self, id_hash: &str, u: &TokenUpdate) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE periscope_sessions SET groups = $2, id_token = COALESCE($3, id_token),
                refresh_token = COALESCE($4, refresh_token), access_expires_at = $5, access_lifetime = $6,
                refresh_claimed_until = NULL
             WHERE id_hash = $1",
        )
        .bind(id_hash)
        .bind(&u.groups)
        .bind(&u.id_token)
        .bind(&u.refresh_token)
        .bind(u.access_expires_at)
        .bind(u.access_lifetime)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn delete(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM periscope_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM periscope_sessions WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }

    async fn try_claim_refresh(&self, id_hash: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE periscope_sessions SET refresh_claimed_until = $3
             WHERE id_hash = $1 AND (refresh_claimed_until IS NULL OR refresh_claimed_until <= $2)",
        )
        .bind(id_hash)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_login(&self, l: &PendingLogin) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO periscope_logins (id_hash, state, nonce, verifier, return_to, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&l.id_hash)
        .bind(&l.state)
        .bind(&l.nonce)
        .bind(&l.verifier)
        .bind(&l.return_to)
        .bind(l.expires_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn take_login(&self, id_hash: &str) -> Result<Option<PendingLogin>, StoreError> {
        let row = sqlx::query("DELETE FROM periscope_logins WHERE id_hash = $1 RETURNING *")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let login = (|| -> Result<PendingLogin, sqlx::Error> {
            Ok(PendingLogin {
                id_hash: row.try_get("id_hash")?,
                state: row.try_get("state")?,
                nonce: row.try_get("nonce")?,
                verifier: row.try_get("verifier")?,
                return_to: row.try_get("return_to")?,
                expires_at: row.try_get("expires_at")?,
            })
        })()
        .map_err(err)?;
        Ok(Some(login))
    }

    async fn sweep(&self, now: i64) -> Result<u64, StoreError> {
        let sessions = sqlx::query("DELETE FROM periscope_sessions WHERE absolute_expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        let logins = sqlx::query("DELETE FROM periscope_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(sessions.rows_affected() + logins.rows_affected())
    }
}

fn token_from_row(row: &PgRow) -> Result<TokenRecord, sqlx::Error> {
    Ok(TokenRecord {
        id: row.try_get("id")?,
        hash: row.try_get("hash")?,
        name: row.try_get("name")?,
        subject: row.try_get("subject")?,
        email: row.try_get("email")?,
        groups: row.try_get("groups")?,
        clusters: row.try_get("clusters")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

#[async_trait]
impl TokenStore for PgStore {
    async fn insert_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO periscope_tokens (hash, id, name, subject, email, groups, clusters, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&t.hash)
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.subject)
        .bind(&t.email)
        .bind(&t.groups)
        .bind(&t.clusters)
        .bind(t.created_at)
        .bind(t.expires_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM periscope_tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(token_from_row).transpose().map_err(err)
    }

    async fn list_tokens(&self, subject: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM periscope_tokens WHERE $1::TEXT IS NULL OR subject = $1 ORDER BY created_at DESC",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(token_from_row).collect::<Result<_, _>>().map_err(err)
    }

    async fn delete_token(&self, id: &str, subject: Option<&str>) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM periscope_tokens WHERE id = $1 AND ($2::TEXT IS NULL OR subject = $2)")
            .bind(id)
            .bind(subject)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_subject_tokens(&self, subject: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM periscope_tokens WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }

    async fn touch_token(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE periscope_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn sweep_tokens(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM periscope_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }
}
