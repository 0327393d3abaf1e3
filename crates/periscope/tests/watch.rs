//! Live lists over SSE against a real control plane: snapshot then deltas, RBAC, resume with
//! Last-Event-ID, one upstream watch per key, backpressure, the per-user limit, SIGTERM and
//! the multiplexed stream.

mod common;

use std::{collections::HashSet, time::Duration};

use common::*;
use periscope_testkit::{
    Idp, IdpOptions, Server, TestCluster, TestNamespace, UserAgent, cluster, random_suffix,
    sse::{Event, Sse, client, open, open_ok},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// One SSE event.
fn watch_url(server: &Server, kind: &str, namespace: &str) -> String {
    server.url(&format!("/api/clusters/alpha/watch/{kind}?namespace={namespace}"))
}

const WAIT: Duration = Duration::from_secs(30);

fn uid(event: &Event) -> String {
    event.data["object"]["uid"].as_str().expect("row uid").to_string()
}

fn rv_of(event: &Event) -> u64 {
    event.id.as_deref().and_then(|id| id.parse().ok()).expect("numeric id")
}

/// Upstream watches of `/api/debug/streams` for `kind` in `namespace`.
fn upstreams_for(debug: &Value, kind: &str, namespace: &str) -> Vec<Value> {
    debug["upstreams"]
        .as_array()
        .expect("upstreams")
        .iter()
        .filter(|u| u["kind"] == kind && u["namespace"] == namespace)
        .cloned()
        .collect()
}

#[tokio::test]
async fn snapshot_then_deltas_follow_a_deployment_and_no_rights_means_403() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "watch");
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let http = client();
    let url = watch_url(&admin, "core/v1/pods", &ns.name);
    let mut sse = open_ok(&http, &url, None).await;
    let snapshot = sse.expect(WAIT).await;
    assert_eq!(snapshot.event, "snapshot", "{snapshot:?}");
    assert_eq!(snapshot.data["items"], json!([]), "{snapshot:?}");
    assert_eq!(snapshot.id.as_deref(), snapshot.data["resourceVersion"].as_str());

    alpha.kubectl(&["-n", &ns.name, "create", "deployment", "web", "--image=nginx", "--replicas=1"]);
    alpha.kubectl(&["-n", &ns.name, "scale", "deployment", "web", "--replicas=3"]);
    let mut live: HashSet<String> = HashSet::new();
    let mut last_rv = rv_of(&snapshot);
    let mut rows = std::collections::HashMap::new();
    while live.len() < 3 {
        let event = sse.expect(WAIT).await;
        assert!(["added", "modified"].contains(&event.event.as_str()), "{event:?}");
        assert_eq!(event.data["object"]["namespace"], ns.name.as_str());
        assert!(rv_of(&event) > last_rv, "ids increase: {event:?}");
        last_rv = rv_of(&event);
        live.insert(uid(&event));
        rows.insert(uid(&event), event.data["object"].clone());
    }
    // Let the pods settle, then the stream's rows equal the list's rows exactly.
    while let Some(event) = sse.next(Duration::from_secs(3)).await {
        rows.insert(uid(&event), event.data["object"].clone());
    }
    let (status, list) =
        admin.get_json(&format!("/api/clusters/alpha/resources/core/v1/pods?namespace={}", ns.name)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    for item in list["items"].as_array().expect("items") {
        let uid = item["uid"].as_str().expect("uid");
        assert_eq!(rows.get(uid), Some(item), "stream row equals list row");
    }
    assert_eq!(list["items"].as_array().map(Vec::len), Some(3));

    alpha.kubectl(&["-n", &ns.name, "delete", "deployment", "web", "--wait=false"]);
    let mut deleted = HashSet::new();
    while deleted.len() < 3 {
        let event = sse.expect(Duration::from_secs(90)).await;
        if event.event == "deleted" {
            deleted.insert(uid(&event));
        }
    }
    assert_eq!(deleted, live.into_iter().filter(|u| deleted.contains(u)).collect::<HashSet<_>>());

    // A user the cluster grants nothing: 403 in the envelope, never a row.
    let nobody = tier_server(&alpha, &format!("nobody-{}", random_suffix()), &["nothing"]);
    let err = open(&http, &watch_url(&nobody, "core/v1/pods", &ns.name), None).await.err().expect("refused");
    assert_eq!(err.0, StatusCode::FORBIDDEN, "{}", err.1);
    assert_eq!(err.1["code"], "E_FORBIDDEN", "{}", err.1);
    // Bad input is refused in the envelope too.
    let bad = open(&http, &admin.url("/api/clusters/alpha/watch/core/v1/nodes?namespace=x"), None).await.err();
    assert_eq!(bad.map(|b| b.1["code"].clone()), Some(json!("E_BAD_REQUEST")));
}

