//! The command line: `periscope serve` and its flags (each with an environment override).

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use clap::{Parser, Subcommand};

use crate::{
    app::{self, AppState, BuildInfo},
    audit::{Audit, AuditConfig, AuditSink, postgres::PgAuditStore, sqlite::SqliteStore, store::AuditStore},
    auth::{
        crypto::TokenCipher,
        oidc::OidcClient,
        pg_store::PgStore,
        sessions::{SessionSettings, Sessions},
        store::{MemoryStore, SessionStore, TimedStore},
        tokens::{MemoryTokens, TokenStore, Tokens},
    },
    clusters::{self, Registry},
    config,
    config::auth::{AuthConfig, AuthMode, SessionStoreKind, parse_duration},
    config::secret,
    kube::ClientFactory,
    server::{self, HttpArgs},
    shutdown,
};

/// Periscope: a multi-cluster Kubernetes web console.
#[derive(Debug, Parser)]
#[command(name = "periscope", version = version_line(), about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `--version`'s text: the crate version and the commit `make release` stamped (`PERISCOPE_COMMIT`),
/// or `unknown` for a build without one. Shared with `periscope-agent`, built from the same tree.
pub fn version_line() -> &'static str {
    static LINE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LINE.get_or_init(|| {
        let build = BuildInfo::current();
        format!("{} (commit {})", build.version, build.commit)
    })
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console and its API.
    Serve(Box<ServeArgs>),
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `periscope audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every hash chain and report the first broken link of each (exit 1 if any).
    Verify(AuditStoreArgs),
}

/// Which audit store to open.
#[derive(Debug, clap::Args)]
pub struct AuditStoreArgs {
    /// SQLite audit database.
    #[arg(long, env = "PERISCOPE_AUDIT_DB_PATH")]
    pub sqlite: Option<PathBuf>,
    /// PostgreSQL audit database (takes precedence over --sqlite).
    #[arg(long, env = "PERISCOPE_AUDIT_POSTGRES_DSN")]
    pub postgres: Option<String>,
}

/// Audit flags of `periscope serve`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Where audit rows go: a comma list of stdout, sqlite, postgres (or `none`).
    #[arg(
        long = "audit-sinks",
        env = "PERISCOPE_AUDIT_SINKS",
        value_enum,
        value_delimiter = ',',
        default_value = "stdout,sqlite"
    )]
    pub sinks: Vec<AuditSink>,
    /// SQLite database file (default: $XDG_STATE_HOME or ~/.local/state, periscope/audit.db).
    #[arg(long = "audit-db-path", env = "PERISCOPE_AUDIT_DB_PATH")]
    pub db_path: Option<PathBuf>,
    /// PostgreSQL DSN for the shared trail of several replicas.
    #[arg(long = "audit-postgres-dsn", env = "PERISCOPE_AUDIT_POSTGRES_DSN")]
    pub postgres_dsn: Option<String>,
    /// Delete rows older than this many days (0 keeps them).
    #[arg(long = "audit-retention-days", env = "PERISCOPE_AUDIT_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u64,
    /// Retention as a duration (e.g. `90d` is not accepted; use `2160h`); overrides the days.
    #[arg(long = "audit-retention", env = "PERISCOPE_AUDIT_RETENTION")]
    pub retention: Option<String>,
    /// Keep the trail below this size in MiB by deleting the oldest rows (0: no cap).
    #[arg(long = "audit-max-size-mb", env = "PERISCOPE_AUDIT_MAX_SIZE_MB", default_value_t = 1024.0)]
    pub max_size_mb: f64,
    /// How often pruning runs.
    #[arg(long = "audit-vacuum-interval", env = "PERISCOPE_AUDIT_VACUUM_INTERVAL", default_value = "24h")]
    pub vacuum_interval: String,
    /// Let mutating actions run when their audit row cannot be written (logged loudly).
    #[arg(long = "audit-fail-open", env = "PERISCOPE_AUDIT_FAIL_OPEN", default_value_t = false)]
    pub fail_open: bool,
    /// Rows the queue to the writer holds before callers wait (fail closed) or rows drop (fail open).
    #[arg(long = "audit-queue-size", env = "PERISCOPE_AUDIT_QUEUE_SIZE", default_value_t = 8192)]
    pub queue_size: usize,
}

impl AuditArgs {
    /// The audit configuration these flags describe.
    pub fn config(&self) -> anyhow::Result<AuditConfig> {
        let mut config = AuditConfig {
            stdout: false,
            sqlite_path: None,
            postgres_dsn: None,
            retention: match &self.retention {
                Some(text) => {
                    Some(parse_duration(text).map_err(|e| anyhow::anyhow!("PERISCOPE_AUDIT_RETENTION: {e}"))?)
                }
                None if self.retention_days > 0 => Some(Duration::from_secs(self.retention_days * 86_400)),
                None => None,
            },
            max_bytes: (self.max_size_mb > 0.0).then_some((self.max_size_mb * 1024.0 * 1024.0) as u64),
            prune_interval: parse_duration(&self.vacuum_interval)
                .map_err(|e| anyhow::anyhow!("PERISCOPE_AUDIT_VACUUM_INTERVAL: {e}"))?,
            fail_open: self.fail_open,
            queue_size: self.queue_size,
        };
        for sink in &self.sinks {
            match sink {
                AuditSink::None => {}
                AuditSink::Stdout => config.stdout = true,
                AuditSink::Sqlite => config.sqlite_path = Some(self.db_path.clone().unwrap_or_else(default_audit_path)),
                AuditSink::Postgres => {
                    let dsn = self
                        .postgres_dsn
                        .as_deref()
                        .ok_or_else(|| anyhow::anyhow!("audit sink postgres needs PERISCOPE_AUDIT_POSTGRES_DSN"))?;
                    config.postgres_dsn =
                        Some(secret::resolve(dsn).map_err(|e| anyhow::anyhow!("PERISCOPE_AUDIT_POSTGRES_DSN: {e}"))?);
                }
            }
        }
        Ok(config)
    }
}

fn default_audit_path() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("periscope").join("audit.db")
}

/// Flags of `periscope serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the chosen address is logged).
    #[arg(long, env = "PERISCOPE_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// The cluster registry; without it, the contexts of $KUBECONFIG or ~/.kube/config.
    #[arg(long, env = "PERISCOPE_CLUSTERS_FILE")]
    pub clusters_file: Option<PathBuf>,
    /// Authentication and authorization settings; without it, dev mode.
    #[arg(long, env = "PERISCOPE_AUTH_FILE")]
    pub auth_file: Option<PathBuf>,
    /// Forces the auth mode (`dev` or `oidc`) instead of inferring it from the auth file.
    #[arg(long, env = "PERISCOPE_AUTH_MODE", value_enum)]
    pub auth_mode: Option<AuthMode>,
    /// Extra origins (comma-separated) allowed to send mutating requests, besides this host.
    #[arg(long, env = "PERISCOPE_ALLOWED_ORIGINS")]
    pub allowed_origins: Option<String>,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub watch: crate::watch::WatchArgs,
    #[command(flatten)]
    pub history: crate::history::HistoryArgs,
    #[command(flatten)]
    pub lists: crate::resources::list::ListArgs,
    #[command(flatten)]
    pub logs: crate::logs::LogArgs,
    #[command(flatten)]
    pub exec: crate::exec::ExecArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub proxy: crate::proxy::ProxyArgs,
    #[command(flatten)]
    pub helm: crate::helm::HelmArgs,
    #[command(flatten)]
    pub agent: crate::agent::AgentArgs,
    #[command(flatten)]
    pub backends: crate::clusters::BackendArgs,
}

