//! `periscope-agent`: runs beside a cluster the Periscope server cannot dial. It registers once
//! with a single-use token (a CSR signed by the server's agent CA), then keeps an mTLS tunnel
//! open to the server and serves each stream the server opens as an HTTP/1.1 connection that it
//! forwards to its apiserver with its own credential (`forward.rs`).

mod forward;
mod pin;
mod renew;
mod state;
mod store;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::Parser;
use rand::Rng;
use rustls::pki_types::ServerName;

/// Command line of the agent.
#[derive(Debug, Parser)]
#[command(name = "periscope-agent", version = periscope::cli::version_line(), about)]
pub struct Args {
    /// The server's HTTP(S) base URL, for registration (`https://periscope.example.com`).
    #[arg(long, env = "PERISCOPE_SERVER_URL")]
    server_url: String,
    /// The server's tunnel address (`host:port`; the host must be a name or IP its tunnel
    /// certificate carries).
    #[arg(long, env = "PERISCOPE_TUNNEL_ADDR")]
    tunnel_addr: String,
    /// The cluster name the server knows this agent's cluster by.
    #[arg(long, env = "PERISCOPE_CLUSTER_NAME")]
    cluster: String,
    /// A registration token (needed until the agent holds a certificate).
    // Tokens are base64url: one in 64 starts with `-`, which must not be read as a flag.
    #[arg(long, env = "PERISCOPE_REGISTRATION_TOKEN", allow_hyphen_values = true)]
    token: Option<String>,
    /// Where the key, certificate and CA bundle are kept (unless `--state-secret`).
    #[arg(long, env = "PERISCOPE_AGENT_STATE_DIR", default_value = "/var/lib/periscope-agent")]
    state_dir: PathBuf,
    /// Keep them in this Secret of `--state-namespace` instead (an agent running in the cluster).
    #[arg(long, env = "PERISCOPE_AGENT_STATE_SECRET")]
    state_secret: Option<String>,
    /// The Secret's namespace (default: the agent's own namespace in the cluster, else `default`).
    #[arg(long, env = "PERISCOPE_AGENT_NAMESPACE")]
    state_namespace: Option<String>,
    /// A kubeconfig for the apiserver (default: in-cluster, else the usual kubeconfig).
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// PEM CA to trust for registration (a self-signed server), beside the public roots.
    #[arg(long, env = "PERISCOPE_SERVER_CA_FILE")]
    server_ca_file: Option<PathBuf>,
    /// Pin the registration dial to the key of the server's CA (`sha256:<hex>` of its
    /// SubjectPublicKeyInfo, as kubeadm prints it) instead of trusting roots.
    #[arg(long, env = "PERISCOPE_SERVER_CA_HASH", conflicts_with = "server_ca_file")]
    server_ca_hash: Option<String>,
    /// Health endpoints (`/healthz`, `/readyz`).
    #[arg(long, env = "PERISCOPE_AGENT_HEALTH_ADDR", default_value = "127.0.0.1:8081")]
    health_addr: SocketAddr,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("PERISCOPE_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "agent stopped");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kube_config = match &args.kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path)?;
            kube::Config::from_custom_kubeconfig(file, &Default::default()).await?
        }
        None => kube::Config::infer().await?,
    };
    let client = kube::Client::try_from(kube_config)?;
    let store = Arc::new(match &args.state_secret {
        Some(name) => {
            let namespace = args.state_namespace.clone().unwrap_or_else(|| {
                std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
                    .map(|ns| ns.trim().to_string())
                    .unwrap_or_else(|_| "default".into())
            });
            store::StateStore::Secret {
                api: Box::new(kube::Api::namespaced(client.clone(), &namespace)),
                name: name.clone(),
            }
        }
        None => store::StateStore::Dir(args.state_dir.clone()),
    });
    let identity = Arc::new(tokio::sync::RwLock::new(state::Identity::load_or_register(&args, &store).await?));
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    tokio::spawn(health(args.health_addr, ready.clone()));
    let mut backoff = Duration::from_secs(1);
    loop {
        match tunnel(&args, &identity, &store, &client, &ready).await {
            Ok(()) => {
                tracing::warn!("tunnel closed by the server");
                backoff = Duration::from_secs(1);
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "tunnel failed"),
        }
        ready.store(false, std::sync::atomic::Ordering::SeqCst);
        // ±30 % jitter, so agents that lost the server together do not return together.
        let jitter = rand::rng().random_range(0.7..1.3);
        tokio::time::sleep(backoff.mul_f64(jitter)).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// One tunnel: connect, then serve the server's streams until the connection ends.
async fn tunnel(
    args: &Args,
    identity: &Arc<tokio::sync::RwLock<state::Identity>>,
    store: &Arc<store::StateStore>,
    client: &kube::Client,
    ready: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<()> {
    let host = args.tunnel_addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(&args.tunnel_addr);
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_string())?;
    let connector = tokio_rustls::TlsConnector::from(identity.read().await.tls_config()?);
    let tcp =
        tokio::time::timeout(Duration::from_secs(10), tokio::net::TcpStream::connect(&args.tunnel_addr)).await??;
    tcp.set_nodelay(true)?;
    periscope::agent::mux::keep_alive(&tcp)?;
    let tls = tokio::time::timeout(Duration::from_secs(10), connector.connect(name, tcp)).await??;
    let forwarding = client.clone();
    let (handle, drive) = periscope::agent::mux::connection(tls, false, move |stream| {
        tokio::spawn(forward::serve_stream(stream, forwarding.clone()));
    });
    tracing::info!(server = %args.tunnel_addr, cluster = %args.cluster, "tunnel open");
    ready.store(true, std::sync::atomic::Ordering::SeqCst);
    let renewing = tokio::spawn(renew::run(handle, identity.clone(), args.cluster.clone(), store.clone()));
    let ended = drive.await;
    renewing.abort();
    ended.map_err(|e| anyhow::anyhow!(e))
}

/// `/healthz` (the process runs) and `/readyz` (a tunnel is open).
async fn health(addr: SocketAddr, ready: Arc<std::sync::atomic::AtomicBool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(listener) = tokio::net::TcpListener::bind(addr).await else {
        tracing::warn!(%addr, "cannot listen for health checks");
        return;
    };
    loop {
        let Ok((mut socket, _)) = listener.accept().await else { continue };
        let ready = ready.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let line = String::from_utf8_lossy(&buf[..n]);
            let ok = !line.starts_with("GET /readyz") || ready.load(std::sync::atomic::Ordering::SeqCst);
            let (status, body) = if ok { ("200 OK", "ok") } else { ("503 Service Unavailable", "no tunnel") };
            let answer =
                format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = socket.write_all(answer.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Args;

    #[test]
    fn a_token_that_starts_with_a_dash_is_a_token() {
        let base = ["periscope-agent", "--server-url", "https://s", "--tunnel-addr", "s:8443", "--cluster", "beta"];
        for token in ["-tQz8", "--xy"] {
            let args = Args::try_parse_from(base.iter().copied().chain(["--token", token])).expect("parses");
            assert_eq!(args.token.as_deref(), Some(token));
        }
    }
}
