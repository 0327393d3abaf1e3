//! The backends beyond kubeconfig against the real control plane: `in-cluster` (a pod's mounted
//! service account, made with the TokenRequest API) and `eks` (tokens the cluster's webhook
//! authenticator verifies as EKS would). Each lists, applies and impersonates through the API.

mod common;

use base64::Engine as _;
use common::*;
use periscope_testkit::{Server, ServerOptions, TestCluster, TestNamespace, cluster};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The AWS variables of a server: `set` as given, every other one a server could inherit from
/// the test's environment emptied, so each test decides which credential source it sees.
fn aws_env(set: Vec<(&str, String)>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_ENDPOINT_URL_STS",
    ]
    .iter()
    .filter(|v| !set.iter().any(|(k, _)| k == *v))
    .map(|v| (v.to_string(), String::new()))
    .collect();
    env.extend(set.into_iter().map(|(k, v)| (k.to_string(), v)));
    env
}

/// A dev-mode server signed in as `user` (raw impersonation) with `cluster` as the EKS cluster
/// `prod-eu` named `eks_name`, and the AWS variables `env`.
fn eks_server(cluster: &TestCluster, eks_name: &str, user: &str, env: Vec<(String, String)>) -> Server {
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.ca_pem());
    let clusters_yaml = Some(format!(
        "clusters:\n  - name: prod-eu\n    backend: eks\n    arn: arn:aws:eks:eu-west-1:111122223333:cluster/{eks_name}\n    \
         region: eu-west-1\n    endpoint: {}\n    certificateAuthorityData: {ca}\n",
        cluster.server_url()
    ));
    let auth_yaml = Some(dev_auth(user, &[], "  mode: raw\n"));
    Server::start(binary(), ServerOptions { clusters_yaml, auth_yaml, env, port: None })
}

/// Held by every test that signs with the cluster's one session credential (`ASIA...`): the
/// webhook's log names tokens by that key, so a test counting its server's tokens must not see
/// another test's server signing with the same key at the same time.
static SESSION_KEY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Returns once the wall clock is in a later second than when the lock was taken. SigV4 dates
/// are to the second, so a server that signs with the session key now cannot mint the very
/// token another test's server minted just before releasing the lock, which the apiserver's
/// token cache would accept without asking the webhook (CI at stop 28: no webhook line at all).
async fn past_other_signers() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("the clock is past 1970");
    let rest = std::time::Duration::from_secs(1) - std::time::Duration::from_nanos(u64::from(now.subsec_nanos()));
    tokio::time::sleep(rest + std::time::Duration::from_millis(10)).await;
}

/// The webhook's log lines written since `from` (bytes) about `access_key_id`.
fn webhook_lines(cluster: &TestCluster, from: u64, access_key_id: &str) -> Vec<String> {
    let log = std::fs::read(cluster.eks_webhook_log()).unwrap_or_default();
    String::from_utf8_lossy(&log[(from as usize).min(log.len())..])
        .lines()
        .filter(|l| l.contains(access_key_id))
        .map(str::to_string)
        .collect()
}

fn log_len(cluster: &TestCluster) -> u64 {
    std::fs::metadata(cluster.eks_webhook_log()).map(|m| m.len()).unwrap_or(0)
}

/// The distinct token signatures the webhook allowed in `lines`.
fn allowed_tokens(lines: &[String]) -> std::collections::BTreeSet<String> {
    lines
        .iter()
        .filter(|l| l.contains("allow"))
        .filter_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix("sig=")).map(str::to_string))
        .collect()
}

/// What every backend must do for a user `user` who may edit `ns` only: list there, apply
/// there as that user (the object's manager is `periscope`), and be refused elsewhere by
/// the cluster's RBAC with the user's name in the reason.
async fn lists_applies_and_impersonates(server: &Server, cluster_name: &str, ns: &TestNamespace, user: &str) {
    let pods = format!("/api/clusters/{cluster_name}/resources/core/v1/pods?namespace={}", ns.name);
    let (status, body) = call(server, Method::GET, &pods, None).await;
    assert_eq!(status, StatusCode::OK, "list in the user's namespace: {body}");

    let path = format!("/api/clusters/{cluster_name}/resources/core/v1/configmaps/{}/backend-check", ns.name);
    let manifest = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "backend-check", "namespace": ns.name},
        "data": {"backend": cluster_name}
    });
    let (status, body) = call(server, Method::PATCH, &path, Some(manifest)).await;
    assert_eq!(status, StatusCode::OK, "server-side apply: {body}");
    let stored =
        ns.cluster.kubectl(&["-n", &ns.name, "get", "configmap", "backend-check", "-o", "jsonpath={.data.backend}"]);
    assert_eq!(stored, cluster_name);

    let elsewhere = format!("/api/clusters/{cluster_name}/resources/core/v1/pods?namespace=team-b");
    let (status, body) = call(server, Method::GET, &elsewhere, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("\"{user}\"")), "the apiserver judged the user, not the backend: {message}");

    let (status, trail) = call(server, Method::GET, "/api/audit?verb=apply&phase=outcome&limit=50", None).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let rows = trail["items"].as_array().cloned().unwrap_or_default();
    assert!(
        rows.iter().any(|r| r["cluster"] == cluster_name && r["actor"]["sub"] == user && r["outcome"] == "success"),
        "one audited apply by {user} on {cluster_name}: {trail}"
    );
}

