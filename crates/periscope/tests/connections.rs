//! Connection hygiene of a real server: clients that never finish their request head are
//! dropped after the header timeout while everyone else is served, idle keep-alive connections
//! close, the connection cap refuses politely and recovers (an upgraded WebSocket keeps its
//! place under it), slow requests get 504 while live
//! streams outlive the request timeout, slow bodies get 408, and `/api/metrics` shows it all
//! by route template and cluster.

mod common;

use std::time::{Duration, Instant};

use common::*;
use periscope_testkit::{
    Server, TestNamespace, cluster,
    sse::{client, open_ok},
};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// A dev-mode admin server on `alpha` with these extra environment variables.
fn server_with(env: &[(&str, &str)]) -> Server {
    let alpha = cluster("alpha");
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.to_string())).collect();
    dev_server(&alpha, "dave", &["sre"], &env)
}

/// A connection that has sent half a request line, and when it did.
async fn half_request(server: &Server) -> (TcpStream, Instant) {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(b"GET /heal").await.expect("write half a request line");
    (stream, Instant::now())
}

/// Reads until the server closes `stream`; `None` if it is still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(Instant::now()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Whether the server still holds `stream` open (nothing to read, no end of stream).
fn still_open(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(stream.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// The value of the sample line starting with `series` (name plus labels) in metrics `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics(server: &Server) -> String {
    let response = server.http.get(server.url("/api/metrics")).send().await.expect("metrics");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("metrics text")
}

#[tokio::test]
async fn half_sent_request_heads_are_dropped_after_the_header_timeout_while_others_are_served() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "conn");
    let server = server_with(&[("PERISCOPE_HTTP_HEADER_TIMEOUT", "5s")]);

    let mut waiting = Vec::new();
    for _ in 0..200 {
        waiting.push(half_request(&server).await);
    }
    // While 200 clients sit on half a request line, fresh clients are served, cluster calls too.
    for _ in 0..10 {
        let (status, body) = server.get_json("/healthz").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) =
        server.get_json(&format!("/api/clusters/alpha/resources/core/v1/pods?namespace={}", ns.name)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let open = waiting.iter().filter(|(stream, _)| still_open(stream)).count();
    assert_eq!(open, 200, "the waiting clients are still held while others are served");

    for (stream, sent) in &mut waiting {
        let closed = closed_within(stream, Duration::from_secs(20)).await.expect("dropped after the header timeout");
        let held = closed.duration_since(*sent);
        assert!(held >= Duration::from_millis(4900), "dropped before the header timeout: {held:?}");
    }
    let text = metrics(&server).await;
    assert!(sample(&text, "periscope_http_timeouts_total{kind=\"header\"}").is_some_and(|n| n >= 200.0), "{text}");
}

#[tokio::test]
async fn idle_keep_alive_connections_close_after_the_idle_timeout() {
    let server = server_with(&[
        ("PERISCOPE_HTTP_HEADER_TIMEOUT", "30s"),
        ("PERISCOPE_HTTP_IDLE_TIMEOUT", "2s"),
        ("PERISCOPE_WATCH_PING_SECONDS", "1"),
    ]);
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: periscope\r\n\r\n").await.expect("write request");
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.expect("response");
    let answered = Instant::now();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("connection: close"), "kept alive: {head}");

    let closed = closed_within(&mut stream, Duration::from_secs(20)).await.expect("closed when idle");
    let idle = closed.duration_since(answered);
    // The idle timeout, not the (much longer) header timeout, closed it.
    assert!(idle >= Duration::from_millis(1900) && idle < Duration::from_secs(20), "{idle:?}");
}

#[tokio::test]
async fn the_connection_cap_refuses_politely_and_serves_again_once_connections_close() {
    let server = server_with(&[("PERISCOPE_HTTP_MAX_CONNECTIONS", "5"), ("PERISCOPE_HTTP_HEADER_TIMEOUT", "60s")]);
    let mut holders = Vec::new();
    for _ in 0..5 {
        holders.push(half_request(&server).await);
    }
    // The backlog is accepted in order, so this sixth connection comes after all five holders.
    let response = server.http.get(server.url("/healthz")).send().await.expect("an answer, not a reset");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let body: Value = response.json().await.expect("envelope");
    assert_eq!(body["code"], "E_UNAVAILABLE", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("limit of 5 connections")), "{body}");

    drop(holders);
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let status = reqwest::get(server.url("/healthz")).await.expect("answer").status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < give_up, "still refused 10 s after the holders left: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = metrics(&server).await;
    assert!(sample(&text, "periscope_http_refused_connections_total").is_some_and(|n| n >= 1.0), "{text}");
}

