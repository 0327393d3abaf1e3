//! The server's own surface: route shapes, the error envelope, request ids, configuration
//! errors at start-up, the kubeconfig-default registry and graceful shutdown.

mod common;

use common::*;
use periscope_testkit::{Server, ServerOptions, cluster};
use reqwest::StatusCode;
use serde_json::json;

fn start_failure(options: ServerOptions) -> String {
    match Server::try_start(binary(), options) {
        Ok(_) => panic!("server started with an invalid configuration"),
        Err(failure) => {
            assert_eq!(failure.code, Some(2), "configuration errors exit with code 2: {}", failure.stderr);
            failure.stderr
        }
    }
}

fn clusters_only(yaml: &str) -> ServerOptions {
    ServerOptions { clusters_yaml: Some(yaml.to_string()), ..Default::default() }
}

#[test]
fn configuration_errors_stop_start_up_with_a_clear_message() {
    let stderr = start_failure(clusters_only("clusters: [\n  - name: a\n"));
    assert!(stderr.contains("clusters.yaml: invalid YAML"), "{stderr}");

    let stderr = start_failure(clusters_only(
        "clusters:\n  - {name: prod, backend: in-cluster}\n  - {name: prod, backend: in-cluster}\n",
    ));
    assert!(stderr.contains("duplicate cluster name \"prod\""), "{stderr}");

    let stderr = start_failure(clusters_only("clusters:\n  - {name: prod, backend: rancher}\n"));
    assert!(stderr.contains("unknown backend \"rancher\""), "{stderr}");

    let stderr = start_failure(clusters_only(
        "clusters:\n  - {name: prod, backend: eks, arn: 'arn:aws:eks:eu-west-1:1:cluster/prod', region: eu-west-1}\n",
    ));
    assert!(stderr.contains("backend eks requires endpoint"), "{stderr}");

    // A complete eks entry without any AWS identity in the environment stops start-up too.
    let ca_data = cluster("alpha").kubectl(&[
        "config",
        "view",
        "--raw",
        "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}",
    ]);
    let mut options = clusters_only(&format!(
        "clusters:\n  - name: prod\n    backend: eks\n    arn: 'arn:aws:eks:eu-west-1:1:cluster/prod'\n    region: eu-west-1\n    \
         endpoint: https://127.0.0.1:1\n    certificateAuthorityData: {}\n",
        ca_data.trim()
    ));
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        options.env.push((var.into(), String::new()));
    }
    let stderr = start_failure(options);
    assert!(stderr.contains("cluster \"prod\": no AWS credentials"), "{stderr}");

    let stderr = start_failure(clusters_only("clusters:\n  - {name: edge, backend: agent}\n"));
    assert!(stderr.contains("use backend agent: set --agent-listen"), "{stderr}");

    let stderr = start_failure(clusters_only(
        "clusters:\n  - {name: gone, backend: kubeconfig, kubeconfigPath: /nonexistent/kubeconfig}\n",
    ));
    assert!(stderr.contains("cannot read kubeconfig /nonexistent/kubeconfig"), "{stderr}");

    let stderr = start_failure(ServerOptions {
        clusters_yaml: Some("clusters: []\n".into()),
        auth_yaml: Some("authorization:\n  mode: tier\n  groupTiers: {ops: superuser}\n".into()),
        env: vec![],
        port: None,
    });
    assert!(stderr.contains("unknown tier \"superuser\""), "{stderr}");

    let stderr = start_failure(ServerOptions {
        clusters_yaml: Some("clusters: []\n".into()),
        auth_yaml: Some("session:\n  store: redis\n".into()),
        env: vec![],
        port: None,
    });
    assert!(stderr.contains("auth.yaml") && stderr.contains("unknown variant `redis`"), "{stderr}");

    // Flags and their environment variables: the value, the flag and the choices are named.
    for (var, value, flag) in
        [("PERISCOPE_AUTH_MODE", "sso", "--auth-mode"), ("PERISCOPE_AUDIT_SINKS", "stdout,kafka", "--audit-sinks")]
    {
        let stderr = start_failure(ServerOptions {
            clusters_yaml: Some("clusters: []\n".into()),
            env: vec![(var.into(), value.into())],
            ..Default::default()
        });
        assert!(stderr.contains("invalid value") && stderr.contains(flag), "{var}: {stderr}");
        assert!(stderr.contains("possible values"), "{var}: {stderr}");
    }
}

#[test]
fn streaming_routes_exempt_from_the_request_timeout_are_in_the_route_table() {
    let table: Vec<String> = periscope::app::api_routes().iter().map(|r| format!("/api{}", r.path)).collect();
    for route in periscope::http::timeouts::STREAMING_ROUTES {
        assert!(table.iter().any(|t| t == route), "{route} is not a route any more: {table:?}");
    }
}