#[tokio::test]
async fn in_cluster_backend_uses_the_mounted_service_account_and_acts_as_the_user() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "incluster");
    let user = format!("pod-user-{}", ns.name);
    ns.grant(&user, "edit");

    // The layout the kubelet mounts: a TokenRequest token of the server's service account
    // (periscope-bridge may only impersonate), the cluster CA and the pod's namespace.
    let mount = tempfile::tempdir().expect("temp dir");
    let token = alpha.kubectl(&["-n", "periscope-system", "create", "token", "periscope-bridge", "--duration", "1h"]);
    let url = alpha.server_url();
    std::fs::write(mount.path().join("token"), token.trim()).expect("token");
    std::fs::write(mount.path().join("ca.crt"), alpha.ca_pem()).expect("ca");
    std::fs::write(mount.path().join("namespace"), "periscope-system").expect("namespace");
    let address = url.strip_prefix("https://").expect("https apiserver");
    let (host, port) = address.rsplit_once(':').expect("host:port");

    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some("clusters:\n  - name: inpod\n    backend: in-cluster\n".into()),
            auth_yaml: Some(dev_auth(&user, &[], "  mode: raw\n")),
            env: vec![
                ("KUBERNETES_SERVICE_HOST".into(), host.into()),
                ("KUBERNETES_SERVICE_PORT".into(), port.into()),
                ("PERISCOPE_SERVICEACCOUNT_DIR".into(), mount.path().display().to_string()),
            ],
            port: None,
        },
    );
    lists_applies_and_impersonates(&server, "inpod", &ns, &user).await;
}

#[tokio::test]
async fn in_cluster_backend_outside_a_pod_stops_the_server_with_the_reason() {
    let failure = Server::try_start(
        binary(),
        ServerOptions {
            clusters_yaml: Some("clusters:\n  - name: inpod\n    backend: in-cluster\n".into()),
            auth_yaml: Some(dev_auth("nobody", &[], "  mode: raw\n")),
            env: vec![
                ("KUBERNETES_SERVICE_HOST".into(), String::new()),
                ("PERISCOPE_SERVICEACCOUNT_DIR".into(), "/nonexistent".into()),
            ],
            port: None,
        },
    );
    let failure = failure.err().expect("no cluster connection, no server");
    assert!(
        failure.stderr.contains("inpod") && failure.stderr.contains("KUBERNETES_SERVICE_HOST"),
        "{}",
        failure.stderr
    );
}