#[tokio::test]
async fn a_slow_request_gets_504_while_a_live_stream_outlives_the_request_timeout() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "conn");
    // Accepts TCP connections (the kernel's backlog does) but never speaks TLS: calls hang.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dir = tempfile::tempdir().expect("tempdir");
    let hole = loopback_kubeconfig(dir.path(), black_hole.local_addr().expect("addr").port());
    let clusters = format!(
        "clusters:\n{}{}",
        kubeconfig_entry("alpha", &alpha.bridge_kubeconfig()),
        kubeconfig_entry("hole", &hole)
    );
    let mut options = configured_server(clusters, dev_auth("dave", &["sre"], TIER_AUTHZ));
    options.env = vec![
        ("PERISCOPE_HTTP_REQUEST_TIMEOUT".into(), "1s".into()),
        ("PERISCOPE_WATCH_PING_SECONDS".into(), "1".into()),
    ];
    let server = Server::start(binary(), options);

    let http = client();
    let watch = server
        .url(&format!("/api/clusters/alpha/watch/core/v1/configmaps?namespace={}&labelSelector=app%3Dconn", ns.name));
    let mut stream = open_ok(&http, &watch, None).await;
    let opened = Instant::now();
    let snapshot = stream.expect(Duration::from_secs(30)).await;
    assert_eq!(snapshot.event, "snapshot", "{snapshot:?}");

    let started = Instant::now();
    let (status, body) = server.get_json("/api/clusters/hole/resources/core/v1/pods?namespace=default").await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(body["code"], "E_TIMEOUT", "{body}");
    assert!(took >= Duration::from_millis(950) && took < Duration::from_secs(10), "{took:?}");

    // Well past the request timeout, the stream still delivers a change made now.
    while opened.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  namespace: {}\n  labels:\n    app: conn\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let event = stream.expect(Duration::from_secs(30)).await;
    assert_eq!(event.event, "added", "{event:?}");
    assert_eq!(event.data["object"]["name"], "late", "{event:?}");
    assert!(stream.pings >= 2, "pings kept the stream going: {}", stream.pings);
    drop(black_hole);
}

#[tokio::test]
async fn metrics_show_routes_by_template_apiserver_latency_by_cluster_and_body_timeouts() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "conn");
    let server = server_with(&[("PERISCOPE_HTTP_BODY_TIMEOUT", "1s")]);
    let (status, body) =
        server.get_json(&format!("/api/clusters/alpha/resources/core/v1/configmaps?namespace={}", ns.name)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A body that promises 100 bytes and sends 12.
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream
        .write_all(
            b"POST /api/clusters/alpha/can-i HTTP/1.1\r\nHost: periscope\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"checks\": [",
        )
        .await
        .expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "answered and closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"E_BODY_TIMEOUT\""), "{answer}");

    let text = metrics(&server).await;
    let list_route = "route=\"/api/clusters/{cluster}/resources/{group}/{version}/{resource}\"";
    let requests = format!("periscope_http_requests_total{{{list_route},method=\"GET\",status=\"200\"}}");
    assert!(sample(&text, &requests).is_some_and(|n| n >= 1.0), "{requests} in:\n{text}");
    let latency = format!("periscope_http_request_duration_seconds_count{{{list_route},method=\"GET\"}}");
    assert!(sample(&text, &latency).is_some_and(|n| n >= 1.0), "{latency} in:\n{text}");
    let apiserver = "periscope_apiserver_request_duration_seconds_count{cluster=\"alpha\",verb=\"list\"}";
    assert!(sample(&text, apiserver).is_some_and(|n| n >= 1.0), "{apiserver} in:\n{text}");
    let listed = "periscope_apiserver_requests_total{cluster=\"alpha\",verb=\"list\",code=\"200\"}";
    assert!(sample(&text, listed).is_some_and(|n| n >= 1.0), "{listed} in:\n{text}");
    assert!(sample(&text, "periscope_http_timeouts_total{kind=\"body\"}") == Some(1.0), "{text}");
    assert!(sample(&text, "periscope_audit_queue_depth").is_some(), "{text}");
    assert!(!text.contains(&ns.name), "no namespace or object name becomes a label: {text}");
}

#[tokio::test]
async fn an_upgraded_websocket_keeps_its_place_under_the_connection_cap() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "wscap");
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: box, namespace: {}}}\nspec:\n  nodeSelector: {{type: kwok}}\n  \
         tolerations: [{{operator: Exists}}]\n  containers: [{{name: shell, image: busybox}}]\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&yaml));
    alpha.kubectl(&["wait", "--for=condition=Ready", "pod/box", "-n", &ns.name, "--timeout=60s"]);
    let server = server_with(&[("PERISCOPE_HTTP_MAX_CONNECTIONS", "2"), ("PERISCOPE_HTTP_HEADER_TIMEOUT", "60s")]);
    let base = server.base_url.replacen("http://", "ws://", 1);
    let command = periscope_testkit::exec::command_param(&["sh", "-c", "sleep 30"]);
    let url = format!("{base}/api/clusters/alpha/resources/core/v1/pods/{}/box/exec?command={command}", ns.name);
    let mut terminal =
        periscope_testkit::exec::Terminal::open(&url, &server.base_url, &[]).await.expect("the terminal opens");
    assert!(
        terminal.until(Duration::from_secs(30), |t| t.control_of("hello").is_some()).await,
        "{:?}",
        terminal.controls
    );
    // The upgraded connection plus this one fill the cap of 2.
    let holder = half_request(&server).await;
    let refused = server.http.get(server.url("/healthz")).send().await.expect("an answer, not a reset");
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE, "the WebSocket still counts after its upgrade");
    drop(holder);
    drop(terminal);
    let give_up = Instant::now() + Duration::from_secs(15);
    while reqwest::get(server.url("/healthz")).await.map(|r| r.status()).ok() != Some(StatusCode::OK) {
        assert!(Instant::now() < give_up, "the WebSocket's place is not given back after it closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