fn create_configmaps(cluster: &TestCluster, ns: &str, names: std::ops::Range<usize>) {
    let manifest: String = names
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: {ns}\n"))
        .collect();
    cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
}

#[tokio::test]
async fn resume_with_last_event_id_loses_and_repeats_nothing() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "resume");
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let http = client();
    let url = watch_url(&admin, "core/v1/configmaps", &ns.name);
    let mut first = open_ok(&http, &url, None).await;
    let snapshot = first.expect(WAIT).await;
    assert_eq!(snapshot.event, "snapshot");
    // kube-root-ca.crt may or may not be there yet; ignore it throughout.
    let mine = |e: &Event| e.data["object"]["name"].as_str().is_some_and(|n| n.starts_with("cm-"));

    create_configmaps(&alpha, &ns.name, 0..3);
    let mut seen: Vec<(String, u64)> = Vec::new();
    let mut last_id = snapshot.id.clone().expect("snapshot id");
    while seen.len() < 2 {
        let event = first.expect(WAIT).await;
        last_id = event.id.clone().expect("id");
        if mine(&event) {
            assert_eq!(event.event, "added");
            seen.push((event.data["object"]["name"].as_str().unwrap_or_default().into(), rv_of(&event)));
        }
    }
    drop(first);
    create_configmaps(&alpha, &ns.name, 3..10);

    let mut second = open_ok(&http, &url, Some(&last_id)).await;
    while seen.len() < 10 {
        let event = second.expect(WAIT).await;
        assert_ne!(event.event, "snapshot", "a resume sends no snapshot: {event:?}");
        assert_ne!(event.event, "relist", "{event:?}");
        if mine(&event) {
            seen.push((event.data["object"]["name"].as_str().unwrap_or_default().into(), rv_of(&event)));
        }
    }
    while let Some(event) = second.next(Duration::from_secs(2)).await {
        assert!(!mine(&event), "nothing repeated after the last delta: {event:?}");
    }
    // The apiserver's own view: each ConfigMap's resourceVersion is its creation event's.
    let out = alpha.kubectl(&["-n", &ns.name, "get", "configmaps", "-o", "json"]);
    let listed: Value = serde_json::from_str(&out).expect("kubectl json");
    let mut truth: Vec<(String, u64)> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("cm-")))
        .map(|i| {
            (
                i["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                i["metadata"]["resourceVersion"].as_str().and_then(|r| r.parse().ok()).expect("rv"),
            )
        })
        .collect();
    truth.sort_by_key(|(_, rv)| *rv);
    assert_eq!(seen, truth, "every delta exactly once, in order");

    // A resume point the store has no history for: relist, then a fresh snapshot.
    let mut stale = open_ok(&http, &url, Some("1")).await;
    assert_eq!(stale.expect(WAIT).await.event, "relist");
    let fresh = stale.expect(WAIT).await;
    assert_eq!(fresh.event, "snapshot");
    let names: HashSet<&str> =
        fresh.data["items"].as_array().expect("items").iter().filter_map(|r| r["name"].as_str()).collect();
    assert!((0..10).all(|i| names.contains(format!("cm-{i}").as_str())), "{names:?}");
}

