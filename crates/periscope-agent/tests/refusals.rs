//! Agents the tunnel refuses, at the TLS layer or by its authorizer: a client certificate of
//! another CA, one of the server's CA without clientAuth, and a properly registered agent whose
//! cluster left clusters.yaml. Each is never shown connected in `GET /api/agents`, and no
//! request reaches the cluster through it. A certificate the server's CA signed as registration
//! does, shown by the same hand-written TLS client, is the control: it does connect and
//! receives the server's streams, so the client could have seen a stream had one been opened.

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use common::{BETA_BY_AGENT, assert_agent_disconnected, get, server_binary, start_beta_agent};
use periscope::agent::pki::AgentCa;
use periscope_testkit::{
    Server, free_port,
    tunnel::{agent_server, is_connected, mint_token, wait_connected},
};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use reqwest::StatusCode;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject};
use tokio::sync::mpsc;

/// What a hand-written agent saw on its tunnel.
#[derive(Debug)]
enum Seen {
    /// The server opened a stream (a request on its way to the cluster).
    Stream,
    /// The connection ended (handshake refused, or closed), and why.
    Closed(String),
}

/// An agent made of a TLS client and a yamux session that only reports what the server does.
struct FakeAgent {
    events: mpsc::UnboundedReceiver<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeAgent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeAgent {
    /// Dials `tunnel` trusting `ca_pem` for the server, showing `cert_pem` with `key_pem`.
    fn dial(tunnel: &str, ca_pem: &str, cert_pem: &str, key_pem: &str) -> FakeAgent {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert.expect("CA PEM")).expect("CA added");
        }
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(cert_pem.as_bytes()).collect::<Result<_, _>>().expect("certificate PEM");
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key PEM");
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .expect("client certificate");
        let (tx, events) = mpsc::unbounded_channel();
        let tunnel = tunnel.to_string();
        let task = tokio::spawn(async move {
            let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
            let tcp = tokio::net::TcpStream::connect(&tunnel).await.expect("the tunnel port accepts");
            let name = ServerName::try_from("127.0.0.1").expect("an IP is a server name");
            let tls = match connector.connect(name, tcp).await {
                Ok(tls) => tls,
                Err(e) => {
                    let _ = tx.send(Seen::Closed(format!("handshake: {e}")));
                    return;
                }
            };
            let seen = tx.clone();
            let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let (_handle, drive) = periscope::agent::mux::connection(tls, false, move |stream| {
                // Held unanswered: the request waits until this agent goes.
                held.lock().expect("held streams").push(stream);
                let _ = seen.send(Seen::Stream);
            });
            let _ = tx.send(Seen::Closed(match drive.await {
                Ok(()) => "end of session".into(),
                Err(e) => e,
            }));
        });
        FakeAgent { events, task }
    }

    /// The next thing seen within `wait`, if any.
    async fn next(&mut self, wait: Duration) -> Option<Seen> {
        tokio::time::timeout(wait, self.events.recv()).await.ok().flatten()
    }
}

/// A configmap list of beta (a request the server sends through beta's agent).
const BETA_LIST: &str = "/api/clusters/beta/k8s/api/v1/namespaces/default/configmaps?limit=1";

/// A server with beta behind an agent, its CA directory and tunnel address.
struct Setup {
    server: Server,
    tunnel: String,
    ca_dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let ca_dir = tempfile::tempdir().expect("ca dir");
    let tunnel = format!("127.0.0.1:{}", free_port());
    let server = agent_server(&server_binary(), BETA_BY_AGENT, ca_dir.path(), &tunnel, &[]);
    Setup { server, tunnel, ca_dir }
}

