//! The command line: `periscope serve` and its flags (each with an environment override).

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use clap::{Parser, Subcommand};

use crate::{
    app::{self, AppState, BuildInfo},
    auth::{
        crypto::TokenCipher,
        oidc::OidcClient,
        pg_store::PgStore,
        sessions::{SessionSettings, Sessions},
        store::{MemoryStore, SessionStore},
    },
    clusters::{self, Registry},
    config,
    config::auth::{AuthConfig, AuthMode, SessionStoreKind},
    kube::ClientFactory,
    shutdown,
};

/// Periscope: a multi-cluster Kubernetes web console.
#[derive(Debug, Parser)]
#[command(name = "periscope", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console and its API.
    Serve(ServeArgs),
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
    #[arg(long, env = "PERISCOPE_AUTH_MODE")]
    pub auth_mode: Option<String>,
    /// Extra origins (comma-separated) allowed to send mutating requests, besides this host.
    #[arg(long, env = "PERISCOPE_ALLOWED_ORIGINS")]
    pub allowed_origins: Option<String>,
}

/// Runs the parsed command line; the error is printed by `main` and exits non-zero.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let stop_signal = shutdown::install().map_err(|e| anyhow::anyhow!("cannot install signal handlers: {e}"))?;
    let auth = config::auth::load(args.auth_file.as_deref(), args.auth_mode.as_deref())?;
    let sessions = match auth.mode {
        AuthMode::Oidc => {
            let sessions = Arc::new(build_sessions(&auth).await?);
            spawn_sweeper(sessions.clone());
            Some(sessions)
        }
        AuthMode::Dev => None,
    };
    let mut allowed_origins: Vec<String> = args
        .allowed_origins
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if let Some(oidc) = &auth.oidc
        && let Ok(url) = url::Url::parse(&oidc.redirect_url)
    {
        allowed_origins.push(url.origin().ascii_serialization());
    }
    let cluster_configs = match &args.clusters_file {
        Some(path) => config::clusters::load(path)?,
        None => clusters::from_local_kubeconfig()?,
    };
    let registry = Registry::build(cluster_configs).await?;
    tracing::info!(
        auth_mode = auth.mode.as_str(),
        authz_mode = auth.authz.mode.as_str(),
        clusters = ?registry.all().iter().map(|c| c.config.name.as_str()).collect::<Vec<_>>(),
        "configuration loaded"
    );
    let state = AppState {
        registry: Arc::new(registry),
        clients: Arc::new(ClientFactory::default()),
        auth: Arc::new(auth),
        build: BuildInfo::current(),
        audit_enabled: false,
        sessions,
        allowed_origins: Arc::new(allowed_origins),
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(addr = %addr, "listening");

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app::router(state))
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    stop_signal.await;
    let _ = stop_tx.send(());
    match tokio::time::timeout(shutdown::DRAIN, server).await {
        Ok(joined) => joined??,
        Err(_) => tracing::warn!(drain_seconds = shutdown::DRAIN.as_secs(), "drain timed out; exiting"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Discovers the IdP, opens the session store and starts the expiry sweeper.
async fn build_sessions(auth: &AuthConfig) -> anyhow::Result<Sessions> {
    let oidc_config = auth.oidc.clone().ok_or_else(|| anyhow::anyhow!("oidc mode needs an oidc: section"))?;
    let secure_cookies = oidc_config.redirect_url.starts_with("https://");
    let client = OidcClient::discover(oidc_config).await?;
    let session = &auth.session;
    let (store, cipher): (Arc<dyn SessionStore>, TokenCipher) = match &session.store {
        SessionStoreKind::Memory => (
            Arc::new(MemoryStore::default()),
            session.encryption_key.as_deref().map(TokenCipher::from_secret).unwrap_or_else(TokenCipher::ephemeral),
        ),
        SessionStoreKind::Postgres(dsn) => {
            let store = PgStore::connect(dsn).await.map_err(|e| anyhow::anyhow!("session store: {e}"))?;
            // The validator guarantees a key for the PostgreSQL store.
            let key = session.encryption_key.as_deref().unwrap_or_default();
            (Arc::new(store), TokenCipher::from_secret(key))
        }
    };
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
    let sessions = Sessions::new(store, cipher, Arc::new(client), settings);
    Ok(sessions)
}

/// Deletes expired sessions and logins every minute.
fn spawn_sweeper(sessions: Arc<Sessions>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match sessions.sweep().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(removed = n, "expired sessions swept"),
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}