#[tokio::test]
async fn eks_backend_signs_one_token_the_cluster_verifies_and_acts_as_the_user() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "eks");
    let user = format!("eks-user-{}", ns.name);
    ns.grant(&user, "edit");
    // Temporary keys, as IRSA and Pod Identity hand out: the session token is signed in too.
    let _session_key = SESSION_KEY.lock().await;
    past_other_signers().await;
    let aws = alpha.eks_session_credentials();
    let env = aws_env(vec![
        ("AWS_ACCESS_KEY_ID", aws.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", aws.secret_access_key.clone()),
        ("AWS_SESSION_TOKEN", aws.session_token.clone().expect("a session credential")),
    ]);
    let before = log_len(&alpha);
    let server = eks_server(&alpha, &aws.cluster_id, &user, env);
    lists_applies_and_impersonates(&server, "prod-eu", &ns, &user).await;
    for _ in 0..5 {
        let (status, body) =
            server.get_json("/api/clusters/prod-eu/resources/core/v1/configmaps?namespace=default").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let lines = webhook_lines(&alpha, before, &aws.access_key_id);
    let tokens = allowed_tokens(&lines);
    assert_eq!(tokens.len(), 1, "one token minted and reused for every request, never one per request: {lines:?}");
}

#[tokio::test]
async fn eks_tokens_signed_with_a_wrong_secret_or_for_another_cluster_are_refused_by_the_cluster() {
    let alpha = cluster("alpha");
    let aws = alpha.eks_credentials();
    for (what, secret, eks_name) in [
        ("a wrong secret", format!("{}x", &aws.secret_access_key[1..]), aws.cluster_id.clone()),
        ("another cluster's name", aws.secret_access_key.clone(), format!("{}-other", aws.cluster_id)),
    ] {
        let env = aws_env(vec![("AWS_ACCESS_KEY_ID", aws.access_key_id.clone()), ("AWS_SECRET_ACCESS_KEY", secret)]);
        let before = log_len(&alpha);
        let server = eks_server(&alpha, &eks_name, "someone", env);
        let (status, body) = server.get_json("/api/clusters/prod-eu/resources/core/v1/pods?namespace=default").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        let lines = webhook_lines(&alpha, before, &aws.access_key_id);
        assert!(lines.iter().any(|l| l.contains("deny")), "{what}: the cluster's authenticator refused it: {lines:?}");
        assert!(allowed_tokens(&lines).is_empty(), "{what}: {lines:?}");
    }
}

/// A stand-in for the AWS endpoints that hand out temporary keys (the EKS Pod Identity agent
/// and STS's AssumeRoleWithWebIdentity): it checks what Periscope sends and counts calls.
struct KeyVendor {
    url: String,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl KeyVendor {
    async fn start(aws: periscope_testkit::EksCredentials, expected_secret: String) -> KeyVendor {
        use axum::{extract::Query, http::HeaderMap, routing::get};
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let expiry = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
        let (pod, sts, counted) = (aws.clone(), aws, calls.clone());
        let (secret, pod_expiry) = (expected_secret.clone(), expiry.clone());
        let app = axum::Router::new()
            .route(
                "/v1/credentials",
                get(move |headers: HeaderMap| {
                    let (aws, secret, expiry, calls) =
                        (pod.clone(), secret.clone(), pod_expiry.clone(), counted.clone());
                    async move {
                        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(secret.as_str()) {
                            return (reqwest::StatusCode::UNAUTHORIZED, String::new());
                        }
                        let body = serde_json::json!({
                            "AccessKeyId": aws.access_key_id, "SecretAccessKey": aws.secret_access_key,
                            "Token": aws.session_token, "Expiration": expiry,
                        });
                        (reqwest::StatusCode::OK, body.to_string())
                    }
                }),
            )
            .route(
                "/",
                get({
                    let calls = calls.clone();
                    move |Query(q): Query<std::collections::HashMap<String, String>>| {
                        let (aws, secret, expiry, calls) =
                            (sts.clone(), expected_secret.clone(), expiry.clone(), calls.clone());
                        async move {
                            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            let ok = q.get("Action").map(String::as_str) == Some("AssumeRoleWithWebIdentity")
                                && q.get("WebIdentityToken") == Some(&secret)
                                && q.get("RoleArn").is_some_and(|r| r.starts_with("arn:aws:iam::"));
                            if !ok {
                                return (
                                    reqwest::StatusCode::FORBIDDEN,
                                    "<ErrorResponse><Error><Message>bad request</Message></Error></ErrorResponse>"
                                        .to_string(),
                                );
                            }
                            let body = format!(
                                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
                                 <AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
                                 <SessionToken>{}</SessionToken><Expiration>{expiry}</Expiration>\
                                 </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                                aws.access_key_id,
                                aws.secret_access_key,
                                aws.session_token.unwrap_or_default()
                            );
                            (reqwest::StatusCode::OK, body)
                        }
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        KeyVendor { url, calls, _task: task }
    }

    fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn eks_backend_gets_its_keys_from_pod_identity_or_irsa_once_and_reuses_them() {
    let alpha = cluster("alpha");
    let _session_key = SESSION_KEY.lock().await;
    let aws = alpha.eks_session_credentials();
    let dir = tempfile::tempdir().expect("tmp");
    let projected = dir.path().join("token");
    std::fs::write(&projected, "projected-sa-token-for-aws\n").expect("token file");
    let vendor = KeyVendor::start(aws.clone(), "projected-sa-token-for-aws".into()).await;
    let sources: [(&str, Vec<(&str, String)>); 2] = [
        (
            "Pod Identity",
            vec![
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("{}/v1/credentials", vendor.url)),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", projected.display().to_string()),
            ],
        ),
        (
            "IRSA",
            vec![
                ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/periscope".into()),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", projected.display().to_string()),
                ("AWS_ENDPOINT_URL_STS", vendor.url.clone()),
            ],
        ),
    ];
    for (what, vars) in sources {
        let ns = TestNamespace::new(&alpha, "eks-keys");
        let user = format!("keys-user-{}", ns.name);
        ns.grant(&user, "view");
        let env = aws_env(vars);
        let calls_before = vendor.calls();
        let server = eks_server(&alpha, &aws.cluster_id, &user, env);
        for _ in 0..4 {
            let path = format!("/api/clusters/prod-eu/resources/core/v1/configmaps?namespace={}", ns.name);
            let (status, body) = server.get_json(&path).await;
            assert_eq!(status, StatusCode::OK, "{what}: {body}");
        }
        assert_eq!(vendor.calls() - calls_before, 1, "{what}: keys fetched once and cached for every request");
    }
}