#[test]
fn the_route_table_names_each_path_and_method_once() {
    let mut seen = std::collections::HashSet::new();
    let routes = periscope::app::api_routes();
    for route in &routes {
        assert!(!route.methods.is_empty(), "{} answers no method", route.path);
        // axum matches by shape: `{a}` and `{name}` in the same place are the same route.
        let shape: Vec<&str> = route
            .path
            .split('/')
            .map(|s| {
                if s.starts_with("{*") {
                    "{*}"
                } else if s.starts_with('{') {
                    "{}"
                } else {
                    s
                }
            })
            .collect();
        for method in &route.methods {
            assert!(seen.insert((shape.join("/"), method.clone())), "{method} {} is in the table twice", route.path);
        }
    }
}

#[tokio::test]
async fn shapes_of_clusters_features_and_whoami() {
    let alpha = cluster("alpha");
    let clusters = format!(
        "clusters:\n{}    environment: staging\n    tags: {{team: sre}}\n    exec: {{enabled: false}}\n",
        kubeconfig_entry("alpha", &alpha.bridge_kubeconfig())
    );
    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some(clusters),
            auth_yaml: Some(dev_auth("grace", &["sre", "devs"], TIER_AUTHZ)),
            env: vec![],
            port: None,
        },
    );

    let (status, body) = server.get_json("/api/clusters").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"clusters": [{
            "name": "alpha",
            "backend": "kubeconfig",
            "kubeconfigPath": alpha.bridge_kubeconfig().display().to_string(),
            "environment": "staging",
            "tags": {"team": "sre"},
            "execEnabled": false,
        }]})
    );

    let (status, body) = server.get_json("/api/features").await;
    assert_eq!(status, StatusCode::OK);
    let plurals: Vec<&str> = periscope::resources::kinds::KINDS.iter().map(|k| k.plural).collect();
    assert_eq!(body["watchStreams"], json!(plurals), "every built-in kind streams");
    assert!(plurals.contains(&"pods") && plurals.contains(&"customresourcedefinitions"));
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(["stable", "prerelease", "dev"].contains(&body["channel"].as_str().unwrap_or_default()), "{body}");
    assert!(body["commit"].is_string());

    let (status, body) = server.get_json("/api/whoami").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"actor": "grace", "auditEnabled": true, "auditScope": "all", "mode": "dev", "tier": "admin"})
    );

    let (status, body) = server.get_json("/api/auth/whoami").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["subject"], "grace");
    assert_eq!(body["email"], "grace@example.test");
    assert_eq!(body["groups"], json!(["sre", "devs"]));
    assert_eq!(body["authzMode"], "tier");
    assert_eq!(body["tier"], "admin");

    let response = server.http.get(server.url("/api/auth/config")).send().await.expect("request");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert_eq!(
        response.json::<serde_json::Value>().await.expect("json"),
        json!({"authMode": "dev", "providerName": ""})
    );

    let response = server.http.get(server.url("/healthz")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("text"), "ok");

    // Readiness answers without a session too (probes carry no cookie).
    let response = server.http.get(server.url("/readyz")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<serde_json::Value>().await.expect("json"), json!({"ready": true}));
}

#[tokio::test]
async fn errors_use_one_envelope_and_carry_the_request_id() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "alice", &[]);

    let response = server
        .http
        .get(server.url("/api/clusters/nowhere/resources/core/v1/pods"))
        .header("X-Request-Id", "test-req-42")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["x-request-id"], "test-req-42");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "E_CLUSTER_NOT_FOUND");
    assert_eq!(body["details"]["cluster"], "nowhere");

    // A forged id is replaced, not echoed.
    let response =
        server.http.get(server.url("/healthz")).header("X-Request-Id", "a b\"c").send().await.expect("request");
    let id = response.headers()["x-request-id"].to_str().expect("ascii").to_string();
    assert!(id.len() == 36 && !id.contains(' '), "{id}");

    for (path, status, code) in [
        ("/api/clusters/alpha/resources/core/v1/widgets", StatusCode::NOT_FOUND, "E_UNKNOWN_RESOURCE"),
        ("/api/no/such/route", StatusCode::NOT_FOUND, "E_NOT_FOUND"),
        ("/api/clusters/alpha/resources/core/v1/pods?limit=0", StatusCode::BAD_REQUEST, "E_BAD_REQUEST"),
        ("/api/clusters/alpha/resources/core/v1/pods?limit=lots", StatusCode::BAD_REQUEST, "E_BAD_REQUEST"),
        ("/api/clusters/alpha/resources/core/v1/pods?namespace=Bad_NS", StatusCode::BAD_REQUEST, "E_BAD_REQUEST"),
        ("/api/clusters/alpha/resources/core/v1/pods?colour=red", StatusCode::BAD_REQUEST, "E_BAD_REQUEST"),
        ("/api/clusters/alpha/resources/core/v1/namespaces?namespace=team-a", StatusCode::BAD_REQUEST, "E_BAD_REQUEST"),
        (
            "/api/clusters/alpha/resources/core/v1/pods?namespace=team-a&labelSelector=app%20in%20(",
            StatusCode::BAD_REQUEST,
            "E_BAD_REQUEST",
        ),
    ] {
        let (got, body) = server.get_json(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["code"], code, "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
        assert!(body["details"].is_object(), "{path}: {body}");
    }

    let response = server.http.delete(server.url("/api/clusters")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "E_METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn every_body_over_the_one_limit_is_413_in_the_envelope() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "alice", &[]);
    let huge = format!("{{\"pad\": \"{}\"}}", "z".repeat(300 * 1024));
    // Three routes with three different body types; each answered before its handler runs.
    for path in [
        "/api/clusters/alpha/can-i",
        "/api/streams/no-such-stream/subscriptions",
        "/api/clusters/alpha/resources/apps/v1/deployments/team-a/web/scale",
    ] {
        let response = server.http.post(server.url(path)).body(huge.clone()).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["code"], "E_TOO_LARGE", "{path}: {body}");
        assert_eq!(body["details"]["limitBytes"], 256 * 1024, "{path}: {body}");
    }
    // Under the limit, a body that is not the route's JSON is a 400 naming the problem.
    let response = server.http.post(server.url("/api/clusters/alpha/can-i")).body("{\"checks\": 1}").send().await;
    let response = response.expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "E_BAD_REQUEST");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("invalid JSON body")), "{body}");
}

