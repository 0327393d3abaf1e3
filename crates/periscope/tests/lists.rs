//! Lists through the HTTP API against a real apiserver: every built-in kind and a CRD, name
//! search, selectors, sorting by columns, and paging that neither misses nor repeats a row.

mod common;

use std::collections::HashSet;

use common::*;
use periscope::resources::kinds::KINDS;
use periscope_testkit::{Idp, IdpOptions, Server, TestNamespace, UserAgent, cluster};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(server: &Server, path: &str) -> (StatusCode, Value) {
    server.get_json(path).await
}

/// Follows `continue` from `first` to the end, collecting `name`s.
async fn all_pages(server: &Server, first: &str) -> (Vec<String>, u64) {
    let (status, mut page) = get(server, first).await;
    assert_eq!(status, StatusCode::OK, "{first}: {page}");
    let total = page["total"].as_u64().expect("total");
    let mut seen = names(&page);
    let mut pages = 1;
    while let Some(token) = page["continue"].as_str() {
        let sep = if first.contains('?') { '&' } else { '?' };
        let next = format!("{first}{sep}continue={}", urlencode(token));
        let (status, body) = get(server, &next).await;
        assert_eq!(status, StatusCode::OK, "{next}: {body}");
        seen.extend(names(&body));
        page = body;
        pages += 1;
        assert!(pages < 100, "paging ends");
    }
    (seen, total)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_built_in_kind_and_a_crd_list_with_their_columns() {
    let alpha = cluster("alpha");
    let admin = tier_server(&alpha, "dave", &["sre"]);
    for kind in KINDS {
        let group = if kind.group.is_empty() { "core" } else { kind.group };
        let path = format!("/api/clusters/alpha/resources/{group}/{}/{}?limit=5", kind.version, kind.plural);
        let (status, body) = get(&admin, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let columns: Vec<&str> =
            body["columns"].as_array().expect("columns").iter().filter_map(|c| c["key"].as_str()).collect();
        assert!(columns.len() >= 2, "{path}: {columns:?}");
        for item in body["items"].as_array().expect("items") {
            for key in &columns {
                assert!(item.get(*key).is_some(), "{path}: row has column {key}: {item}");
            }
        }
    }
    let (_, deployments) = get(&admin, "/api/clusters/alpha/resources/apps/v1/deployments?namespace=team-a").await;
    let web = deployments["items"].as_array().expect("items").iter().find(|d| d["name"] == "web").expect("team-a/web");
    assert_eq!(web["desired"], 2, "{web}");
    assert!(web["ready"].as_str().is_some_and(|r| r.ends_with("/2")), "{web}");

    let (_, secrets) = get(&admin, "/api/clusters/alpha/resources/core/v1/secrets?namespace=team-a").await;
    assert!(!secrets.to_string().contains("czNjcjN0"), "secret values never appear in lists: {secrets}");

    let (status, widgets) = get(&admin, "/api/clusters/alpha/resources/periscope.dev/v1/widgets").await;
    assert_eq!(status, StatusCode::OK, "{widgets}");
    assert_eq!(names(&widgets), vec!["sample"], "{widgets}");
    // A custom resource's columns are its CRD's printer columns, evaluated per row.
    let keys: Vec<&str> =
        widgets["columns"].as_array().expect("columns").iter().filter_map(|c| c["key"].as_str()).collect();
    assert_eq!(keys, vec!["name", "namespace", "color", "size", "phase", "createdAt"], "{widgets}");
    assert_eq!((&widgets["items"][0]["color"], &widgets["items"][0]["size"]), (&json!("blue"), &json!(3)), "{widgets}");
    let (_, sorted) = get(&admin, "/api/clusters/alpha/resources/periscope.dev/v1/widgets?sort=-size").await;
    assert_eq!(names(&sorted), vec!["sample"], "sorting by a printer column is allowed: {sorted}");
    // The CRD list names each kind's short names (the console's `:wdg` resolves through them).
    let (_, crds) =
        get(&admin, "/api/clusters/alpha/resources/apiextensions.k8s.io/v1/customresourcedefinitions").await;
    let crd = crds["items"].as_array().expect("items").iter().find(|c| c["name"] == "widgets.periscope.dev");
    assert_eq!(crd.map(|c| &c["shortNames"]), Some(&json!("wdg")), "{crds}");
    let (status, body) = get(&admin, "/api/clusters/alpha/resources/periscope.dev/v1/gadgets").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("E_UNKNOWN_RESOURCE")), "{body}");
}