#[tokio::test]
async fn ten_subscribers_share_one_upstream_watch_and_two_identities_get_two() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "share");
    create_configmaps(&alpha, &ns.name, 0..2);
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let http = client();
    let url = watch_url(&admin, "core/v1/configmaps", &ns.name);
    let mut streams = Vec::new();
    for _ in 0..10 {
        let mut sse = open_ok(&http, &url, None).await;
        assert_eq!(sse.expect(WAIT).await.event, "snapshot");
        streams.push(sse);
    }
    let (status, debug) = admin.get_json("/api/debug/streams").await;
    assert_eq!(status, StatusCode::OK, "{debug}");
    let ups = upstreams_for(&debug, "core/v1/configmaps", &ns.name);
    assert_eq!(ups.len(), 1, "{debug}");
    assert_eq!(ups[0]["subscribers"], 10, "{debug}");
    let (_, metrics) = {
        let r = http.get(admin.url("/api/metrics")).send().await.expect("metrics");
        (r.status(), r.text().await.expect("text"))
    };
    assert!(metrics.contains("periscope_watch_subscribers 10"), "{metrics}");
    // Every subscriber gets the same delta.
    create_configmaps(&alpha, &ns.name, 2..3);
    for sse in &mut streams {
        // kube-root-ca.crt may arrive too; skip it.
        let event = loop {
            let event = sse.expect(WAIT).await;
            if event.data["object"]["name"] != "kube-root-ca.crt" {
                break event;
            }
        };
        assert_eq!((event.event.as_str(), &event.data["object"]["name"]), ("added", &json!("cm-2")));
    }
    drop(streams);

    // Two identities on one server: two upstream watches for the same list.
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let dave = UserAgent::new();
    dave.sign_in(&server.base_url, "/", "dave").await;
    let bob = UserAgent::new();
    bob.sign_in(&server.base_url, "/", "bob").await;
    let url = watch_url(&server, "core/v1/configmaps", &ns.name);
    let mut held = Vec::new();
    for agent in [&dave, &bob] {
        let response = agent.http.get(&url).send().await.expect("stream");
        assert_eq!(response.status(), StatusCode::OK);
        let mut sse = Sse::from_response(response);
        assert_eq!(sse.expect(WAIT).await.event, "snapshot");
        held.push(sse);
    }
    let debug = dave.get(&server.url("/api/debug/streams")).await;
    let debug: Value = serde_json::from_str(&debug.body).expect("json");
    let ups = upstreams_for(&debug, "core/v1/configmaps", &ns.name);
    assert_eq!(ups.len(), 2, "{debug}");
    assert!(ups.iter().all(|u| u["subscribers"] == 1), "{debug}");
    // Not an audit admin: no view of who watches what.
    let denied = bob.get(&server.url("/api/debug/streams")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
}

#[tokio::test]
async fn a_stalled_subscriber_is_cut_loose_while_another_keeps_receiving() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "stall");
    let event = format!(
        "apiVersion: v1\nkind: Event\nmetadata:\n  name: flood\n  namespace: {ns}\ninvolvedObject:\n  kind: ConfigMap\n  \
         name: x\n  namespace: {ns}\nreason: Flood\ntype: Normal\nmessage: start\n",
        ns = ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&event));
    let admin = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_WATCH_BUFFER", "32".into())]);
    let http = client();
    let url = watch_url(&admin, "core/v1/events", &ns.name);
    let mut stalled = open_ok(&http, &url, None).await;
    assert_eq!(stalled.expect(WAIT).await.event, "snapshot");
    let mut healthy = open_ok(&http, &url, None).await;
    assert_eq!(healthy.expect(WAIT).await.event, "snapshot");
    let reader = tokio::spawn(async move {
        let mut highest = 0u64;
        let mut ended_with = None;
        while let Some(event) = healthy.next(Duration::from_secs(20)).await {
            if event.event != "modified" {
                ended_with = Some(event.event.clone());
                break;
            }
            let message = event.data["object"]["message"].as_str().unwrap_or("");
            if let Some(n) = message.split(':').next().and_then(|n| n.parse().ok()) {
                highest = highest.max(n);
            }
            if message.ends_with(":last") {
                break;
            }
        }
        (highest, ended_with)
    });

    // Patch the event with 32 KiB messages until the stalled stream is cut (or give up).
    let kubeconfig = kube::config::Kubeconfig::read_from(alpha.admin_kubeconfig()).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.expect("config");
    let kube_client = kube::Client::try_from(config).expect("kube client");
    let events: kube::Api<k8s_openapi::api::core::v1::Event> = kube::Api::namespaced(kube_client, &ns.name);
    let filler = "x".repeat(32 * 1024);
    let mut n = 0u64;
    let dropped = || async {
        let text = http.get(admin.url("/api/metrics")).send().await.expect("metrics").text().await.expect("text");
        text.lines().any(|l| l.starts_with("periscope_watch_dropped_subscribers_total ") && !l.ends_with(" 0"))
    };
    while !dropped().await {
        assert!(n < 3000, "the stalled subscriber was never cut");
        for _ in 0..50 {
            n += 1;
            let patch = json!({ "message": format!("{n}:{filler}") });
            events
                .patch("flood", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch))
                .await
                .expect("patch");
        }
    }
    let (status, debug) = admin.get_json("/api/debug/streams").await;
    assert_eq!(status, StatusCode::OK);
    let ups = upstreams_for(&debug, "core/v1/events", &ns.name);
    assert_eq!(ups.len(), 1, "{debug}");
    assert_eq!(ups[0]["subscribers"], 1, "only the stalled subscriber left: {debug}");
    // The healthy one got everything up to the last patch and was never cut.
    n += 1;
    let patch = json!({ "message": format!("{n}:last") });
    events.patch("flood", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.expect("patch");
    let (highest, ended_with) = tokio::time::timeout(WAIT, reader).await.expect("reader ends").expect("reader");
    assert_eq!(highest, n, "the healthy subscriber saw the last delta");
    assert_ne!(ended_with.as_deref(), Some("backpressure"));
    // The stalled one, reading again, drains what was in flight and then learns it was cut.
    let mut last = None;
    while let Some(event) = stalled.next(Duration::from_secs(10)).await {
        last = Some(event.event);
    }
    assert_eq!(last.as_deref(), Some("backpressure"));
}