/// Runs the parsed command line; the error is printed by `main` and exits non-zero.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Audit(AuditCommand::Verify(args)) => verify(args).await,
    }
}

async fn verify(args: AuditStoreArgs) -> anyhow::Result<ExitCode> {
    let store: Box<dyn AuditStore> = match (&args.postgres, &args.sqlite) {
        (Some(dsn), _) => Box::new(PgAuditStore::connect(dsn).await?),
        (None, Some(path)) => {
            anyhow::ensure!(path.is_file(), "{} does not exist", path.display());
            Box::new(SqliteStore::open(path)?)
        }
        (None, None) => anyhow::bail!("name the trail: --sqlite PATH or --postgres DSN"),
    };
    let report = store.verify().await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.ok {
        eprintln!("audit verify: {} rows in {} chains, every link intact", report.rows, report.chains);
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &report.problems {
            eprintln!(
                "audit verify: chain {} breaks at row id {} (seq {}): {}",
                p.writer_id, p.row_id, p.seq, p.reason
            );
        }
        Ok(ExitCode::from(1))
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let stop_signal = shutdown::install().map_err(|e| anyhow::anyhow!("cannot install signal handlers: {e}"))?;
    check_stream_heartbeats(&args)?;
    let state = build_state(&args).await?;
    start_tunnel_listener(&args.agent, &state.agents).await?;
    let listener = listen(args.listen).await?;
    serve_until_stopped(listener, state, &args.http, stop_signal).await
}

/// Starts the agent tunnel listener when `--agent-listen` is set (logs `agent tunnel listening`).
async fn start_tunnel_listener(args: &crate::agent::AgentArgs, agents: &crate::agent::Agents) -> anyhow::Result<()> {
    let (Some(addr), Some(ca)) = (args.tunnel_listen, agents.ca.as_ref()) else { return Ok(()) };
    let tls = crate::agent::tunnel::tls_config(ca, &args.sans())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for agents on {addr}: {e}"))?;
    tracing::info!(addr = %listener.local_addr()?, "agent tunnel listening");
    tokio::spawn(crate::agent::tunnel::serve(listener, tls, agents.tunnels.clone()));
    Ok(())
}

/// Live streams must write more often than the idle timeout, or the server closes them as stalled.
fn check_stream_heartbeats(args: &ServeArgs) -> anyhow::Result<()> {
    let idle = args.http.idle_timeout;
    let ping = args.watch.config().ping;
    anyhow::ensure!(
        idle.is_zero() || ping < idle,
        "PERISCOPE_WATCH_PING_SECONDS ({} s) must be shorter than PERISCOPE_HTTP_IDLE_TIMEOUT ({} s): \
         streams that write nothing for the idle timeout are closed",
        ping.as_secs(),
        idle.as_secs_f64()
    );
    Ok(())
}

/// Loads the configuration and opens what every handler shares: sessions, clusters, the audit
/// trail, caches and the watch engine.
async fn build_state(args: &ServeArgs) -> anyhow::Result<AppState> {
    let auth = config::auth::load(args.auth_file.as_deref(), args.auth_mode)?;
    let (session_store, token_store) = open_stores(&auth.session.store).await?;
    let sessions = match auth.mode {
        AuthMode::Oidc => Some(Arc::new(build_sessions(&auth, session_store).await?)),
        AuthMode::Dev => None,
    };
    let tokens = Arc::new(Tokens::new(token_store, args.proxy.token_max_ttl()));
    spawn_sweeper(sessions.clone(), tokens.clone());
    let allowed_origins = allowed_origins(args.allowed_origins.as_deref(), &auth);
    let cluster_configs = match &args.clusters_file {
        Some(path) => config::clusters::load(path)?,
        None => clusters::from_local_kubeconfig()?,
    };
    let agent_clusters = cluster_configs
        .iter()
        .filter(|c| c.backend == config::clusters::Backend::Agent)
        .map(|c| c.name.clone())
        .collect();
    let agents = Arc::new(args.agent.agents(agent_clusters)?);
    let registry = Registry::build(cluster_configs, &agents.tunnels, &args.backends).await?;
    let audit_config = args.audit.config()?;
    let audit = Audit::start(audit_config.clone()).await.map_err(|e| anyhow::anyhow!("audit trail: {e}"))?;
    agents.tunnels.set_audit(audit.clone());
    let exec = Arc::new(crate::exec::Exec::start(args.exec.clone(), &audit_config, &audit).await?);
    tracing::info!(
        auth_mode = auth.mode.as_str(),
        authz_mode = auth.authz.mode.as_str(),
        clusters = ?registry.all().iter().map(|c| c.config.name.as_str()).collect::<Vec<_>>(),
        "configuration loaded"
    );
    let can_i_ttl = auth.authz.can_i_cache_ttl;
    // History lives in the durable store the audit page reads; with none, nothing records it.
    let history = args
        .history
        .config()
        .zip(audit.query_store().cloned())
        .map(|(config, store)| crate::history::Recorder::start(store, config));
    Ok(AppState {
        registry: Arc::new(registry),
        clients: Arc::new(ClientFactory::default()),
        auth: Arc::new(auth),
        build: BuildInfo::current(),
        audit,
        sessions,
        allowed_origins: Arc::new(allowed_origins),
        kinds: Arc::default(),
        caches: Arc::new(crate::routes::cache::OverviewCaches::new(can_i_ttl)),
        lists: Arc::new(crate::resources::list::ListSnapshots::new(args.lists.config())),
        usage: Arc::new(crate::usage::UsageCache::default()),
        watch: Arc::new(crate::watch::Hub::new(args.watch.config()).with_history(history)),
        logs: crate::logs::LogHub::new(args.logs.limits()),
        exec,
        tokens,
        proxy: args.proxy.settings(),
        charts: args.helm.fetcher()?,
        agents,
        self_url: Arc::default(),
    })
}

/// The origins allowed to mutate besides the request's own host: the flag's list plus the
/// OIDC redirect URL's origin.
fn allowed_origins(extra: Option<&str>, auth: &AuthConfig) -> Vec<String> {
    let mut origins: Vec<String> =
        extra.unwrap_or("").split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
    if let Some(oidc) = &auth.oidc
        && let Ok(url) = url::Url::parse(&oidc.redirect_url)
    {
        origins.push(url.origin().ascii_serialization());
    }
    origins
}

/// Binds the listening socket and logs the address (tests wait for this line).
async fn listen(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    Ok(listener)
}

/// Serves until SIGTERM or SIGINT, then tells live streams to go and drains for at most
/// `shutdown::DRAIN`.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    state: AppState,
    http: &HttpArgs,
    stop_signal: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let hub = state.watch.clone();
    let exec = state.exec.clone();
    let limits = http.limits();
    tracing::info!(
        max_connections = limits.max_connections,
        header_timeout_ms = http.header_timeout.as_millis() as u64,
        idle_timeout_ms = http.idle_timeout.as_millis() as u64,
        body_timeout_ms = http.body_timeout.as_millis() as u64,
        request_timeout_ms = http.request_timeout.as_millis() as u64,
        "http limits"
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut state = state;
    let mut own = listener.local_addr()?;
    if own.ip().is_unspecified() {
        own.set_ip(if own.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    state.self_url = Arc::new(format!("http://{own}"));
    let app = app::router(state, http.timeouts());
    let server = tokio::spawn(server::serve(listener, app, limits, async {
        let _ = stop_rx.await;
    }));
    stop_signal.await;
    // Live streams never end on their own: tell them first, so the drain is not spent waiting.
    shutdown::announce(&hub);
    let _ = stop_tx.send(());
    match tokio::time::timeout(shutdown::DRAIN, server).await {
        Ok(joined) => joined?,
        Err(_) => tracing::warn!(drain_seconds = shutdown::DRAIN.as_secs(), "drain timed out; exiting"),
    }
    // Terminals were told to go with the streams; their close rows are written after their
    // connections left the server's drain.
    if !exec.registry.drained(std::time::Duration::from_secs(5)).await {
        tracing::warn!("exec sessions did not record their end within 5 s; exiting");
    }
    tracing::info!("stopped");
    Ok(())
}

/// The session and token stores the configuration names; PostgreSQL holds both in one pool.
async fn open_stores(kind: &SessionStoreKind) -> anyhow::Result<(Arc<dyn SessionStore>, Arc<dyn TokenStore>)> {
    Ok(match kind {
        SessionStoreKind::Memory => (Arc::new(MemoryStore::default()), Arc::new(MemoryTokens::default())),
        SessionStoreKind::Postgres(dsn) => {
            let store = Arc::new(PgStore::connect(dsn).await.map_err(|e| anyhow::anyhow!("session store: {e}"))?);
            (store.clone(), store)
        }
    })
}

/// Discovers the IdP and prepares sessions in `store`.
async fn build_sessions(auth: &AuthConfig, store: Arc<dyn SessionStore>) -> anyhow::Result<Sessions> {
    let oidc_config = auth.oidc.clone().ok_or_else(|| anyhow::anyhow!("oidc mode needs an oidc: section"))?;
    let secure_cookies = oidc_config.redirect_url.starts_with("https://");
    let client = OidcClient::discover(oidc_config).await?;
    let session = &auth.session;
    // The validator guarantees a key for the PostgreSQL store; memory sessions may do without.
    let cipher = session.encryption_key.as_deref().map(TokenCipher::from_secret).unwrap_or_else(TokenCipher::ephemeral);
    let settings = SessionSettings {
        cookie_name: session.cookie_name.clone(),
        cookie_domain: session.cookie_domain.clone(),
        secure_cookies,
        idle_timeout: session.idle_timeout,
        absolute_timeout: session.absolute_timeout,
        refresh_before: session.refresh_before,
        subject_claim: auth.subject_claim.clone(),
        groups_claim: auth.groups_claim.clone(),
    };
    let store = Arc::new(TimedStore(store));
    let sessions = Sessions::new(store, cipher, Arc::new(client), settings);
    Ok(sessions)
}

/// Deletes expired sessions, logins and tokens every minute.
fn spawn_sweeper(sessions: Option<Arc<Sessions>>, tokens: Arc<Tokens>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Some(sessions) = &sessions {
                match sessions.sweep().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(removed = n, "expired sessions swept"),
                    Err(e) => tracing::warn!(error = %e, "session sweep failed"),
                }
            }
            if let Err(e) = tokens.sweep().await {
                tracing::warn!(error = %e, "token sweep failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        // clap checks names and flags only when parsing: two settings claiming one name would
        // stop every server at start-up.
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