#[tokio::test]
async fn search_selectors_sorting_and_paging_without_gaps_or_repeats() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "lists");
    let mut manifest = String::new();
    for i in 0..25 {
        let tier = if i % 2 == 0 { "even" } else { "odd" };
        manifest.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: {}\n  labels: {{tier: {tier}}}\ndata:\n{}",
            ns.name,
            (0..(i % 4)).map(|k| format!("  k{k}: v\n")).collect::<String>() + if i % 4 == 0 { "  {}\n" } else { "" }
        ));
    }
    let manifest = manifest.replace("data:\n  {}\n", "data: {}\n");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let base = format!("/api/clusters/alpha/resources/core/v1/configmaps?namespace={}", ns.name);

    // Name search, case-insensitive.
    let (_, found) = get(&admin, &format!("{base}&q=CM-1")).await;
    let mut expected: Vec<String> =
        std::iter::once("cm-1".to_string()).chain((10..20).map(|i| format!("cm-{i}"))).collect();
    expected.sort();
    let mut got = names(&found);
    got.sort();
    assert_eq!(got, expected, "{found}");
    assert_eq!(found["total"], 11);

    // Label and field selectors go to the apiserver.
    let (_, odd) = get(&admin, &format!("{base}&labelSelector=tier%3Dodd")).await;
    assert_eq!(names(&odd).len(), 12, "{odd}");
    let (_, one) = get(&admin, &format!("{base}&fieldSelector=metadata.name%3Dcm-3")).await;
    assert_eq!(names(&one), vec!["cm-3"]);

    // Sorted by name, descending, natural order, paged 7 at a time: every row once, in order.
    let (sorted, total) = all_pages(&admin, &format!("{base}&labelSelector=tier&sort=-name&limit=7")).await;
    let mut want: Vec<String> = (0..25).map(|i| format!("cm-{i}")).collect();
    want.reverse();
    assert_eq!(sorted, want);
    assert_eq!(total, 25);

    // Sorted by a numeric column: keys ascending, ties in name order.
    let (_, by_keys) = get(&admin, &format!("{base}&labelSelector=tier&sort=keys&limit=100")).await;
    let keys: Vec<i64> =
        by_keys["items"].as_array().expect("items").iter().map(|r| r["keys"].as_i64().expect("n")).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");

    // Plain apiserver paging (no q, no sort) also covers every row exactly once.
    let (plain, _) = all_pages(&admin, &format!("{base}&labelSelector=tier&limit=4")).await;
    assert_eq!(plain.len(), 25);
    assert_eq!(plain.iter().collect::<HashSet<_>>().len(), 25, "no repeats: {plain:?}");

    // A page of a snapshot while objects change keeps the snapshot's view: no repeats.
    let (_, first) = get(&admin, &format!("{base}&labelSelector=tier&sort=name&limit=10")).await;
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "cm-00"]);
    let token = first["continue"].as_str().expect("more pages");
    let (_, second) =
        get(&admin, &format!("{base}&labelSelector=tier&sort=name&limit=10&continue={}", urlencode(token))).await;
    let both: Vec<String> = names(&first).into_iter().chain(names(&second)).collect();
    assert_eq!(both.iter().collect::<HashSet<_>>().len(), 20, "{both:?}");

    // Bad input: unknown sort column, bad token, bad limit, namespace on a cluster-scoped kind.
    for (path, code) in [
        (format!("{base}&sort=colour"), "E_BAD_REQUEST"),
        (format!("{base}&sort=name&continue=snap.%21%21"), "E_BAD_REQUEST"),
        (format!("{base}&limit=0"), "E_BAD_REQUEST"),
        ("/api/clusters/alpha/resources/core/v1/nodes?namespace=x".to_string(), "E_BAD_REQUEST"),
        (format!("{base}&continue=snap.eyJpZCI6MSwib2Zmc2V0IjoxMCwic29ydCI6IiIsInEiOiIifQ"), "E_GONE"),
    ] {
        let (status, body) = get(&admin, &path).await;
        assert_eq!(body["code"], code, "{path}: {status} {body}");
    }
}