#[tokio::test]
async fn sigterm_sends_server_shutdown_to_open_streams() {
    let alpha = cluster("alpha");
    let mut server = tier_server(&alpha, "dave", &["sre"]);
    let http = client();
    let mut sse = open_ok(&http, &watch_url(&server, "core/v1/configmaps", "team-a"), None).await;
    assert_eq!(sse.expect(WAIT).await.event, "snapshot");
    let started = std::time::Instant::now();
    let exit = tokio::task::spawn_blocking(move || server.terminate(Duration::from_secs(20)));
    let event = sse.expect(Duration::from_secs(10)).await;
    assert_eq!(event.event, "server_shutdown", "{event:?}");
    assert!(sse.next(Duration::from_secs(10)).await.is_none(), "the stream ends after server_shutdown");
    assert_eq!(exit.await.expect("join"), Some(0));
    assert!(started.elapsed() < Duration::from_secs(10), "the drain did not wait for the stream");
}

#[tokio::test]
async fn streams_over_the_per_user_limit_get_429() {
    let alpha = cluster("alpha");
    let server = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_MAX_STREAMS_PER_USER", "3".into())]);
    let http = client();
    let url = watch_url(&server, "core/v1/configmaps", "team-a");
    let mut open_streams = Vec::new();
    for _ in 0..3 {
        let mut sse = open_ok(&http, &url, None).await;
        assert_eq!(sse.expect(WAIT).await.event, "snapshot");
        open_streams.push(sse);
    }
    let (status, body) = open(&http, &url, None).await.err().expect("the fourth is refused");
    assert_eq!((status, body["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("E_TOO_MANY_REQUESTS")), "{body}");
    let refused = http.get(server.url("/api/streams")).send().await.expect("mux");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // Closing one frees its place.
    open_streams.pop();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match open(&http, &url, None).await {
            Ok(_) => break,
            Err((StatusCode::TOO_MANY_REQUESTS, _)) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(other) => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn the_multiplexed_stream_tags_events_and_takes_subscriptions() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "mux");
    create_configmaps(&alpha, &ns.name, 0..2);
    let server = tier_server(&alpha, "dave", &["sre"]);
    let http = client();
    let mut sse = open_ok(&http, &server.url("/api/streams"), None).await;
    let hello = sse.expect(WAIT).await;
    assert_eq!(hello.event, "stream");
    let stream_id = hello.data["streamId"].as_str().expect("streamId").to_string();
    let subscribe = |body: Value| {
        let url = server.url(&format!("/api/streams/{stream_id}/subscriptions"));
        let http = http.clone();
        async move {
            let r = http.post(url).json(&body).send().await.expect("subscribe");
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = subscribe(json!({
        "cluster": "alpha", "group": "core", "version": "v1", "resource": "configmaps", "namespace": ns.name,
    }))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let cms = body["subscriptionId"].as_str().expect("subscriptionId").to_string();
    let (status, body) = subscribe(json!({
        "cluster": "alpha", "group": "core", "version": "v1", "resource": "configmaps", "namespace": ns.name,
        "labelSelector": "tier=gold",
    }))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let gold = body["subscriptionId"].as_str().expect("subscriptionId").to_string();
    let mut snapshots = HashSet::new();
    while snapshots.len() < 2 {
        let event = sse.expect(WAIT).await;
        assert_eq!(event.event, "snapshot", "{event:?}");
        snapshots.insert(event.data["sub"].as_str().expect("sub").to_string());
    }
    assert_eq!(snapshots, HashSet::from([cms.clone(), gold.clone()]));

    let labelled = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: g\n  namespace: {}\n  labels: {{tier: gold}}\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&labelled));
    let mut tagged = HashSet::new();
    while tagged.len() < 2 {
        let event = sse.expect(WAIT).await;
        if event.event == "added" && event.data["object"]["name"] == "g" {
            tagged.insert(event.data["sub"].as_str().expect("sub").to_string());
        }
    }
    assert_eq!(tagged, HashSet::from([cms.clone(), gold.clone()]));

    let delete = http
        .delete(server.url(&format!("/api/streams/{stream_id}/subscriptions/{gold}")))
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let again = http
        .delete(server.url(&format!("/api/streams/{stream_id}/subscriptions/{gold}")))
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let labelled2 = labelled.replace("name: g\n", "name: g2\n");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&labelled2));
    let mut g2 = Vec::new();
    while let Some(event) = sse.next(Duration::from_secs(3)).await {
        if event.data["object"]["name"] == "g2" {
            g2.push((event.event, event.data["sub"].as_str().map(String::from)));
        }
    }
    assert_eq!(g2, vec![("added".to_string(), Some(cms.clone()))], "nothing for the removed subscription");

    // Bad and foreign requests.
    let (status, body) = subscribe(json!({"cluster": "alpha"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("E_BAD_REQUEST")), "{body}");
    let foreign = http
        .post(server.url("/api/streams/not-a-stream/subscriptions"))
        .json(&json!({"cluster": "alpha", "group": "core", "version": "v1", "resource": "pods"}))
        .send()
        .await
        .expect("post");
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_upstream_watch_lingers_after_its_last_subscriber_then_stops() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "linger");
    let env = [("PERISCOPE_WATCH_LINGER_SECONDS", "2".to_string()), ("PERISCOPE_WATCH_PING_SECONDS", "1".to_string())];
    let server = dev_server(&alpha, "dave", &["sre"], &env);
    let http = client();
    let url = watch_url(&server, "core/v1/configmaps", &ns.name);
    let mut sse = open_ok(&http, &url, None).await;
    assert_eq!(sse.expect(WAIT).await.event, "snapshot");
    // Pings keep an idle stream alive. (Nothing happens in the namespace but, maybe, its
    // kube-root-ca.crt, which a controller writes at some point after the namespace exists.)
    let quiet_until = std::time::Instant::now() + Duration::from_millis(2500);
    while let Some(event) = sse.next(quiet_until.saturating_duration_since(std::time::Instant::now())).await {
        assert_eq!(event.data["object"]["name"], "kube-root-ca.crt", "an idle stream: {:?}", event.data);
    }
    assert!(sse.pings >= 2, "pings every second: {}", sse.pings);
    drop(sse);
    let upstreams = || async {
        let (_, debug) = server.get_json("/api/debug/streams").await;
        upstreams_for(&debug, "core/v1/configmaps", &ns.name)
    };
    // Right after the last subscriber left, the watch is still there (with nobody on it)...
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let ups = upstreams().await;
        assert_eq!(ups.len(), 1, "lingering: {ups:?}");
        if ups[0]["subscribers"] == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the subscriber left: {ups:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // ...and a few seconds later it has stopped.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !upstreams().await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the upstream watch stops after the linger");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn rbac_decides_what_a_stream_may_show() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "rbac");
    create_configmaps(&alpha, &ns.name, 0..1);
    let viewer = format!("vera-{}", random_suffix());
    ns.grant(&viewer, "view");
    let server = tier_server(&alpha, &viewer, &["no-tier"]);
    let http = client();
    let mut sse = open_ok(&http, &watch_url(&server, "core/v1/configmaps", &ns.name), None).await;
    let snapshot = sse.expect(WAIT).await;
    let names: Vec<&str> =
        snapshot.data["items"].as_array().expect("items").iter().filter_map(|r| r["name"].as_str()).collect();
    assert!(names.contains(&"cm-0"), "{snapshot:?}");
    // Granted one namespace only: every other namespace and the cluster-wide list are refused.
    for url in
        [watch_url(&server, "core/v1/configmaps", "team-a"), server.url("/api/clusters/alpha/watch/core/v1/configmaps")]
    {
        let (status, body) = open(&http, &url, None).await.err().expect("refused");
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("E_FORBIDDEN")), "{url}: {body}");
    }
}

