//! The watch engine against a control plane of its own (`restart`, brought down at the end):
//! kube-apiserver is killed and started again under an open stream, and the apiserver's own
//! watch gauge proves that ten subscribers with one key cost one upstream watch.
//!
//! Both tests share the cluster, so they run one after the other (a lock), and the last one
//! to finish runs `testenv/cluster.sh down restart`.

mod common;

use std::{
    collections::{BTreeMap, HashMap},
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use common::*;
use periscope_testkit::{
    Server, TestCluster, TestNamespace, cluster, repo_root,
    sse::{Event, Sse, client, open_ok},
};
use reqwest::StatusCode;
use serde_json::Value;

const CLUSTER: &str = "restart";
const TESTS_IN_THIS_FILE: usize = 2;
const WAIT: Duration = Duration::from_secs(60);

/// Serialises the tests of this file: one kills the apiserver the other measures.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static FINISHED: AtomicUsize = AtomicUsize::new(0);

/// Counts a finished test (passed or panicked); the last one brings the cluster down.
struct Finished;

impl Drop for Finished {
    fn drop(&mut self) {
        if FINISHED.fetch_add(1, Ordering::SeqCst) + 1 == TESTS_IN_THIS_FILE {
            let status = Command::new(repo_root().join("testenv/cluster.sh")).args(["down", CLUSTER]).status();
            if !matches!(status, Ok(s) if s.success()) {
                eprintln!("testenv/cluster.sh down {CLUSTER}: {status:?}");
            }
        }
    }
}

fn rv(s: &str) -> u64 {
    s.parse().unwrap_or_else(|_| panic!("numeric resourceVersion: {s:?}"))
}

/// What the stream says the namespace holds: uid → (name, resourceVersion of the last delta;
/// rows carry no resourceVersion, so a row known only from a snapshot has none), plus the log
/// of deltas (event, uid, name, rv) and relists, checking that ids only ever increase.
#[derive(Default, Debug)]
struct Model {
    rows: HashMap<String, (String, Option<u64>)>,
    deltas: Vec<(String, String, String, u64)>,
    relists: usize,
    last_id: u64,
}

impl Model {
    fn apply(&mut self, e: &Event) {
        match e.event.as_str() {
            "snapshot" => {
                self.rows.clear();
                for item in e.data["items"].as_array().expect("snapshot items") {
                    let (uid, name) = (item["uid"].as_str().expect("uid"), item["name"].as_str().expect("name"));
                    self.rows.insert(uid.into(), (name.into(), None));
                }
                let id = rv(e.id.as_deref().expect("snapshot id"));
                assert!(id >= self.last_id, "a snapshot never goes back in time: {id} < {}", self.last_id);
                self.last_id = id;
            }
            "relist" => self.relists += 1,
            "added" | "modified" | "deleted" => {
                let row = &e.data["object"];
                let (uid, name) = (row["uid"].as_str().expect("uid"), row["name"].as_str().expect("name"));
                let id = rv(e.id.as_deref().expect("delta id"));
                assert!(id > self.last_id, "delta ids increase (none repeated): {id} after {}: {e:?}", self.last_id);
                self.last_id = id;
                if e.event == "deleted" {
                    assert!(self.rows.remove(uid).is_some(), "deleted a row the stream had: {e:?}");
                } else {
                    let had = self.rows.insert(uid.into(), (name.into(), Some(id))).is_some();
                    assert_eq!(had, e.event == "modified", "added = new row, modified = known row: {e:?}");
                }
                self.deltas.push((e.event.clone(), uid.into(), name.into(), id));
            }
            other => panic!("unexpected event {other}: {e:?}"),
        }
    }

    fn names(&self) -> BTreeMap<String, (String, Option<u64>)> {
        self.rows.iter().map(|(uid, (name, rv))| (name.clone(), (uid.clone(), *rv))).collect()
    }
}

/// The namespace's configmaps as kubectl sees them: name → (uid, resourceVersion).
fn kubectl_state(c: &TestCluster, ns: &str) -> BTreeMap<String, (String, u64)> {
    let list: Value = serde_json::from_str(&c.kubectl(&["-n", ns, "get", "configmaps", "-o", "json"])).expect("json");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let m = &i["metadata"];
            let name = m["name"].as_str().expect("name").to_string();
            (name, (m["uid"].as_str().expect("uid").to_string(), rv(m["resourceVersion"].as_str().expect("rv"))))
        })
        .collect()
}

