//! The tunnel listener and the open tunnels. An agent dials in over TLS with its client
//! certificate (verified against the agent CA; clientAuth required); its CN must name a cluster
//! of the registry whose backend is `agent`. The connection then carries a yamux session in
//! which the server opens one stream per apiserver connection it needs: each stream is an
//! HTTP/1.1 connection to the agent, which forwards it to its apiserver, so upgrades (exec,
//! attach, port-forward) work unchanged.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use rustls::{
    RootCertStore, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_yamux::{Config as YamuxConfig, Control, Session, StreamHandle};

use super::pki::{AgentCa, common_name};

/// Why a stream to an agent could not be opened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TunnelError {
    /// No agent of that cluster is connected.
    #[error("agent_disconnected: the agent of cluster {0} is not connected")]
    Disconnected(String),
    #[error("the tunnel to cluster {cluster} failed: {reason}")]
    Broken { cluster: String, reason: String },
}

/// What is known of one cluster's agent connection.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatus {
    pub cluster: String,
    pub connected: bool,
    /// The agent's version, as it said on connecting.
    pub version: Option<String>,
    /// RFC 3339: when the agent last renewed its certificate over the tunnel.
    pub renewed_at: Option<String>,
    /// RFC 3339: when the current (or last) tunnel opened.
    pub connected_since: Option<String>,
    pub remote: Option<String>,
    /// When the agent's client certificate expires (Unix seconds).
    pub cert_expires: Option<i64>,
    pub last_error: Option<String>,
}

struct Open {
    control: Control,
    generation: u64,
}

/// Signs renewed agent certificates (for requests an agent makes over its own tunnel).
pub struct Renewer {
    pub ca: Arc<AgentCa>,
    pub lifetime: Duration,
}

/// The agent clusters and their open tunnels.
pub struct Tunnels {
    agent_clusters: HashSet<String>,
    renewer: Option<Renewer>,
    /// The audit trail renewals are written to (set once the trail has started).
    audit: std::sync::OnceLock<Arc<crate::audit::Audit>>,
    open: Mutex<HashMap<String, Open>>,
    status: Mutex<HashMap<String, AgentStatus>>,
    next_generation: std::sync::atomic::AtomicU64,
}

/// The yamux settings of both ends: keepalive pings, room for many concurrent streams, and a
/// per-stream window so one busy stream cannot take the connection.
pub fn yamux_config() -> YamuxConfig {
    YamuxConfig {
        enable_keepalive: true,
        keepalive_interval: Duration::from_secs(2),
        max_stream_count: 1024,
        max_stream_window_size: 1024 * 1024,
        ..YamuxConfig::default()
    }
}