#[tokio::test]
async fn a_stream_learns_when_its_session_ends() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let port = periscope_testkit::free_port();
    let server = Server::start(
        binary(),
        periscope_testkit::ServerOptions {
            clusters_yaml: Some(bridge_clusters(&alpha)),
            auth_yaml: Some(oidc_auth(&idp.issuer, port, "", "")),
            env: vec![("PERISCOPE_WATCH_PING_SECONDS".into(), "1".into())],
            port: Some(port),
        },
    );
    let dave = UserAgent::new();
    dave.sign_in(&server.base_url, "/", "dave").await;
    let response = dave.http.get(watch_url(&server, "core/v1/configmaps", "team-a")).send().await.expect("stream");
    assert_eq!(response.status(), StatusCode::OK);
    let mut sse = Sse::from_response(response);
    assert_eq!(sse.expect(WAIT).await.event, "snapshot");
    // Still signed in: only pings.
    assert!(sse.next(Duration::from_millis(1500)).await.is_none());
    let logout = dave.get(&server.url("/api/auth/logout")).await;
    assert!(logout.status.is_redirection(), "{logout:?}");
    let event = sse.expect(Duration::from_secs(5)).await;
    assert_eq!(event.event, "auth_expired", "{event:?}");
    assert!(sse.next(Duration::from_secs(5)).await.is_none(), "the stream ends");
}

