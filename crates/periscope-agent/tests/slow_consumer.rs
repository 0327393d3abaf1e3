//! One tunnel, one consumer that stops reading: a followed log of a kwok pod with a 48 MiB log,
//! opened through the agent and never read, backs up every buffer on its way (client socket,
//! server, its yamux stream window, the agent). Lists through the same tunnel still answer,
//! because each apiserver connection is its own yamux stream with its own window.
//!
//! Ignored for now: it fails on main. tokio-yamux 0.3's session hands each stream's frames to it
//! through a channel of 8 frames and stops reading the connection (every stream) while any one
//! stream's channel is full (`skip recv_frames while read_pending_frames is backpressured`), so
//! a stream whose reader stops holds up the whole tunnel once its peer has sent it nine frames,
//! well inside its 1 MiB window. Seen: a list sent after the log backed up got no answer until
//! the keepalive gave up on the tunnel ~30 s later ("timed out"), which dropped every stream.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{BETA_BY_AGENT, get, server_binary, start_beta_agent};
use periscope_testkit::{
    PodLogs, TestNamespace, cluster, free_port,
    podlogs::{cri_line, kwok_placement},
    tunnel::{agent_server, mint_token, wait_connected},
};
use reqwest::StatusCode;

/// Far more than every buffer between the apiserver and the test together (sockets, the
/// server, the 1 MiB yamux window, the agent).
const LOG_BYTES: usize = 48 << 20;

/// What a list through the stuck tunnel may take at most (no timing beyond "it answers").
const LIST_DEADLINE: Duration = Duration::from_secs(10);

#[tokio::test]
#[ignore = "fails: tokio-yamux stops the whole session while one stream's frame channel is full (see the module doc)"]
async fn a_stuck_log_stream_does_not_hold_up_lists_on_the_same_tunnel() {
    let beta = cluster("beta");
    let ns = TestNamespace::new(&beta, "agent-slow");
    let logs = PodLogs::create(&beta, &ns.name, "chatty", &["app"]);
    let line = cri_line(SystemTime::now(), &"x".repeat(200));
    logs.append_raw("app", &line.repeat(LOG_BYTES / line.len()));
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: chatty\n  namespace: {}\nspec:\n{}  containers: [{{name: app, \
         image: x}}]\n",
        ns.name,
        kwok_placement(2)
    );
    beta.kubectl_stdin(&["apply", "-f", "-"], Some(&pod));
    logs.wait_served();
    beta.kubectl(&["-n", &ns.name, "create", "configmap", "listed"]);

    let ca_dir = tempfile::tempdir().expect("ca dir");
    let tunnel = format!("127.0.0.1:{}", free_port());
    let server = agent_server(&server_binary(), BETA_BY_AGENT, ca_dir.path(), &tunnel, &[]);
    let state = tempfile::tempdir().expect("state");
    let token = mint_token(&server, "beta").await;
    let _agent = start_beta_agent(&server, &tunnel, state.path(), Some(&token));
    wait_connected(&server, "beta", true, Duration::from_secs(20)).await;

    // Opened, then never read (its own client: the server's has a total timeout).
    let follow =
        server.url(&format!("/api/clusters/beta/k8s/api/v1/namespaces/{}/pods/chatty/log?follow=true", ns.name));
    let mut stuck = reqwest::Client::new().get(&follow).send().await.expect("the log stream opens");
    assert_eq!(stuck.status(), StatusCode::OK);

    // Lists through the same tunnel, one after another for 3 s while the stream backs up (it
    // takes a moment to fill every buffer): kubectl-proxy lists (always upstream) and the
    // console's list of the namespace's configmaps.
    let proxied = format!("/api/clusters/beta/k8s/api/v1/namespaces/{}/configmaps", ns.name);
    let console = format!("/api/clusters/beta/resources/core/v1/configmaps?namespace={}", ns.name);
    let window = Instant::now();
    let mut rounds = 0;
    while rounds < 2 || window.elapsed() < Duration::from_secs(3) {
        for path in [&proxied, &console] {
            let started = Instant::now();
            let (status, answer) = tokio::time::timeout(LIST_DEADLINE, get(&server, path))
                .await
                .unwrap_or_else(|_| panic!("round {rounds}: {path} did not answer within {LIST_DEADLINE:?}"));
            assert_eq!(status, StatusCode::OK, "{answer}");
            let names = answer["items"].as_array().expect("items").iter();
            let names: Vec<&str> =
                names.filter_map(|i| i["metadata"]["name"].as_str().or(i["name"].as_str())).collect();
            assert!(names.contains(&"listed"), "{answer}");
            eprintln!("round {rounds}: {path} answered in {:?}", started.elapsed());
        }
        rounds += 1;
    }

    // The stream was alive and backed up all along: read now, its data keeps coming.
    let mut read = 0usize;
    let deadline = Instant::now() + Duration::from_secs(30);
    while read < 4 << 20 {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stuck.chunk()).await {
            Ok(Ok(Some(chunk))) => read += chunk.len(),
            other => panic!("the log stream stopped after {read} bytes: {other:?}"),
        }
    }
}