impl Tunnels {
    /// Tunnels for the clusters whose backend is `agent`.
    pub fn new(agent_clusters: impl IntoIterator<Item = String>, renewer: Option<Renewer>) -> Arc<Tunnels> {
        let agent_clusters: HashSet<String> = agent_clusters.into_iter().collect();
        let status = agent_clusters
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    AgentStatus {
                        cluster: c.clone(),
                        connected: false,
                        version: None,
                        renewed_at: None,
                        connected_since: None,
                        remote: None,
                        cert_expires: None,
                        last_error: None,
                    },
                )
            })
            .collect();
        Arc::new(Tunnels {
            agent_clusters,
            renewer,
            audit: std::sync::OnceLock::new(),
            open: Mutex::default(),
            status: Mutex::new(status),
            next_generation: Default::default(),
        })
    }

    /// Where renewals are audited.
    pub fn set_audit(&self, audit: Arc<crate::audit::Audit>) {
        let _ = self.audit.set(audit);
    }

    /// Whether `cluster` is reached through an agent.
    pub fn is_agent_cluster(&self, cluster: &str) -> bool {
        self.agent_clusters.contains(cluster)
    }

    /// A new stream to `cluster`'s agent.
    pub async fn open_stream(&self, cluster: &str) -> Result<StreamHandle, TunnelError> {
        let control = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(cluster)
            .map(|o| o.control.clone())
            .ok_or_else(|| TunnelError::Disconnected(cluster.to_string()))?;
        let mut control = control;
        control
            .open_stream()
            .await
            .map_err(|e| TunnelError::Broken { cluster: cluster.to_string(), reason: e.to_string() })
    }

    /// Whether `cluster`'s agent is connected now.
    pub fn connected(&self, cluster: &str) -> bool {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).contains_key(cluster)
    }

    /// Every agent cluster's status, by name.
    pub fn statuses(&self) -> Vec<AgentStatus> {
        let mut all: Vec<AgentStatus> =
            self.status.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        all.sort_by(|a, b| a.cluster.cmp(&b.cluster));
        all
    }

    fn set_status(&self, cluster: &str, change: impl FnOnce(&mut AgentStatus)) {
        if let Some(status) = self.status.lock().unwrap_or_else(|e| e.into_inner()).get_mut(cluster) {
            change(status);
        }
    }

    /// Serves one accepted TLS connection from the agent of `cluster` until it ends.
    async fn run<T>(self: Arc<Self>, cluster: String, remote: SocketAddr, cert_expires: Option<i64>, io: T)
    where
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let mut session = Session::new_server(io, yamux_config());
        let generation = self.next_generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(cluster.clone(), Open { control: session.control(), generation });
        self.set_status(&cluster, |s| {
            s.connected = true;
            s.connected_since = Some(jiff::Timestamp::now().to_string());
            s.remote = Some(remote.to_string());
            s.cert_expires = cert_expires;
            s.last_error = None;
        });
        tracing::info!(%cluster, %remote, "agent connected");
        // Driving the session moves every stream's bytes. Streams the agent opens are its own
        // requests to the server (hello, certificate renewal), authenticated by the tunnel.
        let mut error = None;
        while let Some(inbound) = session.next().await {
            match inbound {
                Ok(stream) => {
                    tokio::spawn(self.clone().serve_agent_requests(cluster.clone(), stream));
                }
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.get(&cluster).is_some_and(|o| o.generation == generation) {
            open.remove(&cluster);
            drop(open);
            self.set_status(&cluster, |s| {
                s.connected = false;
                s.last_error = error.clone().or_else(|| Some("the agent closed the tunnel".into()));
            });
        }
        tracing::warn!(%cluster, %remote, error = ?error, "agent disconnected");
    }
}

/// The largest request body an agent sends over its tunnel (a CSR, its version).
const MAX_AGENT_REQUEST: usize = 64 * 1024;