#[tokio::test]
async fn revoking_access_closes_the_stream_with_an_error() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "revoke");
    let viewer = format!("rita-{}", random_suffix());
    ns.grant(&viewer, "view");
    let server = tier_server(&alpha, &viewer, &["no-tier"]);
    let http = client();
    let mut sse = open_ok(&http, &watch_url(&server, "core/v1/configmaps", &ns.name), None).await;
    assert_eq!(sse.expect(WAIT).await.event, "snapshot");
    let started = std::time::Instant::now();
    alpha.kubectl(&["-n", &ns.name, "delete", "rolebinding", &format!("{viewer}-view")]);
    // The upstream watch is re-opened (and so re-authorised) every 30 s.
    let event = loop {
        let event = sse.next(Duration::from_secs(40)).await.expect("an error before the stream ends");
        if event.event == "error" {
            break event;
        }
    };
    assert_eq!(event.data["code"], "E_FORBIDDEN", "{event:?}");
    assert!(started.elapsed() < Duration::from_secs(35), "closed within 35 s: {:?}", started.elapsed());
    assert!(sse.next(Duration::from_secs(5)).await.is_none(), "the stream ends");
}

/// A cluster-wide reader identity for shared cache mode, removed when dropped.
struct Reader {
    cluster: TestCluster,
    name: String,
}

impl Reader {
    fn new(cluster: &TestCluster) -> Reader {
        let name = format!("t-watch-reader-{}", random_suffix());
        let rbac = format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules:\n\
             - apiGroups: [\"\"]\n  resources: [configmaps, pods]\n  verbs: [list, watch]\n\
             - apiGroups: [rbac.authorization.k8s.io]\n  resources: [roles, rolebindings, clusterroles, clusterrolebindings]\n  verbs: [list, watch]\n---\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {name}\n\
             roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {name}\n\
             subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: {name}\n"
        );
        cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&rbac));
        Reader { cluster: cluster.clone(), name }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = periscope_testkit::cluster::kubectl(
            &self.cluster.kubectl_binary(),
            &self.cluster.admin_kubeconfig(),
            &["delete", "clusterrolebinding,clusterrole", &self.name, "--wait=false"],
            None,
        );
    }
}