const RV_UID: &str = "jsonpath={.metadata.resourceVersion} {.metadata.uid}";

/// Runs a kubectl mutation that prints `RV_UID`; returns (rv, uid).
fn mutate(c: &TestCluster, args: &[&str]) -> (u64, String) {
    let mut full = args.to_vec();
    full.extend(["-o", RV_UID]);
    let out = c.kubectl(&full);
    let (r, uid) = out.trim().split_once(' ').unwrap_or_else(|| panic!("kubectl printed {out:?}"));
    (rv(r), uid.to_string())
}

fn create(c: &TestCluster, ns: &str, name: &str) -> (u64, String) {
    mutate(c, &["-n", ns, "create", "configmap", name, "--from-literal=v=0"])
}

/// Reads events into `model` until `done` holds, failing after `wait`.
async fn read_until(sse: &mut Sse, model: &mut Model, wait: Duration, done: impl Fn(&Model) -> bool) {
    let deadline = tokio::time::Instant::now() + wait;
    while !done(model) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match sse.next(left).await {
            Some(e) => model.apply(&e),
            None => panic!("stream ended or went quiet before the expected state; model {model:?}"),
        }
    }
}

#[tokio::test]
async fn restarting_kube_apiserver_mid_stream_loses_and_repeats_no_delta() {
    let _serial = SERIAL.lock().await;
    let _finished = Finished;
    let c = cluster(CLUSTER);
    let ns = TestNamespace::new(&c, "restart");
    let server = tier_server(&c, "dave", &["sre"]);
    let http = client();
    let url = server.url(&format!("/api/clusters/{CLUSTER}/watch/core/v1/configmaps?namespace={}", ns.name));
    let mut sse = open_ok(&http, &url, None).await;
    let mut model = Model::default();
    let first = sse.expect(WAIT).await;
    assert_eq!(first.event, "snapshot", "{first:?}");
    model.apply(&first);

    // Before the restart: five objects arrive as deltas.
    let before: Vec<(u64, String)> = (0..5).map(|i| create(&c, &ns.name, &format!("cm-{i}"))).collect();
    read_until(&mut sse, &mut model, WAIT, |m| before.iter().all(|(_, uid)| m.rows.contains_key(uid))).await;
    assert_eq!(model.relists, 0);

    // Kill kube-apiserver, keep it down 3 s (nothing is created meanwhile), start it again.
    let script = repo_root().join("testenv/cluster.sh");
    let restart = tokio::task::spawn_blocking(move || {
        Command::new(script).args(["restart-apiserver", CLUSTER, "3"]).output().expect("run cluster.sh")
    });
    // While it is down and coming back the stream stays open and says nothing wrong.
    while !restart.is_finished() {
        if let Some(e) = sse.next(Duration::from_millis(200)).await {
            model.apply(&e);
        }
    }
    let out = restart.await.expect("restart task");
    assert!(out.status.success(), "restart-apiserver: {}", String::from_utf8_lossy(&out.stderr));
    let (status, body) =
        server.get_json(&format!("/api/clusters/{CLUSTER}/resources/core/v1/namespaces/{}", ns.name)).await;
    assert_eq!(status, StatusCode::OK, "the apiserver answers again through Periscope: {body}");

    // Periscope re-watches on its own (backoff ≤ 30 s). A probe object tells when it has:
    // once the probe is in the stream, the upstream watch is live on the new apiserver.
    let (probe_rv, probe) = create(&c, &ns.name, "probe");
    read_until(&mut sse, &mut model, WAIT, |m| m.rows.contains_key(&probe)).await;
    // The new apiserver usually serves a watch from the old resourceVersion: no relist, and
    // the probe, the first change after the restart, comes as a delta like any other. When its
    // fresh watch cache starts after the resume point it answers 410 instead, and the stream
    // relists once: then the snapshot holds exactly what kubectl sees, probe included.
    let relists_at_resume = model.relists;
    assert!(relists_at_resume <= 1, "at most one relist on resume: {model:?}");
    if relists_at_resume == 0 {
        assert_eq!(
            model.deltas.last().map(|d| (d.0.as_str(), d.1.as_str(), d.3)),
            Some(("added", probe.as_str(), probe_rv)),
            "the probe arrives as a delta"
        );
    } else {
        let shown: BTreeMap<String, String> = model.names().into_iter().map(|(n, (uid, _))| (n, uid)).collect();
        let truth: BTreeMap<String, String> =
            kubectl_state(&c, &ns.name).into_iter().map(|(n, (uid, _))| (n, uid)).collect();
        assert_eq!(shown, truth, "the relist's snapshot is the namespace as kubectl sees it: {model:?}");
    }
    let resumed_at = model.deltas.len();

    // After the restart: creates, modifies and deletes, each with the rv the apiserver gave it.
    let mut expected: Vec<(String, String, u64)> = Vec::new();
    for i in 5..10 {
        let (r, uid) = create(&c, &ns.name, &format!("cm-{i}"));
        expected.push(("added".into(), uid, r));
    }
    for (i, (_, uid)) in before.iter().enumerate().take(3) {
        let name = format!("cm-{i}");
        let (r, got) =
            mutate(&c, &["-n", &ns.name, "patch", "configmap", &name, "--type=merge", "-p", r#"{"data":{"v":"1"}}"#]);
        assert_eq!(&got, uid);
        expected.push(("modified".into(), got, r));
    }
    let mut deleted = Vec::new();
    for (i, (_, uid)) in before.iter().enumerate().skip(3) {
        c.kubectl(&["-n", &ns.name, "delete", "configmap", &format!("cm-{i}")]);
        deleted.push(uid.clone());
    }
    let wanted = expected.len() + deleted.len();
    read_until(&mut sse, &mut model, WAIT, |m| {
        m.deltas[resumed_at..].iter().filter(|d| d.2 != "kube-root-ca.crt").count() >= wanted
    })
    .await;
    // A moment more, so a repeated or stray delta would show up too.
    while let Some(e) = sse.next(Duration::from_secs(3)).await {
        model.apply(&e);
    }

    let after: Vec<&(String, String, String, u64)> =
        model.deltas[resumed_at..].iter().filter(|d| d.2 != "kube-root-ca.crt").collect();
    assert_eq!(model.relists, relists_at_resume, "no relist after the upstream was back: {model:?}");
    // Every create and patch arrives exactly once, with the resourceVersion kubectl was given.
    let got: Vec<(String, String, u64)> =
        after.iter().filter(|d| d.0 != "deleted").map(|d| (d.0.clone(), d.1.clone(), d.3)).collect();
    let mut want = expected.clone();
    want.sort_by_key(|w| w.2);
    assert_eq!(got, want, "creates and patches after the restart, in order, once each");
    // Every delete arrives exactly once, after everything it follows.
    let mut got_deleted: Vec<String> = after.iter().filter(|d| d.0 == "deleted").map(|d| d.1.clone()).collect();
    got_deleted.sort();
    deleted.sort();
    assert_eq!(got_deleted, deleted, "deletes after the restart, once each");
    assert_eq!(after.len(), wanted, "nothing else: {after:?}");

    // The stream's final state is kubectl's, row for row: the same names and uids, and every
    // object changed after the restart at the resourceVersion kubectl reports.
    let stream = model.names();
    let truth = kubectl_state(&c, &ns.name);
    let uids = |m: &BTreeMap<String, (String, Option<u64>)>| {
        m.iter().map(|(n, v)| (n.clone(), v.0.clone())).collect::<Vec<_>>()
    };
    assert_eq!(
        uids(&stream),
        truth.iter().map(|(n, v)| (n.clone(), v.0.clone())).collect::<Vec<_>>(),
        "stream rows equal kubectl get -o json"
    );
    for (name, (uid, r)) in &truth {
        if name.starts_with("cm-") {
            assert_eq!(stream[name].1, Some(*r), "{name} ({uid}) is at kubectl's resourceVersion");
        }
    }
    eprintln!("restart: {} deltas after the restart besides the probe, none lost or repeated", after.len());
}

/// The apiserver's own gauge of open WATCH requests on namespaced configmaps.
fn apiserver_configmap_watches(c: &TestCluster) -> u64 {
    let metrics = c.kubectl(&["get", "--raw", "/metrics"]);
    metrics
        .lines()
        .filter(|l| l.starts_with("apiserver_longrunning_requests{"))
        .filter(|l| {
            [r#"verb="WATCH""#, r#"group="""#, r#"resource="configmaps""#, r#"scope="namespace""#, r#"subresource="""#]
                .iter()
                .all(|label| l.contains(label))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

/// The gauge once two readings a second apart agree (other clients re-open watches now and then).
async fn settled_watches(c: &TestCluster) -> u64 {
    let mut last = apiserver_configmap_watches(c);
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = apiserver_configmap_watches(c);
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("apiserver_longrunning_requests for configmaps never settled (last {last})");
}

async fn upstreams(server: &Server, ns: &str) -> Vec<Value> {
    let (status, debug) = server.get_json("/api/debug/streams").await;
    assert_eq!(status, StatusCode::OK, "{debug}");
    debug["upstreams"]
        .as_array()
        .expect("upstreams")
        .iter()
        .filter(|u| u["kind"] == "core/v1/configmaps" && u["namespace"] == ns)
        .cloned()
        .collect()
}

#[tokio::test]
async fn ten_subscribers_with_one_key_open_one_watch_on_the_apiserver() {
    let _serial = SERIAL.lock().await;
    let _finished = Finished;
    let c = cluster(CLUSTER);
    let ns = TestNamespace::new(&c, "gauge");
    create(&c, &ns.name, "cm-0");
    let server = dev_server(&c, "dave", &["sre"], &[("PERISCOPE_WATCH_LINGER_SECONDS", "1".into())]);
    let http = client();
    let url = server.url(&format!("/api/clusters/{CLUSTER}/watch/core/v1/configmaps?namespace={}", ns.name));

    let before = settled_watches(&c).await;
    let mut streams = Vec::new();
    for _ in 0..10 {
        let mut sse = open_ok(&http, &url, None).await;
        assert_eq!(sse.expect(WAIT).await.event, "snapshot");
        streams.push(sse);
    }
    let ups = upstreams(&server, &ns.name).await;
    assert_eq!(ups.len(), 1, "{ups:?}");
    assert_eq!(ups[0]["subscribers"], 10, "{ups:?}");
    let with_ten = settled_watches(&c).await;
    assert_eq!(with_ten, before + 1, "ten subscribers, one more WATCH on the apiserver ({before} before)");
    eprintln!(
        "apiserver_longrunning_requests{{verb=WATCH,resource=configmaps,scope=namespace}}: {before} -> {with_ten}"
    );

    // The last subscriber leaves; after the linger the apiserver's watch is gone too.
    drop(streams);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !upstreams(&server, &ns.name).await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the upstream watch stops after the linger");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(settled_watches(&c).await, before, "the apiserver's WATCH count is back where it was");
}
