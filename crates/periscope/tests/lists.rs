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

    // In the seeded namespace only: other tests create widgets of their own meanwhile.
    let (status, widgets) =
        get(&admin, "/api/clusters/alpha/resources/periscope.dev/v1/widgets?namespace=team-a").await;
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

    // Sorted by name, descending, in the apiserver's key order (as kubectl lists them), paged
    // 7 at a time: every row once, in order.
    let (sorted, total) = all_pages(&admin, &format!("{base}&labelSelector=tier&sort=-name&limit=7")).await;
    let mut want: Vec<String> = (0..25).map(|i| format!("cm-{i}")).collect();
    want.sort();
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

/// An OIDC server on `cluster` with dave (sre) and carol (no RBAC) signed in; the identity
/// provider is handed back so it lives as long as the test.
async fn dave_and_carol(cluster: &periscope_testkit::TestCluster) -> (Idp, Server, UserAgent, UserAgent) {
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, cluster, "", "");
    let dave = UserAgent::new();
    dave.sign_in(&server.base_url, "/", "dave").await;
    let carol = UserAgent::new();
    carol.sign_in(&server.base_url, "/", "carol").await;
    (idp, server, dave, carol)
}

#[tokio::test]
async fn a_warm_list_is_never_served_to_another_identity() {
    let alpha = cluster("alpha");
    let (_idp, server, dave, carol) = dave_and_carol(&alpha).await;

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
    // No freshness window: every later first page is answered from the snapshot as it is
    // while one re-read replaces it.
    let admin = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_LIST_FRESH_SECONDS", "0".into())]);
    let path = format!("/api/clusters/alpha/resources/core/v1/configmaps?namespace={}&sort=name", ns.name);
    let (_, before) = get(&admin, &path).await;
    assert!(names(&before).contains(&"first".to_string()), "{before}");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "second"]);
    // The old snapshot still answers at once...
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
    assert!(names(&before).contains(&"first".to_string()), "{before}");

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
    assert_eq!(names(&after).first().map(String::as_str), Some("second"), "read from the live store: {after}");
    let store_rv = after["resourceVersion"].as_str().expect("rv").parse::<u64>().expect("numeric");
    let before_rv = before["resourceVersion"].as_str().expect("rv").parse::<u64>().expect("numeric");
    assert!(store_rv > before_rv, "the store's resourceVersion moved on: {before_rv} -> {store_rv}");
}

/// The value of an unlabelled series in the server's `/api/metrics`.
async fn metric(server: &Server, name: &str) -> u64 {
    let text = reqwest::get(server.url("/api/metrics")).await.expect("metrics").text().await.expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("{name} in {text}")) as u64
}

/// `count` ConfigMaps `cm-0000…` labelled `load` in `ns`, applied in one go (the label keeps
/// the namespace's own `kube-root-ca.crt`, created at some point by a controller, out).
fn configmaps(cluster: &periscope_testkit::TestCluster, ns: &str, count: usize) {
    let manifest: String = (0..count)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:04}\n  namespace: {ns}\n  labels: {{load: \"yes\"}}\ndata: {{k: v}}\n"))
        .collect();
    cluster.kubectl_stdin(&["apply", "--server-side", "-f", "-"], Some(&manifest));
}

/// Sends `n` GETs of `path` at once, over connections opened beforehand.
async fn burst(server: &Server, path: &str, n: usize) -> Vec<Value> {
    let clients: Vec<reqwest::Client> = (0..n).map(|_| reqwest::Client::new()).collect();
    for client in &clients {
        client.get(server.url("/healthz")).send().await.expect("warm connection");
    }
    let url = server.url(path);
    futures::future::join_all(clients.iter().map(|c| async {
        let response = c.get(&url).send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.expect("json")
    }))
    .await
}

#[tokio::test]
async fn concurrent_cold_and_stale_requests_share_one_read() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "flight");
    configmaps(&alpha, &ns.name, 600);
    let server = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_LIST_FRESH_SECONDS", "1".into())]);
    let path = format!(
        "/api/clusters/alpha/resources/core/v1/configmaps?namespace={}&labelSelector=load&sort=-name&limit=5",
        ns.name
    );

    // Cold: twenty users at once, one full read between them, all with the same rows. Counted
    // twice: the snapshot machinery's reads, and this server's own LIST requests to the
    // apiserver (600 objects = 2 pages of 500; the server talks to nothing else here).
    let answers = burst(&server, &path, 20).await;
    assert_eq!(metric(&server, "periscope_list_full_reads_total").await, 1, "one read for twenty requests");
    let lists = "periscope_apiserver_requests_total{cluster=\"alpha\",verb=\"list\",code=\"200\"}";
    assert_eq!(metric(&server, lists).await, 2, "one read of two pages reached the apiserver");
    for a in &answers {
        assert_eq!(names(a), vec!["cm-0599", "cm-0598", "cm-0597", "cm-0596", "cm-0595"], "{a}");
        assert_eq!(a["total"], 600);
    }

    // Stale (older than the 1 s freshness knob): all answered from the stale copy at once,
    // exactly one re-read, which then serves the new object.
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "cm-9999"]);
    alpha.kubectl(&["-n", &ns.name, "label", "configmap", "cm-9999", "load=yes"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let stale = burst(&server, &path, 20).await;
    for a in &stale {
        assert_eq!(names(a)[0], "cm-0599", "served from the stale snapshot: {a}");
    }
    assert!(metric(&server, "periscope_list_stale_served_total").await >= 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, fresh) = get(&server, &path).await;
        if names(&fresh)[0] == "cm-9999" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the re-read never landed: {fresh}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let reads = metric(&server, "periscope_list_full_reads_total").await;
    assert!((2..=3).contains(&reads), "one re-read for the stale burst (and at most one after it): {reads}");
}

#[tokio::test]
async fn a_first_page_by_name_comes_before_the_whole_list_and_pages_on_without_gaps() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "early");
    configmaps(&alpha, &ns.name, 700);
    // Apiserver pages of 20: the first page (10 rows) is ready after one of 35 round trips, so
    // the rest of the read is still running when it is answered, however busy the machine.
    let server = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_LIST_READ_PAGE", "20".into())]);
    let base = format!(
        "/api/clusters/alpha/resources/core/v1/configmaps?namespace={}&labelSelector=load&sort=name&limit=10",
        ns.name
    );
    let (first_names, total) = all_pages(&server, &base).await;
    assert_eq!(metric(&server, "periscope_list_early_first_pages_total").await, 1, "answered from the first page");
    let want: Vec<String> = (0..700).map(|i| format!("cm-{i:04}")).collect();
    assert_eq!(first_names, want, "every row once, in the apiserver's order");
    assert!(total >= 10, "{total}");
    assert_eq!(metric(&server, "periscope_list_full_reads_total").await, 1);
    let lists = "periscope_apiserver_requests_total{cluster=\"alpha\",verb=\"list\",code=\"200\"}";
    // 35 pages; a 36th when the apiserver cannot tell the 35th was the last one.
    let pages = metric(&server, lists).await;
    assert!((35..=36).contains(&pages), "700 objects read in pages of 20: {pages}");
}