impl Tunnels {
    /// Serves the HTTP/1.1 requests the agent of `cluster` makes on one stream it opened.
    async fn serve_agent_requests(self: Arc<Self>, cluster: String, stream: StreamHandle) {
        let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let (tunnels, cluster) = (self.clone(), cluster.clone());
            async move { Ok::<_, std::convert::Infallible>(tunnels.agent_request(&cluster, request).await) }
        });
        let served = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
        if let Err(e) = served {
            tracing::debug!(error = %e, "agent request stream ended");
        }
    }

    /// Signs a new certificate for the agent of `cluster` from its CSR; audited `agent_renew`
    /// (fail-closed: without the intent row nothing is signed and the agent tries again later).
    async fn renew(&self, cluster: &str, csr: &str) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
        let Some(renewer) = &self.renewer else { return json_answer(404, serde_json::json!({})) };
        // The tunnel's certificate names the agent: the row's actor is `agent:<cluster>`.
        let agent =
            crate::identity::Identity { subject: format!("agent:{cluster}"), email: String::new(), groups: Vec::new() };
        let ctx = crate::audit::AuditContext::new(String::new(), Some("tunnel /renew".into()), Some(&agent));
        let resource = crate::audit::ResourceRef {
            group: None,
            version: None,
            resource: Some("agents".into()),
            namespace: None,
            name: Some(cluster.to_string()),
        };
        let action = match self.audit.get() {
            Some(audit) => {
                match audit.begin(ctx, crate::audit::Verb::AgentRenew, Some(cluster), resource, None).await {
                    Ok(action) => Some((audit, action)),
                    Err(e) => return json_answer(503, serde_json::json!({ "message": e.to_string() })),
                }
            }
            None => None,
        };
        let signed = renewer.ca.sign_agent(csr, cluster, renewer.lifetime);
        let (outcome, reason, extra, response) = match signed {
            Ok(signed) => {
                let expires = signed.not_after.unix_timestamp();
                let expires_at = jiff::Timestamp::from_second(expires).map(|t| t.to_string()).unwrap_or_default();
                tracing::info!(%cluster, %expires_at, "agent certificate renewed over its tunnel");
                self.set_status(cluster, |s| {
                    s.cert_expires = Some(expires);
                    s.renewed_at = Some(jiff::Timestamp::now().to_string());
                });
                let body = serde_json::json!({ "cert": signed.cert_pem, "caBundle": renewer.ca.cert_pem, "expiresAt": expires_at });
                (
                    crate::audit::Outcome::Success,
                    None,
                    Some(serde_json::json!({ "expiresAt": expires_at })),
                    json_answer(200, body),
                )
            }
            Err(e) => {
                let message = e.to_string();
                let response = json_answer(400, serde_json::json!({ "message": message }));
                (crate::audit::Outcome::Failure, Some(message), None, response)
            }
        };
        if let Some((audit, action)) = action
            && let Err(e) = audit.finish(&action, outcome, reason, extra).await
        {
            tracing::warn!(%cluster, error = %e, "the agent_renew outcome row could not be written");
        }
        response
    }

    async fn agent_request(
        &self,
        cluster: &str,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
        use http_body_util::BodyExt;
        let answer = json_answer;
        let path = request.uri().path().to_string();
        let body = match http_body_util::Limited::new(request.into_body(), MAX_AGENT_REQUEST).collect().await {
            Ok(body) => body.to_bytes(),
            Err(e) => return answer(413, serde_json::json!({ "message": e.to_string() })),
        };
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        match path.as_str() {
            "/hello" => {
                let version = json["version"].as_str().map(|v| v.chars().take(64).collect::<String>());
                tracing::info!(%cluster, version = ?version, "agent hello");
                self.set_status(cluster, |s| s.version = version);
                answer(200, serde_json::json!({}))
            }
            "/renew" => self.renew(cluster, json["csr"].as_str().unwrap_or_default()).await,
            _ => answer(404, serde_json::json!({})),
        }
    }
}

/// A JSON answer to an agent's request.
fn json_answer(status: u16, body: serde_json::Value) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let mut response = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body.to_string())));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    response
}

/// The tunnel listener's TLS settings: the serving certificate for `sans`, client
/// certificates required and verified against the agent CA.
pub fn tls_config(ca: &AgentCa, sans: &[String]) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca.cert_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()?;
    let (cert_pem, key_pem) = ca.server_cert(sans)?;
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(format!("{cert_pem}{}", ca.cert_pem).as_bytes()).collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())?;
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// How long an agent has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts agents on `listener` until the process ends.
pub async fn serve(listener: TcpListener, tls: Arc<ServerConfig>, tunnels: Arc<Tunnels>) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let (tcp, remote) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "tunnel listener accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, tunnels) = (acceptor.clone(), tunnels.clone());
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::warn!(%remote, error = %e, "agent refused at the TLS layer");
                    return;
                }
                Err(_) => {
                    tracing::warn!(%remote, "agent TLS handshake timed out");
                    return;
                }
            };
            let peer = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.as_ref().to_vec());
            let cluster = peer.as_deref().and_then(common_name);
            let Some(cluster) = cluster.filter(|c| tunnels.is_agent_cluster(c)) else {
                tracing::warn!(%remote, cn = ?peer.as_deref().and_then(common_name), "agent refused: its certificate names no agent cluster of the registry");
                return;
            };
            let expires = peer.as_deref().and_then(|der| {
                x509_parser::parse_x509_certificate(der).ok().map(|(_, c)| c.validity().not_after.timestamp())
            });
            tunnels.run(cluster, remote, expires, tls).await;
        });
    }
}