#[tokio::test]
async fn shared_cache_mode_shares_one_watch_and_serves_only_what_each_user_may_list() {
    let alpha = cluster("alpha");
    let reader = Reader::new(&alpha);
    let ns_a = TestNamespace::new(&alpha, "shared-a");
    let ns_b = TestNamespace::new(&alpha, "shared-b");
    create_configmaps(&alpha, &ns_a.name, 0..1);
    create_configmaps(&alpha, &ns_b.name, 0..1);
    // carol (no tier) may view namespace A only; dave (admin tier) may view everything.
    ns_a.grant("carol", "view");
    let idp = Idp::start(IdpOptions::default());
    let port = periscope_testkit::free_port();
    let server = Server::start(
        binary(),
        periscope_testkit::ServerOptions {
            clusters_yaml: Some(bridge_clusters(&alpha)),
            auth_yaml: Some(oidc_auth(&idp.issuer, port, "", "")),
            env: vec![
                ("PERISCOPE_WATCH_SHARED_CLUSTERS".into(), "alpha".into()),
                ("PERISCOPE_WATCH_READER_USER".into(), reader.name.clone()),
            ],
            port: Some(port),
        },
    );
    // Signed in with the scripted agent; streamed with a client without a total timeout.
    let session = |agent: UserAgent, account: &'static str| {
        let base = server.base_url.clone();
        async move {
            let hop = agent.sign_in(&base, "/", account).await;
            let cookie = periscope_testkit::agent::set_cookie_value(&hop, "periscope_session").expect("session cookie");
            (agent, format!("periscope_session={cookie}"))
        }
    };
    let (dave, dave_cookie) = session(UserAgent::new(), "dave").await;
    let (_carol, carol_cookie) = session(UserAgent::new(), "carol").await;
    let http = client();
    let stream = |cookie: &str, ns: &str| {
        let request = http.get(watch_url(&server, "core/v1/configmaps", ns)).header("cookie", cookie);
        async move { request.send().await.expect("stream") }
    };
    let mut held = Vec::new();
    for cookie in [&dave_cookie, &carol_cookie] {
        let response = stream(cookie, &ns_a.name).await;
        assert_eq!(response.status(), StatusCode::OK);
        let mut sse = Sse::from_response(response);
        let snapshot = sse.expect(WAIT).await;
        assert!(snapshot.data["items"].as_array().expect("items").iter().any(|r| r["name"] == "cm-0"), "{snapshot:?}");
        held.push(sse);
    }
    let debug: Value = serde_json::from_str(&dave.get(&server.url("/api/debug/streams")).await.body).expect("json");
    let ups = upstreams_for(&debug, "core/v1/configmaps", &ns_a.name);
    assert_eq!(ups.len(), 1, "one shared watch for two identities: {debug}");
    assert_eq!(ups[0]["subscribers"], 2, "{debug}");
    assert!(ups[0]["identity"].as_str().is_some_and(|i| i.contains("shared-cache-reader")), "{debug}");

    // carol may not list namespace B: 403, never a row, though dave's shared watch could serve it.
    let response = stream(&dave_cookie, &ns_b.name).await;
    assert_eq!(response.status(), StatusCode::OK);
    let denied = stream(&carol_cookie, &ns_b.name).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let body: Value = denied.json().await.expect("envelope");
    assert_eq!(body["code"], "E_FORBIDDEN", "{body}");

    // Revoking carol's RoleBinding closes her stream; dave's keeps flowing. The server watches
    // RBAC objects of shared clusters, so this happens at once rather than at the periodic
    // re-check 30 s after the stream opened (the bound is 35 s).
    let started = std::time::Instant::now();
    alpha.kubectl(&["-n", &ns_a.name, "delete", "rolebinding", "carol-view"]);
    let mut carol_sse = held.pop().expect("carol's stream");
    let event = loop {
        let event = carol_sse.next(Duration::from_secs(40)).await.expect("an error before the stream ends");
        if event.event == "error" {
            break event;
        }
        assert_ne!(event.data["object"]["namespace"], ns_b.name.as_str());
    };
    assert_eq!(event.data["code"], "E_FORBIDDEN", "{event:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "closed on the RBAC change: {:?}", started.elapsed());
    // The cached "allowed" answer went with the RoleBinding: a new stream is refused at once.
    let again = stream(&carol_cookie, &ns_a.name).await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    create_configmaps(&alpha, &ns_a.name, 1..2);
    let mut dave_sse = held.pop().expect("dave's stream");
    let event = loop {
        let event = dave_sse.expect(WAIT).await;
        if event.data["object"]["name"] == "cm-1" {
            break event;
        }
    };
    assert_eq!(event.event, "added");
}