#[tokio::test]
async fn the_memory_budget_evicts_the_least_recently_used_snapshot() {
    let alpha = cluster("alpha");
    let namespaces: Vec<TestNamespace> = (0..3).map(|_| TestNamespace::new(&alpha, "budget")).collect();
    for ns in &namespaces {
        configmaps(&alpha, &ns.name, 200);
    }
    let path = |ns: &TestNamespace| {
        format!("/api/clusters/alpha/resources/core/v1/configmaps?namespace={}&labelSelector=load&sort=-name", ns.name)
    };
    // Weigh one snapshot with an unbounded budget, then give a server room for two of them.
    let probe = tier_server(&alpha, "dave", &["sre"]);
    get(&probe, &path(&namespaces[0])).await;
    let one = metric(&probe, "periscope_list_snapshot_bytes").await as f64;
    let budget_mb = (one * 2.5) / (1024.0 * 1024.0);
    let server =
        dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_LIST_SNAPSHOT_BUDGET_MB", format!("{budget_mb:.6}"))]);
    let [a, b, c] = [&namespaces[0], &namespaces[1], &namespaces[2]];
    get(&server, &path(a)).await;
    get(&server, &path(b)).await;
    get(&server, &path(a)).await; // a is now more recently used than b
    assert_eq!(metric(&server, "periscope_list_snapshot_evictions_total").await, 0);
    get(&server, &path(c)).await;
    assert_eq!(metric(&server, "periscope_list_snapshot_evictions_total").await, 1, "c pushed one out");
    assert_eq!(metric(&server, "periscope_list_full_reads_total").await, 3);
    let (_, again) = get(&server, &path(a)).await;
    assert_eq!(metric(&server, "periscope_list_full_reads_total").await, 3, "a was kept");
    assert_eq!(names(&again)[0], "cm-0199");
    let (_, evicted) = get(&server, &path(b)).await;
    assert_eq!(metric(&server, "periscope_list_full_reads_total").await, 4, "b was evicted and is read again");
    assert_eq!(evicted["total"], 200, "an evicted list reads again correctly: {evicted}");
    assert!(metric(&server, "periscope_list_snapshot_bytes").await as f64 <= one * 2.5);
}

#[tokio::test]
async fn printer_columns_reach_only_callers_who_may_read_the_crd() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "printer");
    // carol has no RBAC anywhere else; here she may list widgets, but never read CRDs.
    let manifest = format!(
        "apiVersion: periscope.dev/v1\nkind: Widget\nmetadata: {{name: w1, namespace: {ns}}}\nspec: {{color: red, size: 1}}\n\
         ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: widget-list, namespace: {ns}}}\n\
         rules: [{{apiGroups: [periscope.dev], resources: [widgets], verbs: [get, list]}}]\n\
         ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: carol-widgets, namespace: {ns}}}\n\
         subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}}]\n\
         roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: widget-list}}\n",
        ns = ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let (_idp, server, dave, carol) = dave_and_carol(&alpha).await;
    let path = server.url(&format!("/api/clusters/alpha/resources/periscope.dev/v1/widgets?namespace={}", ns.name));
    let keys = |body: &str| -> Vec<String> {
        let page: Value = serde_json::from_str(body).expect("json");
        page["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .filter_map(|c| c["key"].as_str().map(String::from))
            .collect()
    };

    // dave (sre) may read the CRD: its printer columns. Now they are in the server's cache.
    let admin = dave.get(&path).await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.body);
    assert!(keys(&admin.body).contains(&"color".to_string()), "{}", admin.body);
    // carol lists the same widgets on the same server and gets the generic columns only.
    let denied = carol.get(&path).await;
    assert_eq!(denied.status, StatusCode::OK, "{}", denied.body);
    assert_eq!(keys(&denied.body), vec!["name", "namespace", "createdAt"], "{}", denied.body);
}
