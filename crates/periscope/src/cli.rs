//! The command line: `periscope serve` and its flags (each with an environment override).

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use clap::{Parser, Subcommand};

use crate::{
    app::{self, AppState, BuildInfo},
    clusters::{self, Registry},
    config,
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
}

/// Runs the parsed command line; the error is printed by `main` and exits non-zero.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let auth = config::auth::load(args.auth_file.as_deref(), args.auth_mode.as_deref())?;
    if auth.mode == config::auth::AuthMode::Oidc {
        anyhow::bail!("auth mode oidc is not yet supported by this build; use dev mode (no auth file) for now");
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
    shutdown::signal().await;
    let _ = stop_tx.send(());
    match tokio::time::timeout(shutdown::DRAIN, server).await {
        Ok(joined) => joined??,
        Err(_) => tracing::warn!(drain_seconds = shutdown::DRAIN.as_secs(), "drain timed out; exiting"),
    }
    tracing::info!("stopped");
    Ok(())
}