#[tokio::test]
async fn a_warm_list_is_never_served_to_another_identity() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let dave = UserAgent::new();
    dave.sign_in(&server.base_url, "/", "dave").await;
    let carol = UserAgent::new();
    carol.sign_in(&server.base_url, "/", "carol").await;

    let path = server.url("/api/clusters/alpha/resources/core/v1/pods?sort=name&limit=1");
    let warm = dave.get(&path).await;
    assert_eq!(warm.status, StatusCode::OK, "{}", warm.body);
    let rows: Value = serde_json::from_str(&warm.body).expect("json");
    assert!(rows["total"].as_u64().is_some_and(|t| t >= 3), "dave (sre) sees the seeded pods: {rows}");
    // The same list, now warm for dave, asked by carol (no RBAC at all) on the same server.
    let denied = carol.get(&path).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    // Nor can carol page through dave's snapshot with his token.
    let token = urlencode(rows["continue"].as_str().expect("more than one page"));
    let stolen = carol.get(&format!("{path}&continue={token}")).await;
    assert_eq!(stolen.status, StatusCode::GONE, "{}", stolen.body);
    let own = dave.get(&format!("{path}&continue={token}")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
}

#[tokio::test]
async fn a_stale_snapshot_is_served_while_it_is_read_again_in_the_background() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "stale");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "first"]);
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let path = format!("/api/clusters/alpha/resources/core/v1/configmaps?namespace={}&sort=name", ns.name);
    let (_, before) = get(&admin, &path).await;
    assert!(names(&before).contains(&"first".to_string()), "{before}");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "second"]);
    // Past the 10 s freshness window the old snapshot still answers at once...
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let (_, stale) = get(&admin, &path).await;
    assert!(!names(&stale).contains(&"second".to_string()), "served from the old snapshot: {stale}");
    // ...and the background re-read makes the new object appear without a slow request.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, fresh) = get(&admin, &path).await;
        if names(&fresh).contains(&"second".to_string()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the re-read never landed: {fresh}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_list_with_a_live_watch_store_is_read_from_it_and_never_stale() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "live");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "first"]);
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let path = format!("/api/clusters/alpha/resources/core/v1/configmaps?namespace={}&sort=-name", ns.name);
    // A warm snapshot first: without the live store, the next list would come from it.
    let (_, before) = get(&admin, &path).await;
    assert!(!names(&before).contains(&"second".to_string()));

    // A live stream on the same list (same identity, kind, namespace) holds a store.
    let stream = reqwest::Client::new()
        .get(admin.url(&format!("/api/clusters/alpha/watch/core/v1/configmaps?namespace={}", ns.name)))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    let mut stream = stream;
    let mut seen = String::new();
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "second"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !seen.contains("\"second\"") {
        assert!(std::time::Instant::now() < deadline, "the delta arrives: {seen}");
        match tokio::time::timeout(std::time::Duration::from_secs(20), stream.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            other => panic!("stream ended early: {other:?} after {seen}"),
        }
    }
    // The delta has reached the store, so the list (within the snapshot's fresh window) has it too.
    let (_, after) = get(&admin, &path).await;
    assert_eq!(names(&after)[0], "second", "read from the live store: {after}");
    let store_rv = after["resourceVersion"].as_str().expect("rv").parse::<u64>().expect("numeric");
    let before_rv = before["resourceVersion"].as_str().expect("rv").parse::<u64>().expect("numeric");
    assert!(store_rv > before_rv, "the store's resourceVersion moved on: {before_rv} -> {store_rv}");
}