#[tokio::test]
async fn paging_follows_the_apiserver_continue_token() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dave", &["viewers"]);
    let mut seen = Vec::new();
    let mut path = "/api/clusters/alpha/resources/core/v1/namespaces?limit=2".to_string();
    let (_, first) = server.get_json(&path).await;
    let total = first["total"].as_u64().expect("total");
    assert!(total > 2, "more namespaces than one page: {first}");
    loop {
        let (status, page) = server.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(names(&page));
        match page["continue"].as_str() {
            Some(token) => path = format!("/api/clusters/alpha/resources/core/v1/namespaces?limit=2&continue={token}"),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, total);
    for ns in ["default", "team-a", "team-b", "kube-system"] {
        assert!(seen.iter().any(|n| n == ns), "{ns} in {seen:?}");
    }
}

#[tokio::test]
async fn without_a_clusters_file_the_kubeconfig_contexts_are_the_registry() {
    let alpha = cluster("alpha");
    let beta = cluster("beta");
    let home = tempfile::tempdir().expect("temp home");
    // Two contexts in one kubeconfig, found through $HOME/.kube/config as on a laptop.
    let merged = std::process::Command::new(alpha.kubectl_binary())
        .args(["config", "view", "--flatten", "--raw"])
        .env("KUBECONFIG", format!("{}:{}", alpha.admin_kubeconfig().display(), beta.admin_kubeconfig().display()))
        .output()
        .expect("kubectl config view");
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    std::fs::create_dir_all(home.path().join(".kube")).expect("mkdir");
    std::fs::write(home.path().join(".kube/config"), &merged.stdout).expect("write kubeconfig");
    let contexts = String::from_utf8_lossy(
        &std::process::Command::new(alpha.kubectl_binary())
            .args(["config", "get-contexts", "-o", "name"])
            .env("KUBECONFIG", home.path().join(".kube/config"))
            .output()
            .expect("contexts")
            .stdout,
    )
    .lines()
    .map(str::to_string)
    .collect::<Vec<_>>();
    assert_eq!(contexts.len(), 2, "{contexts:?}");

    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: None,
            auth_yaml: None,
            env: vec![("HOME".into(), home.path().display().to_string()), ("KUBECONFIG".into(), String::new())],
            port: None,
        },
    );
    let (status, body) = server.get_json("/api/clusters").await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<&str> =
        body["clusters"].as_array().expect("clusters").iter().filter_map(|c| c["name"].as_str()).collect();
    let expected: Vec<String> = contexts.iter().map(|c| c.replace('_', "-").to_lowercase()).collect();
    assert_eq!(listed, expected.iter().map(String::as_str).collect::<Vec<_>>());
    for c in body["clusters"].as_array().expect("clusters") {
        assert_eq!(c["backend"], "kubeconfig");
        assert!(contexts.iter().any(|ctx| c["kubeconfigContext"] == ctx.as_str()), "{c}");
    }
    // Dev mode + shared authz with the admin contexts: the namespace list works on both.
    for name in &listed {
        let (status, body) = server.get_json(&format!("/api/clusters/{name}/resources/core/v1/namespaces")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(names(&body).contains(&"team-a".to_string()), "{body}");
    }
    let (_, whoami) = server.get_json("/api/auth/whoami").await;
    assert_eq!(whoami["subject"], "dev@local");
    assert_eq!(whoami["groups"], json!(["dev"]));
}

#[tokio::test]
async fn sigterm_drains_and_exits_cleanly() {
    let mut server = Server::start(binary(), clusters_only("clusters: []\n"));
    let (status, _) = server.get_json("/api/clusters").await;
    assert_eq!(status, StatusCode::OK);
    let code = server.terminate(std::time::Duration::from_secs(10));
    assert_eq!(code, Some(0), "logs:\n{}", server.logs());
    assert!(server.wait_for_log("\"signal\":\"SIGTERM\""), "{}", server.logs());
    assert!(server.wait_for_log("\"message\":\"stopped\""), "{}", server.logs());
}