impl Setup {
    fn ca_pem(&self) -> String {
        std::fs::read_to_string(self.ca_dir.path().join("ca.crt")).expect("the server wrote ca.crt")
    }
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// A leaf certificate for CN `cn` with `eku`, signed by `issuer`: (certificate, key) PEM.
fn leaf(cn: &str, eku: ExtendedKeyUsagePurpose, issuer: &Issuer<'_, KeyPair>) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::default();
    params.distinguished_name = name(cn);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![eku];
    let cert = params.signed_by(&key, issuer).expect("signed");
    (cert.pem(), key.serialize_pem())
}

/// Asserts the tunnel refuses `fake`: while it tries, beta is never connected and a request to
/// beta fails as disconnected without reaching it; then the connection ends, the server logs
/// `log_line` with `cause` on it, and the fake agent never received a stream.
async fn assert_refused(setup: &Setup, mut fake: FakeAgent, log_line: &str, cause: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let closed = loop {
        assert!(!is_connected(&setup.server, "beta").await, "a refused agent shows as connected");
        let (status, answer) = get(&setup.server, BETA_LIST).await;
        assert_agent_disconnected(status, &answer);
        match fake.next(Duration::from_millis(200)).await {
            Some(Seen::Stream) => panic!("a request reached the refused agent"),
            Some(Seen::Closed(why)) => break why,
            None => assert!(Instant::now() < deadline, "the tunnel did not close the refused connection in 10 s"),
        }
    };
    assert!(!is_connected(&setup.server, "beta").await);
    let logs = wait_log(&setup.server, log_line).await;
    let refusal = logs.lines().find(|l| l.contains(log_line)).unwrap_or_default();
    assert!(refusal.contains(cause), "refused for another reason than {cause:?} ({closed}): {refusal}");
}

/// Waits up to 20 s for the server to log a line containing `needle`; all its log.
async fn wait_log(server: &Server, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = server.logs();
        if logs.contains(needle) {
            return logs;
        }
        assert!(Instant::now() < deadline, "the server never logged {needle:?}:\n{logs}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_client_certificate_of_another_ca_is_refused_at_the_tls_layer() {
    let setup = setup();
    // Named like the real CA, so only the signature tells them apart.
    let other_key = KeyPair::generate().expect("key");
    let mut other = CertificateParams::default();
    other.distinguished_name = name("periscope-agent");
    other.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    other.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let other = Issuer::new(other, other_key);
    let (cert, key) = leaf("beta", ExtendedKeyUsagePurpose::ClientAuth, &other);
    let fake = FakeAgent::dial(&setup.tunnel, &setup.ca_pem(), &cert, &key);
    assert_refused(&setup, fake, "agent refused at the TLS layer", "invalid peer certificate: BadSignature").await;
}

#[tokio::test]
async fn a_server_only_certificate_of_the_agent_ca_is_refused_at_the_tls_layer() {
    let setup = setup();
    let ca_pem = setup.ca_pem();
    let ca_key = std::fs::read_to_string(setup.ca_dir.path().join("ca.key")).expect("ca.key");
    let ca = Issuer::from_ca_cert_pem(&ca_pem, KeyPair::from_pem(&ca_key).expect("CA key")).expect("CA");
    let (cert, key) = leaf("beta", ExtendedKeyUsagePurpose::ServerAuth, &ca);
    let fake = FakeAgent::dial(&setup.tunnel, &ca_pem, &cert, &key);
    assert_refused(&setup, fake, "agent refused at the TLS layer", "extended key usage for client authentication")
        .await;

    // The control: the same client with the certificate registration would have given it
    // connects, and the server's requests for beta reach it.
    let (key, csr) = periscope::agent::pki::agent_csr("beta").expect("csr");
    let signed = AgentCa::load_or_create(setup.ca_dir.path())
        .expect("the server's CA")
        .sign_agent(&csr, "beta", Duration::from_secs(3600))
        .expect("signed");
    let mut fake = FakeAgent::dial(&setup.tunnel, &ca_pem, &signed.cert_pem, &key);
    wait_connected(&setup.server, "beta", true, Duration::from_secs(10)).await;
    let http = setup.server.http.clone();
    let url = setup.server.url(BETA_LIST);
    let request = tokio::spawn(async move { http.get(url).send().await.map(|r| r.status()) });
    match fake.next(Duration::from_secs(10)).await {
        Some(Seen::Stream) => {}
        other => panic!("the control agent saw {other:?}, not the server's stream"),
    }
    drop(fake);
    let status = request.await.expect("joined").expect("the request is answered once the agent goes");
    assert_eq!(status, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn a_registered_agent_whose_cluster_left_the_registry_is_refused() {
    let ca_dir = tempfile::tempdir().expect("ca dir");
    let tunnel = format!("127.0.0.1:{}", free_port());
    let state = tempfile::tempdir().expect("state");
    {
        let server = agent_server(&server_binary(), BETA_BY_AGENT, ca_dir.path(), &tunnel, &[]);
        let token = mint_token(&server, "beta").await;
        let _agent = start_beta_agent(&server, &tunnel, state.path(), Some(&token));
        wait_connected(&server, "beta", true, Duration::from_secs(20)).await;
        let (status, answer) = get(&server, BETA_LIST).await;
        assert_eq!(status, StatusCode::OK, "the registered agent works before beta leaves: {answer}");
    }
    assert!(state.path().join("client.crt").is_file(), "the agent kept its certificate");

    // Same CA, same tunnel port; beta gone, another agent cluster (alpha) in its place.
    let alpha_only = "clusters:\n  - name: alpha\n    backend: agent\n";
    let server = agent_server(&server_binary(), alpha_only, ca_dir.path(), &tunnel, &[]);
    let _agent = start_beta_agent(&server, &tunnel, state.path(), None);
    let needle = "its certificate names no agent cluster of the registry";
    let logs = wait_log(&server, needle).await;
    let refusal = logs.lines().find(|l| l.contains(needle)).unwrap_or_default();
    assert!(refusal.contains("beta"), "the refusal names the certificate's cluster: {refusal}");
    let (_, agents) = get(&server, "/api/agents").await;
    let listed = agents["agents"].as_array().expect("agents");
    assert!(listed.iter().all(|a| a["connected"] == false && a["cluster"] != "beta"), "{agents}");
    // Nothing is served through it: not as beta (unknown now), nor as the agent cluster alpha.
    let (status, answer) = get(&server, BETA_LIST).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) = get(&server, "/api/clusters/alpha/k8s/api/v1/namespaces/default/configmaps").await;
    assert_agent_disconnected(status, &answer);
    assert!(!is_connected(&server, "alpha").await);
}
