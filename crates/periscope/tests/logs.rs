//! Pod and workload logs against the real control plane, with kwok serving each pod its own
//! log files (periscope_testkit::podlogs): tail, since, follow, previous and container choice;
//! RBAC before any stream; workloads that scale while streamed, the pod cap and the user's
//! budget, Services and every workload kind; server-side filters and hostile regexes; a
//! reader that stalls; shared upstream streams; download; the audit row (and a trail that is
//! down does not stop a reader); ephemeral containers.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant, SystemTime},
};

use common::*;
use jiff::Timestamp;
use periscope_testkit::{
    PodLogs, Server, TestCluster, TestNamespace, cluster,
    podlogs::{LOGS_GATE, cri_line, kwok_placement, wait_pods},
    postgres, random_suffix,
    sse::{Sse, client, open, open_ok},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Objects in the test's namespace

/// A bare pod on the kwok nodes. `init` are init containers; `annotations` YAML flow map
/// entries (`a: b`); `labels` likewise.
fn create_pod(ns: &TestNamespace, name: &str, labels: &str, annotations: &str, init: &[&str], containers: &[&str]) {
    let list = |names: &[&str]| names.iter().map(|c| format!("{{name: {c}, image: x}}")).collect::<Vec<_>>().join(", ");
    let init = if init.is_empty() { String::new() } else { format!("  initContainers: [{}]\n", list(init)) };
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {}\n  labels: {{{labels}}}\n  \
         annotations: {{{annotations}}}\nspec:\n{}{init}  containers: [{}]\n",
        ns.name,
        kwok_placement(2),
        list(containers)
    );
    ns.cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
}

/// A pod of its own with logs for `containers`, `history` written to the first container's
/// log before it starts (the `Logs` object exists before the pod, so no race with kwok).
fn pod_with_logs(ns: &TestNamespace, name: &str, containers: &[&str], history: &[(SystemTime, &str)]) -> PodLogs {
    let logs = PodLogs::create(&ns.cluster, &ns.name, name, containers);
    logs.write_history(containers[0], history);
    create_pod(ns, name, "", "", &[], containers);
    logs.wait_served();
    logs
}

/// A Deployment whose pods (label `app=<name>`, container `app`) wait for [`LOGS_GATE`].
fn create_gated_deployment(ns: &TestNamespace, name: &str, replicas: usize) {
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: \
         {replicas}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: \
         {name}}}\n    spec:\n      schedulingGates: [{{name: {LOGS_GATE}}}]\n{}      containers: [{{name: app, image: \
         x}}]\n",
        kwok_placement(6),
        ns = ns.name
    );
    ns.cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
}

/// The pods of `selector` (once there are `count`) that `known` does not hold yet get logs of
/// their own (`hello from <pod>`, stamped now), are let start (`gated`) and are served by kwok.
/// Returns the names of the pods released now.
fn release(
    ns: &TestNamespace,
    selector: &str,
    count: usize,
    gated: bool,
    known: &mut BTreeMap<String, PodLogs>,
) -> Vec<String> {
    let fresh: Vec<String> =
        wait_pods(&ns.cluster, &ns.name, selector, count).into_iter().filter(|p| !known.contains_key(p)).collect();
    for pod in &fresh {
        let container = "app";
        let logs = PodLogs::create(&ns.cluster, &ns.name, pod, &[container]);
        logs.write_history(container, &[(SystemTime::now(), &format!("hello from {pod}"))]);
        if gated {
            logs.ungate();
        }
        known.insert(pod.clone(), logs);
    }
    for pod in &fresh {
        known[pod].wait_served();
    }
    fresh
}

/// A gated Deployment of `replicas` pods, each released with logs of its own.
fn deployment_with_logs(ns: &TestNamespace, name: &str, replicas: usize) -> BTreeMap<String, PodLogs> {
    create_gated_deployment(ns, name, replicas);
    let mut pods = BTreeMap::new();
    release(ns, &format!("app={name}"), replicas, true, &mut pods);
    pods
}

fn ts(t: SystemTime) -> Timestamp {
    Timestamp::try_from(t).expect("test times are in jiff's range")
}

fn ago(secs: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(secs)
}

// ---------------------------------------------------------------------------------------------
// URLs and the log stream

fn logs_url(server: &Server, kind: &str, ns: &str, name: &str, query: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        query.iter().map(|(k, v)| format!("{k}={}", periscope_testkit::agent::urlencode(v))).collect();
    let sep = if query.is_empty() { "" } else { "?" };
    server.url(&format!("/api/clusters/alpha/resources/{kind}/{ns}/{name}/logs{sep}{}", query.join("&")))
}

fn download_url(server: &Server, kind: &str, ns: &str, name: &str, query: &[(&str, &str)]) -> String {
    logs_url(server, kind, ns, name, query).replacen("/logs", "/logs/download", 1)
}

const POD: &str = "core/v1/pods";
const DEPLOYMENT: &str = "apps/v1/deployments";

/// One line frame.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    t: Timestamp,
    text: String,
    pod: Option<String>,
    container: Option<String>,
    truncated: bool,
}

/// One frame of a log stream.
#[derive(Debug)]
enum Frame {
    Line(Line),
    Meta(Value),
    Dropped,
    Done,
}

/// An open log stream: the `meta` frames seen so far, the `dropped` total, whether `done` came.
struct LogStream {
    sse: Sse,
    metas: Vec<Value>,
    dropped: u64,
    done: bool,
}

impl LogStream {
    /// Opens `url` (200 required); the first frame must be `meta`.
    async fn open(url: &str) -> LogStream {
        let mut stream = LogStream { sse: open_ok(&client(), url, None).await, metas: vec![], dropped: 0, done: false };
        match stream.frame(WAIT).await {
            Some(Frame::Meta(_)) => {}
            other => panic!("{url}: the first frame is meta, got {other:?}"),
        }
        stream
    }

    /// The next frame; `None` at the end of the stream or after `wait`. An `error` event fails
    /// the test.
    async fn frame(&mut self, wait: Duration) -> Option<Frame> {
        let event = self.sse.next(wait).await?;
        let data = event.data;
        Some(match event.event.as_str() {
            "message" => Frame::Line(Line {
                t: data["t"].as_str().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("t is RFC 3339: {data}")),
                text: data["l"].as_str().unwrap_or_else(|| panic!("a line frame has l: {data}")).to_string(),
                pod: data["p"].as_str().map(String::from),
                container: data["c"].as_str().map(String::from),
                truncated: data["x"] == true,
            }),
            "meta" => {
                self.metas.push(data.clone());
                Frame::Meta(data)
            }
            "dropped" => {
                let count = data["count"].as_u64().unwrap_or_else(|| panic!("dropped has a count: {data}"));
                self.dropped += count;
                Frame::Dropped
            }
            "done" => {
                self.done = true;
                Frame::Done
            }
            other => panic!("unexpected `{other}` event: {data}"),
        })
    }

    /// The next line; `None` once `done` came, the stream ended or nothing came within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Line> {
        let deadline = Instant::now() + wait;
        while !self.done {
            match self.frame(deadline.saturating_duration_since(Instant::now())).await? {
                Frame::Line(line) => return Some(line),
                Frame::Meta(_) | Frame::Dropped | Frame::Done => {}
            }
        }
        None
    }

    /// The next line, failing the test if none comes in time.
    async fn expect_line(&mut self, what: &str) -> Line {
        match self.next(WAIT).await {
            Some(line) => line,
            None => panic!("{what}: no line within {WAIT:?} (done: {})", self.done),
        }
    }

    /// Every line up to and including the first whose text is `text`.
    async fn until_text(&mut self, text: &str) -> Vec<Line> {
        let mut lines = Vec::new();
        loop {
            let line = self.expect_line(&format!("waiting for {text:?} after {lines:?}")).await;
            let last = line.text == text;
            lines.push(line);
            if last {
                return lines;
            }
        }
    }

    /// Every line until `done`, which must come in time.
    async fn rest_until_done(&mut self) -> Vec<Line> {
        let mut lines = Vec::new();
        while let Some(line) = self.next(WAIT).await {
            lines.push(line);
        }
        assert!(self.done, "the stream ends with `done` in time; lines so far: {lines:?}");
        lines
    }

    /// Reads (keeping the lines) until a `meta` frame satisfies `accept`; returns it and the lines.
    async fn until_meta(&mut self, accept: impl Fn(&Value) -> bool) -> (Value, Vec<Line>) {
        let mut lines = Vec::new();
        let deadline = Instant::now() + WAIT;
        loop {
            match self.frame(deadline.saturating_duration_since(Instant::now())).await {
                Some(Frame::Meta(meta)) if accept(&meta) => return (meta, lines),
                Some(Frame::Line(line)) => lines.push(line),
                Some(_) => {}
                None => panic!("no matching meta within {WAIT:?}; metas so far: {:?}", self.metas),
            }
        }
    }

    /// The latest `meta` frame.
    fn meta(&self) -> &Value {
        self.metas.last().expect("a stream starts with meta")
    }
}

/// A pod stream, non-follow: every line until `done`.
async fn history(server: &Server, kind: &str, ns: &str, name: &str, query: &[(&str, &str)]) -> Vec<Line> {
    let mut query = query.to_vec();
    query.push(("follow", "false"));
    LogStream::open(&logs_url(server, kind, ns, name, &query)).await.rest_until_done().await
}

fn texts(lines: &[Line]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

/// The pod names of a `meta` frame.
fn meta_pods(meta: &Value) -> BTreeSet<String> {
    meta["pods"]
        .as_array()
        .unwrap_or_else(|| panic!("meta has pods: {meta}"))
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_else(|| panic!("a meta pod has a name: {meta}")).to_string())
        .collect()
}

/// The omitted pods of a `meta` frame, name → reason.
fn meta_omitted(meta: &Value) -> BTreeMap<String, String> {
    meta["omitted"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|p| (p["name"].as_str().unwrap_or("").to_string(), p["reason"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A refusal before any stream: status and the envelope (not an event stream).
async fn refused(url: &str) -> (StatusCode, Value) {
    match open(&client(), url, None).await {
        Ok(_) => panic!("{url}: a stream opened"),
        Err(refusal) => refusal,
    }
}

fn assert_envelope(refusal: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(refusal.0, status, "{}", refusal.1);
    assert_eq!(refusal.1["code"], code, "{}", refusal.1);
    assert!(refusal.1["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", refusal.1);
}

/// The sum of every series of the metric `name` in `/api/metrics`.
async fn metric(server: &Server, name: &str) -> f64 {
    let text = server.http.get(server.url("/api/metrics")).send().await.expect("metrics").text().await.expect("text");
    text.lines()
        .filter(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{')))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Waits until `metric` equals `want` (it is a gauge that follows streams opening and closing).
async fn wait_metric(server: &Server, name: &str, want: f64) {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = metric(server, name).await;
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "{name} is {got}, not {want}, after {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .expect("VmRSS of the server")
}

fn admin(cluster: &TestCluster) -> Server {
    tier_server(cluster, "dave", &["sre"])
}

// ---------------------------------------------------------------------------------------------
// The fixture itself

#[tokio::test]
async fn kwok_serves_each_pod_its_own_log_files() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "kwoklogs");
    let logs = PodLogs::create(&alpha, &ns.name, "own", &["app", "init"]);
    logs.write_history("app", &[(ago(120), "first"), (ago(60), "second")]);
    logs.write_previous("app", &[(ago(600), "before the restart")]);
    std::fs::write(logs.current_file("init"), cri_line(ago(300), "init ran")).expect("write");
    create_pod(&ns, "own", "", "", &["init"], &["app"]);
    logs.wait_served();
    let kubectl = |args: &[&str]| {
        let mut all = vec!["-n", ns.name.as_str(), "logs", "own"];
        all.extend_from_slice(args);
        alpha.kubectl(&all)
    };
    assert_eq!(kubectl(&["-c", "app"]), "first\nsecond\n");
    assert_eq!(kubectl(&["-c", "app", "--tail=1"]), "second\n");
    assert_eq!(kubectl(&["-c", "app", "--since=90s"]), "second\n");
    assert_eq!(kubectl(&["-c", "app", "--previous"]), "before the restart\n");
    assert_eq!(kubectl(&["-c", "init"]), "init ran\n");
    // A line appended later is what a follower receives next (kubectl -f as the follower).
    let mut follower = std::process::Command::new(alpha.kubectl_binary())
        .arg("--kubeconfig")
        .arg(alpha.admin_kubeconfig())
        .args(["-n", &ns.name, "logs", "own", "-c", "app", "-f", "--tail=0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl logs -f");
    let stdout = follower.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The follower may attach after the first append; append until one arrives.
    let deadline = Instant::now() + WAIT;
    let got = loop {
        logs.append("app", "live");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            break line;
        }
        assert!(Instant::now() < deadline, "kubectl logs -f never received an appended line");
    };
    let _ = follower.kill();
    let _ = follower.wait();
    assert_eq!(got, "live");
}

// ---------------------------------------------------------------------------------------------
// Pod logs

#[tokio::test]
async fn pod_logs_tail_since_follow_previous_and_long_lines() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "podlogs");
    // Ten lines a minute apart, the newest a minute old.
    let written: Vec<(SystemTime, String)> = (0..10).map(|i| (ago(600 - i * 60), format!("history {i}"))).collect();
    let history_lines: Vec<(SystemTime, &str)> = written.iter().map(|(t, s)| (*t, s.as_str())).collect();
    let logs = pod_with_logs(&ns, "solo", &["app"], &history_lines);
    logs.write_previous("app", &[(ago(4000), "previous 0"), (ago(3900), "previous 1"), (ago(3800), "previous 2")]);
    let server = admin(&alpha);
    let get = |query: &'static [(&'static str, &'static str)]| history(&server, POD, &ns.name, "solo", query);

    // Whole history (the stream's default tail is 1000), with the written timestamps.
    let all = get(&[]).await;
    assert_eq!(
        all.iter().map(|l| (l.t, l.text.as_str())).collect::<Vec<_>>(),
        written.iter().map(|(t, s)| (ts(*t), s.as_str())).collect::<Vec<_>>()
    );
    assert!(all.iter().all(|l| !l.truncated), "{all:?}");
    assert_eq!(texts(&get(&[("tailLines", "3")]).await), ["history 7", "history 8", "history 9"]);
    assert_eq!(texts(&get(&[("tailLines", "0")]).await), Vec::<&str>::new());
    // Lines 7, 8 and 9 were 180, 120 and 60 s old when written, a few seconds ago; 6 was 240.
    assert_eq!(texts(&get(&[("sinceSeconds", "240")]).await), ["history 7", "history 8", "history 9"]);
    // Half-way between lines 4 and 5, in whole seconds as Kubernetes takes it.
    let since =
        Timestamp::from_second(ts(written[4].0 + Duration::from_secs(30)).as_second()).expect("time").to_string();
    let lines = history(&server, POD, &ns.name, "solo", &[("sinceTime", &since)]).await;
    assert_eq!(texts(&lines), ["history 5", "history 6", "history 7", "history 8", "history 9"], "since {since}");
    // The previous instance: its own file, and the stream ends without following.
    let mut previous = LogStream::open(&logs_url(&server, POD, &ns.name, "solo", &[("previous", "true")])).await;
    assert_eq!(texts(&previous.rest_until_done().await), ["previous 0", "previous 1", "previous 2"]);

    // Follow (the default): the start meta names the pod and container, then live lines.
    let mut live = LogStream::open(&logs_url(&server, POD, &ns.name, "solo", &[("tailLines", "0")])).await;
    assert_eq!(meta_pods(live.meta()), BTreeSet::from(["solo".to_string()]), "{}", live.meta());
    assert_eq!(live.meta()["pods"][0]["container"], "app", "{}", live.meta());
    // The upstream follow may attach a moment after the stream opened: append until a line
    // arrives, then every later line arrives exactly once, in order.
    let first = loop {
        logs.append("app", "probe");
        if let Some(line) = live.next(Duration::from_millis(500)).await {
            break line;
        }
        assert!(!live.done, "a follow stream does not end");
    };
    assert_eq!(first.text, "probe");
    let t1 = logs.append("app", "live one");
    let t2 = logs.append("app", "live two");
    let lines = live.until_text("live two").await;
    let lines: Vec<&Line> = lines.iter().filter(|l| l.text != "probe").collect();
    assert_eq!(
        lines.iter().map(|l| (l.t, l.text.as_str())).collect::<Vec<_>>(),
        [(ts(t1), "live one"), (ts(t2), "live two")]
    );
    // A line over 1 MiB is cut and marked; the stream goes on.
    let long = "x".repeat(1536 * 1024);
    logs.append("app", &long);
    let cut = live.expect_line("the long line").await;
    assert!(cut.truncated, "x: true on a cut line");
    assert!(cut.text.len() <= 1024 * 1024 && cut.text.len() >= 1000 * 1024, "cut near 1 MiB: {} bytes", cut.text.len());
    assert!(cut.text.bytes().all(|b| b == b'x'), "the start of the line is kept");
    logs.append("app", "after the long line");
    let after = live.expect_line("after the long line").await;
    assert_eq!((after.text.as_str(), after.truncated), ("after the long line", false));
    // Lines sharing a timestamp (a runtime splitting one write, a burst within a clock tick)
    // are all lines of their own.
    let now = SystemTime::now();
    logs.append_raw("app", &(1..=3).map(|i| cri_line(now, &format!("same time {i}"))).collect::<String>());
    logs.append("app", "after the same-time lines");
    let lines = live.until_text("after the same-time lines").await;
    assert_eq!(
        texts(&lines),
        ["same time 1", "same time 2", "same time 3", "after the same-time lines"],
        "every line sharing a timestamp arrives"
    );
}

#[tokio::test]
async fn tail_zero_follows_only_lines_written_after_the_stream_opened() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "tailzero");
    let logs = pod_with_logs(&ns, "fresh", &["app"], &[(ago(60), "old history")]);
    let server = admin(&alpha);
    // Written a moment before the stream opens: history, which tailLines=0 asks not to get.
    logs.append("app", "just before");
    let mut live = LogStream::open(&logs_url(&server, POD, &ns.name, "fresh", &[("tailLines", "0")])).await;
    let deadline = Instant::now() + WAIT;
    let first = loop {
        logs.append("app", "after");
        if let Some(line) = live.next(Duration::from_millis(500)).await {
            break line;
        }
        assert!(Instant::now() < deadline, "no live line");
    };
    assert_eq!(first.text, "after", "the first line of a tailLines=0 stream is one written after it opened");
}

#[tokio::test]
async fn container_choice_default_annotation_init_container_and_bad_requests() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "containers");
    let multi = PodLogs::create(&alpha, &ns.name, "multi", &["side", "app", "init"]);
    for c in ["side", "app", "init"] {
        multi.write_history(c, &[(ago(30), &format!("{c} says hi"))]);
    }
    create_pod(&ns, "multi", "", "kubectl.kubernetes.io/default-container: app", &["init"], &["side", "app"]);
    let plain = PodLogs::create(&alpha, &ns.name, "plain", &["first", "second"]);
    for c in ["first", "second"] {
        plain.write_history(c, &[(ago(30), &format!("{c} says hi"))]);
    }
    create_pod(&ns, "plain", "", "", &[], &["first", "second"]);
    multi.wait_served();
    plain.wait_served();
    let server = admin(&alpha);

    let mut stream = LogStream::open(&logs_url(&server, POD, &ns.name, "multi", &[("follow", "false")])).await;
    assert_eq!(stream.meta()["pods"][0]["container"], "app", "the annotation names the default: {}", stream.meta());
    assert_eq!(texts(&stream.rest_until_done().await), ["app says hi"]);
    for (c, want) in [("side", "side says hi"), ("app", "app says hi"), ("init", "init says hi")] {
        let lines = history(&server, POD, &ns.name, "multi", &[("container", c)]).await;
        assert_eq!(texts(&lines), [want], "container={c}");
    }
    assert_eq!(texts(&history(&server, POD, &ns.name, "plain", &[]).await), ["first says hi"], "no annotation: first");

    // An unknown container: 400 naming the containers there are.
    let refusal = refused(&logs_url(&server, POD, &ns.name, "multi", &[("container", "nope")])).await;
    assert_envelope(&refusal, StatusCode::BAD_REQUEST, "E_BAD_REQUEST");
    let message = refusal.1["message"].as_str().unwrap_or_default();
    assert!(message.contains("side") && message.contains("app"), "{message}");
    let listed: BTreeSet<&str> = refusal.1["details"]["containers"]
        .as_array()
        .expect("details.containers")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(listed, BTreeSet::from(["side", "app", "init"]), "init containers may be chosen, so they are listed");
    // Download refuses the same way, in the envelope.
    let response =
        server.http.get(download_url(&server, POD, &ns.name, "multi", &[("container", "nope")])).send().await;
    let response = response.expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.expect("envelope")["code"], "E_BAD_REQUEST");

    // A pod that is not there, a workload that is not there, a kind without logs, bad parameters.
    assert_envelope(
        &refused(&logs_url(&server, POD, &ns.name, "ghost", &[])).await,
        StatusCode::NOT_FOUND,
        "E_NOT_FOUND",
    );
    assert_envelope(
        &refused(&logs_url(&server, DEPLOYMENT, &ns.name, "ghost", &[])).await,
        StatusCode::NOT_FOUND,
        "E_NOT_FOUND",
    );
    assert_envelope(
        &refused(&logs_url(&server, "core/v1/configmaps", &ns.name, "kube-root-ca.crt", &[])).await,
        StatusCode::BAD_REQUEST,
        "E_BAD_REQUEST",
    );
    for bad in [
        [("tailLines", "abc")],
        [("tailLines", "-2")],
        [("sinceSeconds", "soon")],
        [("sinceTime", "yesterday")],
        [("level", "loud")],
        [("follow", "perhaps")],
    ] {
        let refusal = refused(&logs_url(&server, POD, &ns.name, "multi", &bad)).await;
        assert_envelope(&refusal, StatusCode::BAD_REQUEST, "E_BAD_REQUEST");
    }
}

#[tokio::test]
async fn an_ephemeral_container_is_chosen_by_name() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "ephemeral");
    let logs = PodLogs::create(&alpha, &ns.name, "debugged", &["app", "debugger"]);
    logs.write_history("app", &[(ago(30), "app says hi")]);
    logs.write_history("debugger", &[(ago(20), "debugger attached")]);
    create_pod(&ns, "debugged", "", "", &[], &["app"]);
    // What `kubectl debug` does: an ephemeral container added through its own subresource.
    let patch =
        r#"{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","targetContainerName":"app"}]}}"#;
    alpha.kubectl(&[
        "-n",
        &ns.name,
        "patch",
        "pod",
        "debugged",
        "--subresource=ephemeralcontainers",
        "--type=strategic",
        "-p",
        patch,
    ]);
    logs.wait_served();
    let server = admin(&alpha);

    let lines = history(&server, POD, &ns.name, "debugged", &[("container", "debugger")]).await;
    assert_eq!(texts(&lines), ["debugger attached"], "container=<ephemeral> streams its log");
    assert_eq!(
        texts(&history(&server, POD, &ns.name, "debugged", &[]).await),
        ["app says hi"],
        "the default stays the first container"
    );
    let refusal = refused(&logs_url(&server, POD, &ns.name, "debugged", &[("container", "nope")])).await;
    assert_envelope(&refusal, StatusCode::BAD_REQUEST, "E_BAD_REQUEST");
    let listed: BTreeSet<&str> = refusal.1["details"]["containers"]
        .as_array()
        .expect("details.containers")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from(["app", "debugger"]),
        "ephemeral containers are listed as choices: {}",
        refusal.1
    );
}

/// A Role that reads pods and Deployments but not `pods/log`.
fn pods_without_log_role(ns: &TestNamespace, user: &str) {
    let rbac = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: no-logs\n  namespace: {ns}\nrules:\n\
         - apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list, watch]\n\
         - apiGroups: [apps]\n  resources: [deployments, replicasets]\n  verbs: [get, list, watch]\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: no-logs\n  namespace: {ns}\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: no-logs\n\
         subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: {user}\n",
        ns = ns.name
    );
    ns.cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&rbac));
}

#[tokio::test]
async fn rbac_decides_before_any_stream_opens() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "logsrbac");
    let _logs = pod_with_logs(&ns, "guarded", &["app"], &[(ago(10), "secret-ish line")]);
    let pods = deployment_with_logs(&ns, "web", 1);

    // May read pods but not their logs: 403 in the envelope, for the stream and the download.
    let lena = format!("lena-{}", random_suffix());
    pods_without_log_role(&ns, &lena);
    let server = tier_server(&alpha, &lena, &["no-tier"]);
    let (status, pod) =
        server.get_json(&format!("/api/clusters/alpha/resources/core/v1/pods/{}/guarded", ns.name)).await;
    assert_eq!(status, StatusCode::OK, "lena may read the pod itself: {pod}");
    let refusal = refused(&logs_url(&server, POD, &ns.name, "guarded", &[])).await;
    assert_envelope(&refusal, StatusCode::FORBIDDEN, "E_FORBIDDEN");
    let response = server.http.get(download_url(&server, POD, &ns.name, "guarded", &[])).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.json::<Value>().await.expect("envelope")["code"], "E_FORBIDDEN");
    // A workload she may read: the stream opens, and its pods are reported, not streamed.
    let mut stream = LogStream::open(&logs_url(&server, DEPLOYMENT, &ns.name, "web", &[("follow", "false")])).await;
    let omitted = meta_omitted(stream.meta());
    assert!(meta_pods(stream.meta()).is_empty(), "{}", stream.meta());
    assert_eq!(omitted.values().collect::<Vec<_>>(), ["forbidden"], "{}", stream.meta());
    assert_eq!(omitted.keys().cloned().collect::<BTreeSet<_>>(), pods.keys().cloned().collect(), "{}", stream.meta());
    assert_eq!(stream.rest_until_done().await, vec![], "no line of a forbidden pod");

    // Nothing granted: the pod and the workload are refused.
    let nobody = tier_server(&alpha, &format!("nobody-{}", random_suffix()), &["no-tier"]);
    for (kind, name) in [(POD, "guarded"), (DEPLOYMENT, "web")] {
        let refusal = refused(&logs_url(&nobody, kind, &ns.name, name, &[])).await;
        assert_envelope(&refusal, StatusCode::FORBIDDEN, "E_FORBIDDEN");
    }

    // `view` includes pods/log: the same request is served.
    let vic = format!("vic-{}", random_suffix());
    ns.grant(&vic, "view");
    let viewer = tier_server(&alpha, &vic, &["no-tier"]);
    assert_eq!(texts(&history(&viewer, POD, &ns.name, "guarded", &[]).await), ["secret-ish line"]);
}

// ---------------------------------------------------------------------------------------------
// Workloads

/// Asserts every line is attributed to the pod its text names (`… <pod>`), container `app`.
fn assert_attributed(lines: &[Line]) {
    for line in lines {
        let pod = line.pod.as_deref().unwrap_or_else(|| panic!("workload lines carry p: {line:?}"));
        assert!(line.text.ends_with(pod), "line attributed to the wrong pod: {line:?}");
        assert_eq!(line.container.as_deref(), Some("app"), "workload lines carry c: {line:?}");
    }
}

#[tokio::test]
async fn a_deployment_scaled_up_and_down_while_streaming() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "scale");
    let mut pods = deployment_with_logs(&ns, "web", 1);
    let first = pods.keys().next().expect("one pod").clone();
    let server = admin(&alpha);
    let mut stream = LogStream::open(&logs_url(&server, DEPLOYMENT, &ns.name, "web", &[])).await;
    assert_eq!(meta_pods(stream.meta()), BTreeSet::from([first.clone()]), "{}", stream.meta());
    assert_eq!(stream.meta()["pods"][0]["container"], "app", "{}", stream.meta());
    assert!(
        stream.meta()["pods"][0]["node"].as_str().is_some_and(|n| n.starts_with("kwok-node-")),
        "{}",
        stream.meta()
    );
    assert_eq!(meta_omitted(stream.meta()), BTreeMap::new());
    let hello = stream.expect_line("the first pod's history").await;
    assert_eq!(
        (hello.text.as_str(), hello.pod.as_deref()),
        (format!("hello from {first}").as_str(), Some(first.as_str()))
    );
    assert_attributed(&[hello]);

    // Up to three: the new pods join (meta), and their first lines arrive, attributed.
    alpha.kubectl(&["-n", &ns.name, "scale", "deployment", "web", "--replicas=3"]);
    let joined = release(&ns, "app=web", 3, true, &mut pods);
    let all: BTreeSet<String> = pods.keys().cloned().collect();
    let (_, mut lines) = stream.until_meta(|m| meta_pods(m) == all).await;
    let mut waiting: BTreeSet<String> = joined.iter().map(|p| format!("hello from {p}")).collect();
    lines.retain(|l| waiting.contains(&l.text));
    while waiting.iter().any(|w| !lines.iter().any(|l| &l.text == w)) {
        let line = stream.expect_line(&format!("new pods' first lines {waiting:?}")).await;
        lines.push(line);
    }
    assert_attributed(&lines);
    // Live lines from every pod arrive once each.
    for pod in pods.keys() {
        pods[pod].append("app", &format!("live from {pod}"));
    }
    waiting = pods.keys().map(|p| format!("live from {p}")).collect();
    let mut live = Vec::new();
    while !waiting.is_empty() {
        let line = stream.expect_line(&format!("live lines {waiting:?}")).await;
        assert!(waiting.remove(&line.text) || !line.text.starts_with("live from"), "a line twice: {line:?}");
        live.push(line);
    }
    assert_attributed(&live);

    // Down to one: two pods leave (meta), and the one left keeps streaming.
    alpha.kubectl(&["-n", &ns.name, "scale", "deployment", "web", "--replicas=1"]);
    let (meta, _) = stream.until_meta(|m| meta_pods(m).len() == 1).await;
    let left = meta_pods(&meta).into_iter().next().expect("one pod");
    assert!(all.contains(&left), "{meta}");
    pods[&left].append("app", &format!("still here {left}"));
    let lines = stream.until_text(&format!("still here {left}")).await;
    assert_attributed(&lines);
}

#[tokio::test]
async fn the_pod_cap_the_user_budget_and_the_pods_filter_hold() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "cap");
    let pods = deployment_with_logs(&ns, "many", 4);
    let all: BTreeSet<String> = pods.keys().cloned().collect();

    // Cap 2: two pods streamed, two omitted for `limit`, and only the streamed pods' lines.
    let capped = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_LOGS_MAX_PODS", "2".into())]);
    let mut stream = LogStream::open(&logs_url(&capped, DEPLOYMENT, &ns.name, "many", &[("tailLines", "0")])).await;
    let streamed = meta_pods(stream.meta());
    let omitted = meta_omitted(stream.meta());
    assert_eq!(streamed.len(), 2, "{}", stream.meta());
    assert_eq!(omitted.values().filter(|r| *r == "limit").count(), 2, "{}", stream.meta());
    assert_eq!(streamed.iter().chain(omitted.keys()).cloned().collect::<BTreeSet<_>>(), all, "{}", stream.meta());
    // Append until the streamed pods' lines arrive (the follows may attach a moment late).
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + WAIT;
    while seen != streamed {
        assert!(Instant::now() < deadline, "lines of {streamed:?} after {WAIT:?}; got {seen:?}");
        for (pod, logs) in &pods {
            logs.append("app", &format!("round from {pod}"));
        }
        while let Some(line) = stream.next(Duration::from_millis(500)).await {
            let pod = line.pod.clone().expect("p");
            assert!(streamed.contains(&pod), "a line from a pod over the cap: {line:?}");
            assert_attributed(&[line]);
            seen.insert(pod);
        }
    }
    for (pod, logs) in &pods {
        logs.append("app", &format!("last from {pod}"));
    }
    while let Some(line) = stream.next(Duration::from_secs(2)).await {
        assert!(streamed.contains(line.pod.as_deref().expect("p")), "a line from a pod over the cap: {line:?}");
    }

    // `pods=` streams that subset; the rest are omitted as `filtered`.
    let chosen = all.iter().next().expect("a pod").clone();
    let mut stream =
        LogStream::open(&logs_url(&capped, DEPLOYMENT, &ns.name, "many", &[("pods", &chosen), ("follow", "false")]))
            .await;
    assert_eq!(meta_pods(stream.meta()), BTreeSet::from([chosen.clone()]), "{}", stream.meta());
    let omitted = meta_omitted(stream.meta());
    assert_eq!(omitted.len(), 3, "{}", stream.meta());
    assert!(omitted.values().all(|r| r == "filtered"), "{}", stream.meta());
    let lines = stream.rest_until_done().await;
    assert!(!lines.is_empty() && lines.iter().all(|l| l.pod.as_deref() == Some(chosen.as_str())), "{lines:?}");

    // A budget of 3 upstream streams for the user: the fourth pod is omitted for `budget`.
    let budget = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_LOGS_USER_UPSTREAMS", "3".into())]);
    let stream = LogStream::open(&logs_url(&budget, DEPLOYMENT, &ns.name, "many", &[])).await;
    assert_eq!(meta_pods(stream.meta()).len(), 3, "{}", stream.meta());
    assert_eq!(meta_omitted(stream.meta()).values().collect::<Vec<_>>(), ["budget"], "{}", stream.meta());
}

#[tokio::test]
async fn a_service_streams_the_pods_it_selects_merged_by_time_and_downloads_them() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "svclogs");
    let base = ago(120);
    let at = |i: u64| base + Duration::from_secs(i);
    let mut written: Vec<(SystemTime, String, &str)> = Vec::new();
    let mut kept = Vec::new();
    for (pod, offset) in [("a", 0), ("b", 1)] {
        let logs = PodLogs::create(&alpha, &ns.name, pod, &["app"]);
        let lines: Vec<(SystemTime, String)> =
            (0..4).map(|i| (at(offset + 2 * i), format!("line {} from {pod}", offset + 2 * i))).collect();
        logs.write_history("app", &lines.iter().map(|(t, s)| (*t, s.as_str())).collect::<Vec<_>>());
        written.extend(lines.into_iter().map(|(t, s)| (t, s, pod)));
        create_pod(&ns, pod, "app: front", "", &[], &["app"]);
        logs.wait_served();
        kept.push(logs);
    }
    let other = PodLogs::create(&alpha, &ns.name, "c", &["app"]);
    other.write_history("app", &[(at(3), "line from c")]);
    create_pod(&ns, "c", "app: back", "", &[], &["app"]);
    other.wait_served();
    let service = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: front\n  namespace: {}\nspec:\n  selector: {{app: front}}\n  \
         ports: [{{port: 80}}]\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&service));
    let server = admin(&alpha);

    let mut stream =
        LogStream::open(&logs_url(&server, "core/v1/services", &ns.name, "front", &[("follow", "false")])).await;
    assert_eq!(meta_pods(stream.meta()), BTreeSet::from(["a".to_string(), "b".to_string()]), "{}", stream.meta());
    let lines = stream.rest_until_done().await;
    written.sort_by_key(|(t, _, _)| *t);
    assert_eq!(
        lines.iter().map(|l| (l.t, l.text.as_str(), l.pod.as_deref().unwrap_or("-"))).collect::<Vec<_>>(),
        written.iter().map(|(t, s, p)| (ts(*t), s.as_str(), *p)).collect::<Vec<_>>(),
        "the two pods' lines merged by timestamp"
    );

    // The download: `<time> [<pod>] <text>`, the pods one after another.
    let response = server
        .http
        .get(download_url(&server, "core/v1/services", &ns.name, "front", &[]))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_string();
    assert!(disposition.contains(&format!("alpha_{}_", ns.name)) && disposition.contains("-front_"), "{disposition}");
    let body = response.text().await.expect("text");
    let got: Vec<(Timestamp, String, String)> = body
        .lines()
        .map(|l| {
            let (t, rest) = l.split_once(' ').unwrap_or_else(|| panic!("<time> [<pod>] <text>: {l:?}"));
            let (pod, text) = rest.split_once(' ').unwrap_or_else(|| panic!("<time> [<pod>] <text>: {l:?}"));
            let pod = pod.strip_prefix('[').and_then(|p| p.strip_suffix(']')).unwrap_or_else(|| panic!("[pod]: {l:?}"));
            (t.parse().unwrap_or_else(|e| panic!("{t}: {e}")), pod.to_string(), text.to_string())
        })
        .collect();
    let mut by_pod = got.clone();
    by_pod.sort_by(|x, y| (&x.1, x.0).cmp(&(&y.1, y.0)));
    let pods_in_order: Vec<&str> = got.iter().map(|g| g.1.as_str()).collect();
    assert!(
        pods_in_order.windows(2).filter(|w| w[0] != w[1]).count() == 1,
        "the pods one after another: {pods_in_order:?}"
    );
    let mut want: Vec<(Timestamp, String, String)> =
        written.iter().map(|(t, s, p)| (ts(*t), p.to_string(), s.clone())).collect();
    want.sort_by(|x, y| (&x.1, x.0).cmp(&(&y.1, y.0)));
    assert_eq!(by_pod, want, "{body}");
}

#[tokio::test]
async fn every_workload_kind_streams_its_own_pods() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "kinds");
    let placement = kwok_placement(6);
    let template = |name: &str| {
        format!(
            "  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n{placement}      containers: [{{name: app, \
             image: x}}]\n"
        )
    };
    let job_template = |name: &str| template(name).replace("    spec:\n", "    spec:\n      restartPolicy: Never\n");
    let manifest = format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: {ns}}}\nspec:\n  serviceName: db\n  \
         replicas: 1\n  selector: {{matchLabels: {{app: db}}}}\n{db}---\n\
         apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: {ns}}}\nspec:\n  selector: \
         {{matchLabels: {{app: agent}}}}\n{agent}---\n\
         apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: rs, namespace: {ns}}}\nspec:\n  replicas: 1\n  \
         selector: {{matchLabels: {{app: rs}}}}\n{rs}---\n\
         apiVersion: batch/v1\nkind: Job\nmetadata: {{name: once, namespace: {ns}}}\nspec:\n{once}---\n\
         apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: nightly, namespace: {ns}}}\nspec:\n  schedule: \"0 0 1 \
         1 *\"\n  suspend: true\n  jobTemplate:\n    spec:\n{nightly}",
        ns = ns.name,
        db = template("db"),
        agent = template("agent"),
        rs = template("rs"),
        once = job_template("once"),
        nightly = job_template("nightly").lines().map(|l| format!("    {l}\n")).collect::<String>(),
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    // Two runs of the CronJob; its logs are its latest Job's.
    alpha.kubectl(&["-n", &ns.name, "create", "job", "nightly-1", "--from=cronjob/nightly"]);
    let mut pods = BTreeMap::new();
    release(&ns, "batch.kubernetes.io/job-name=nightly-1", 1, false, &mut pods);
    // creationTimestamp has whole seconds: let the second run be visibly the later one.
    let created: Timestamp = alpha
        .kubectl(&["-n", &ns.name, "get", "job", "nightly-1", "-o", "jsonpath={.metadata.creationTimestamp}"])
        .parse()
        .expect("creationTimestamp");
    while Timestamp::now() < created + jiff::SignedDuration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    alpha.kubectl(&["-n", &ns.name, "create", "job", "nightly-2", "--from=cronjob/nightly"]);
    let latest: BTreeSet<String> =
        release(&ns, "batch.kubernetes.io/job-name=nightly-2", 1, false, &mut pods).into_iter().collect();
    let nodes = alpha.kubectl(&["get", "nodes", "-l", "type=kwok", "-o", "name"]).lines().count();
    let mut expected: Vec<(&str, &str, BTreeSet<String>)> = Vec::new();
    for (kind, name, count) in [
        ("apps/v1/statefulsets", "db", 1),
        ("apps/v1/daemonsets", "agent", nodes),
        ("apps/v1/replicasets", "rs", 1),
        ("batch/v1/jobs", "once", 1),
    ] {
        expected.push((
            kind,
            name,
            release(&ns, &format!("app={name}"), count, false, &mut pods).into_iter().collect(),
        ));
    }
    expected.push(("batch/v1/cronjobs", "nightly", latest));
    let server = admin(&alpha);
    for (kind, name, want) in expected {
        let mut stream = LogStream::open(&logs_url(&server, kind, &ns.name, name, &[("follow", "false")])).await;
        assert_eq!(meta_pods(stream.meta()), want, "{kind}/{name}: {}", stream.meta());
        let lines = stream.rest_until_done().await;
        assert_attributed(&lines);
        let from: BTreeSet<String> = lines.iter().filter_map(|l| l.pod.clone()).collect();
        assert_eq!(from, want, "{kind}/{name}: {lines:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Filters

#[tokio::test]
async fn filters_select_exactly_the_right_lines_and_hostile_regexes_are_answered() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "filters");
    // (text, level an operator reads in it)
    let corpus: [(&str, Option<&str>); 13] = [
        (r#"{"level":"info","msg":"started"}"#, Some("info")),
        (r#"{"level":"debug","msg":"cache warm"}"#, Some("debug")),
        (r#"{"severity":"ERROR","message":"db down"}"#, Some("error")),
        (r#"{"lvl":"warn","msg":"slow query"}"#, Some("warn")),
        (r#"{"loglevel":"fatal","msg":"giving up"}"#, Some("fatal")),
        (r#"{"level":"WARNING","msg":"python says"}"#, Some("warn")),
        (r#"level=warn msg="disk 91%""#, Some("warn")),
        (r#"time=2026-11-30T10:00:00Z level=error msg="GET /api/7 failed""#, Some("error")),
        ("level=trace msg=tick", Some("trace")),
        ("GET /api/42 200 OK", None),
        ("plain Error text without a level", None),
        (r#"{"msg":"no level key"}"#, None),
        ("a line mentioning level but not as a key", None),
    ];
    let written: Vec<(SystemTime, &str)> =
        corpus.iter().enumerate().map(|(i, (text, _))| (ago(100 - i as u64), *text)).collect();
    let logs = pod_with_logs(&ns, "noisy", &["app"], &written);
    let server = admin(&alpha);
    let select = |query: Vec<(&'static str, &'static str)>| {
        let (server, ns) = (&server, ns.name.clone());
        async move {
            texts(&history(server, POD, &ns, "noisy", &query).await).into_iter().map(String::from).collect::<Vec<_>>()
        }
    };
    let expect_where = |keep: &dyn Fn(&str, Option<&str>) -> bool| -> Vec<String> {
        corpus.iter().filter(|(t, l)| keep(t, *l)).map(|(t, _)| t.to_string()).collect()
    };
    let rank =
        |l: &str| ["trace", "debug", "info", "warn", "error", "fatal"].iter().position(|x| *x == l).expect("level");

    assert_eq!(select(vec![("q", "Error")]).await, expect_where(&|t, _| t.contains("Error")), "q is case-sensitive");
    assert_eq!(select(vec![("q", "GET")]).await, expect_where(&|t, _| t.contains("GET")));
    assert_eq!(select(vec![("regex", r"GET /api/\d+ 200")]).await, ["GET /api/42 200 OK"]);
    assert_eq!(select(vec![("regex", "^level=")]).await, expect_where(&|t, _| t.starts_with("level=")));
    for level in ["trace", "debug", "info", "warn", "error", "fatal"] {
        let want = expect_where(&|_, l| l.is_some_and(|l| rank(l) >= rank(level)));
        assert_eq!(select(vec![("level", level)]).await, want, "level={level}");
    }
    assert_eq!(
        select(vec![("level", "error"), ("q", "GET")]).await,
        [r#"time=2026-11-30T10:00:00Z level=error msg="GET /api/7 failed""#],
        "filters combine"
    );

    // Live lines are filtered too: only the error arrives.
    let mut live =
        LogStream::open(&logs_url(&server, POD, &ns.name, "noisy", &[("tailLines", "0"), ("level", "error")])).await;
    let deadline = Instant::now() + WAIT;
    let first = loop {
        logs.append("app", r#"{"level":"info","msg":"not this"}"#);
        logs.append("app", r#"{"level":"error","msg":"this"}"#);
        if let Some(line) = live.next(Duration::from_millis(500)).await {
            break line;
        }
        assert!(Instant::now() < deadline, "no live error line");
    };
    assert_eq!(first.text, r#"{"level":"error","msg":"this"}"#);

    // `(a+)+$` backtracks exponentially in a backtracking engine; here it is answered at once and right.
    let long = format!("{}b", "a".repeat(100_000));
    logs.append("app", &long);
    logs.append("app", "aaaa");
    let started = Instant::now();
    let lines = tokio::time::timeout(WAIT, history(&server, POD, &ns.name, "noisy", &[("regex", "(a+)+$")]))
        .await
        .expect("a catastrophic-for-backtracking regex does not stall the stream");
    assert_eq!(texts(&lines), ["aaaa"], "only the line that ends in a's matches");
    println!("(a+)+$ over a 100k-character line answered in {:?}", started.elapsed());

    // Too big, too expensive to compile, or not a regex: 400 before the stream, server unharmed.
    let huge = "a".repeat(2048);
    for pattern in [huge.as_str(), r"(?:\w{1000}){1000}", "(unclosed", r"\p{NoSuchClass}"] {
        let refusal = refused(&logs_url(&server, POD, &ns.name, "noisy", &[("regex", pattern)])).await;
        assert_envelope(&refusal, StatusCode::BAD_REQUEST, "E_BAD_REQUEST");
    }
    let (status, _) = server.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// A reader that stalls, shared upstreams

#[tokio::test]
async fn a_stalled_reader_gets_dropped_counts_and_server_memory_stays_bounded() {
    const LINES: usize = 96 * 1024;
    const LINE_BYTES: usize = 1024;
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "stalled");
    let logs = pod_with_logs(&ns, "firehose", &["app"], &[]);
    // Streams that stop moving are closed after the idle timeout; this reader stalls on purpose.
    let server = dev_server(&alpha, "dave", &["sre"], &[("PERISCOPE_HTTP_IDLE_TIMEOUT", "600s".into())]);
    let mut stream = LogStream::open(&logs_url(&server, POD, &ns.name, "firehose", &[("tailLines", "0")])).await;
    // Make sure the upstream follow is attached before the flood.
    let deadline = Instant::now() + WAIT;
    while stream.next(Duration::from_millis(500)).await.is_none() {
        assert!(Instant::now() < deadline, "the follow never attached");
        logs.append("app", "attach probe");
    }
    while stream.next(Duration::from_millis(500)).await.is_some() {}
    let rss_start = rss_kib(server.pid());
    let dropped_before = metric(&server, "periscope_log_dropped_total").await;

    // From here the reader reads nothing: 96 MiB of numbered lines go into the pod's log.
    let filler = "f".repeat(LINE_BYTES - 32);
    let mut peak = rss_start;
    for chunk in 0..LINES / 1024 {
        // Distinct times, as a container's lines have (lines sharing one are tested apart).
        let now = SystemTime::now();
        let block: String = (0..1024)
            .map(|i| cri_line(now + Duration::from_nanos(i as u64), &format!("flood {:06} {filler}", chunk * 1024 + i)))
            .collect();
        logs.append_raw("app", &block);
        peak = peak.max(rss_kib(server.pid()));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while metric(&server, "periscope_log_dropped_total").await <= dropped_before {
        peak = peak.max(rss_kib(server.pid()));
        assert!(Instant::now() < deadline, "no line was dropped for a reader that reads nothing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the rest of the flood reach the server while the reader still stalls.
    let settle = Instant::now() + Duration::from_secs(5);
    while Instant::now() < settle {
        peak = peak.max(rss_kib(server.pid()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let growth_mib = peak.saturating_sub(rss_start) / 1024;
    println!("stalled reader: RSS {} MiB at start, peak +{growth_mib} MiB over a 96 MiB flood", rss_start / 1024);
    assert!(growth_mib < 48, "server memory grew {growth_mib} MiB for one stalled reader of a 96 MiB flood");

    // Reading again: what was kept arrives in order, the rest is counted in `dropped`.
    logs.append("app", "the end");
    let mut received = 0usize;
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the end marker never arrived");
        let line = stream.expect_line("the rest of the flood").await;
        if line.text == "the end" {
            break;
        }
        let n: usize = line.text.split(' ').nth(1).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{line:?}"));
        assert!(last.is_none_or(|l| n > l), "lines stay in order: {n} after {last:?}");
        last = Some(n);
        received += 1;
    }
    assert!(stream.dropped > 0, "the reader was told that lines were dropped");
    assert_eq!(received as u64 + stream.dropped, LINES as u64, "every line is either delivered or counted as dropped");
}

#[tokio::test]
async fn viewers_with_one_identity_share_one_upstream_stream() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "sharelogs");
    let logs = PodLogs::create(&alpha, &ns.name, "shared", &["app", "side"]);
    logs.write_history("app", &[(ago(10), "before anyone looked")]);
    create_pod(&ns, "shared", "", "", &[], &["app", "side"]);
    logs.wait_served();
    let server = admin(&alpha);
    let url = logs_url(&server, POD, &ns.name, "shared", &[]);
    let mut first = LogStream::open(&url).await;
    assert_eq!(first.expect_line("history").await.text, "before anyone looked");
    let mut second = LogStream::open(&url).await;
    assert_eq!(second.expect_line("history for the second viewer too").await.text, "before anyone looked");
    wait_metric(&server, "periscope_log_viewers", 2.0).await;
    assert_eq!(metric(&server, "periscope_log_upstreams").await, 1.0, "two viewers, one upstream follow");
    let deadline = Instant::now() + WAIT;
    let mut seen = [false, false];
    while seen != [true, true] {
        assert!(Instant::now() < deadline, "both viewers receive live lines: {seen:?}");
        logs.append("app", "for both");
        for (i, viewer) in [&mut first, &mut second].into_iter().enumerate() {
            if let Some(line) = viewer.next(Duration::from_millis(300)).await {
                assert_eq!(line.text, "for both");
                seen[i] = true;
            }
        }
    }
    // Another container is another upstream.
    let _third = LogStream::open(&logs_url(&server, POD, &ns.name, "shared", &[("container", "side")])).await;
    wait_metric(&server, "periscope_log_viewers", 3.0).await;
    wait_metric(&server, "periscope_log_upstreams", 2.0).await;
    drop((first, second));
    wait_metric(&server, "periscope_log_upstreams", 1.0).await;
}

// ---------------------------------------------------------------------------------------------
// Download and audit

fn assert_file_name(disposition: &str, ns: &str, kind_and_name: &str, extension: &str) {
    let prefix = format!("attachment; filename=\"alpha_{ns}_");
    let name = disposition
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(&format!("{extension}\"")))
        .unwrap_or_else(|| panic!("{disposition}"));
    let (object, stamp) = name.rsplit_once('_').unwrap_or_else(|| panic!("{disposition}"));
    assert_eq!(object.to_lowercase(), kind_and_name, "{disposition}");
    let stamp = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", stamp)
        .and_then(|t| t.to_datetime())
        .unwrap_or_else(|e| panic!("YYYYMMDDTHHMMSSZ in {disposition}: {e}"));
    let age = jiff::Timestamp::now().duration_since(stamp.to_zoned(jiff::tz::TimeZone::UTC).expect("UTC").timestamp());
    assert!(age.as_secs().abs() < 300, "the file name carries the time of the download: {disposition}");
}

#[tokio::test]
async fn download_as_text_and_gzip() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "download");
    let written: Vec<(SystemTime, String)> =
        (0..1200u64).map(|i| (ago(2000) + Duration::from_millis(i * 10), format!("entry {i}"))).collect();
    let lines: Vec<(SystemTime, &str)> = written.iter().map(|(t, s)| (*t, s.as_str())).collect();
    let _logs = pod_with_logs(&ns, "chatty", &["app"], &lines);
    let server = admin(&alpha);

    let download = |query: &'static [(&'static str, &'static str)], content_type: &'static str, extension| {
        let url = download_url(&server, POD, &ns.name, "chatty", query);
        let (http, ns) = (server.http.clone(), ns.name.clone());
        async move {
            let response = http.get(url).send().await.expect("download");
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["content-type"], content_type);
            let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_string();
            assert_file_name(&disposition, &ns, "pod-chatty", extension);
            response.bytes().await.expect("body")
        }
    };
    let text = String::from_utf8(download(&[], "text/plain; charset=utf-8", ".log").await.to_vec()).expect("UTF-8");
    let got: Vec<(Timestamp, &str)> = text
        .lines()
        .map(|l| {
            let (t, rest) = l.split_once(' ').unwrap_or_else(|| panic!("<time> <text>: {l:?}"));
            (t.parse().unwrap_or_else(|e| panic!("{t}: {e}")), rest)
        })
        .collect();
    assert_eq!(got, written.iter().map(|(t, s)| (ts(*t), s.as_str())).collect::<Vec<_>>(), "all lines, no tail");
    // The stream's default tail is 1000; the download has no tail unless asked.
    assert_eq!(history(&server, POD, &ns.name, "chatty", &[]).await.len(), 1000);
    let tail = server.http.get(download_url(&server, POD, &ns.name, "chatty", &[("tailLines", "10")])).send().await;
    let tail = tail.expect("download").text().await.expect("body");
    assert_eq!(tail.lines().count(), 10, "{tail}");
    assert!(tail.lines().last().is_some_and(|l| l.ends_with(" entry 1199")), "{tail}");

    let gz = download(&[("format", "gzip")], "application/gzip", ".log.gz").await;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("logs.gz"), &gz).expect("write");
    let out = std::process::Command::new("gzip").arg("-dc").arg(dir.path().join("logs.gz")).output().expect("gzip -dc");
    assert!(out.status.success(), "a valid gzip file: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).expect("UTF-8"), text, "gzip holds the same text");

    let response = server
        .http
        .get(download_url(&server, POD, &ns.name, "chatty", &[("format", "zip")]))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.expect("envelope")["code"], "E_BAD_REQUEST");
}

#[tokio::test]
async fn opening_logs_writes_a_log_open_audit_row() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "logaudit");
    let _logs = pod_with_logs(&ns, "watched", &["app"], &[(ago(5), "hello")]);
    let server = admin(&alpha);
    history(&server, POD, &ns.name, "watched", &[("q", "hel"), ("tailLines", "5"), ("level", "info")]).await;
    let response =
        server.http.get(download_url(&server, POD, &ns.name, "watched", &[])).send().await.expect("download");
    assert_eq!(response.status(), StatusCode::OK);

    // Each open is an intent row (with the parameters in `extra`) and an outcome row.
    let deadline = Instant::now() + WAIT;
    let rows = loop {
        let (status, trail) = server.get_json("/api/audit?verb=log_open&limit=500").await;
        assert_eq!(status, StatusCode::OK, "{trail}");
        let rows: Vec<Value> = trail["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|r| r["resource"]["namespace"] == ns.name.as_str())
            .cloned()
            .collect();
        if rows.iter().filter(|r| r["phase"] == "outcome").count() == 2 {
            break rows;
        }
        assert!(Instant::now() < deadline, "log_open rows after {WAIT:?}: {trail}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(rows.len(), 4, "{rows:?}");
    for row in &rows {
        assert_eq!(row["verb"], "log_open", "{row}");
        assert_eq!(row["cluster"], "alpha", "{row}");
        assert_eq!(row["actor"]["sub"], "dave", "{row}");
        assert_eq!(row["resource"]["resource"], "pods", "{row}");
        assert_eq!(row["resource"]["name"], "watched", "{row}");
        if row["phase"] == "outcome" {
            assert_eq!(row["outcome"], "success", "{row}");
        }
    }
    let intents: Vec<&Value> = rows.iter().filter(|r| r["phase"] == "intent").collect();
    let stream = intents.iter().find(|r| r["extra"]["download"].is_null()).expect("the stream's row");
    let extra = &stream["extra"];
    assert_eq!(
        (&extra["q"], &extra["tailLines"], &extra["level"], &extra["follow"], &extra["previous"]),
        (&json!("hel"), &json!(5), &json!("info"), &json!(false), &json!(false)),
        "{stream}"
    );
    for key in ["container", "sinceSeconds", "regex", "pods"] {
        assert!(extra.get(key).is_some(), "extra.{key} is recorded: {stream}");
    }
    let download = intents.iter().find(|r| !r["extra"]["download"].is_null()).expect("the download's row");
    assert_eq!(download["extra"]["download"], "text", "{download}");
}

#[tokio::test]
async fn with_the_trail_down_logs_still_open() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "logs-noaudit");
    let logs = pod_with_logs(&ns, "calm", &["app"], &[(ago(5), "read me anyway")]);
    let pg = postgres::PrivatePostgres::start();
    let env = [("PERISCOPE_AUDIT_SINKS", "postgres".to_string()), ("PERISCOPE_AUDIT_POSTGRES_DSN", pg.dsn.clone())];
    let server = dev_server(&alpha, "dave", &["sre"], &env);
    pg.stop();
    // log_open is not mutating: a trail that cannot take its row does not stop the reader.
    assert_eq!(texts(&history(&server, POD, &ns.name, "calm", &[]).await), ["read me anyway"]);
    let mut live = LogStream::open(&logs_url(&server, POD, &ns.name, "calm", &[("tailLines", "0")])).await;
    let deadline = Instant::now() + WAIT;
    while live.next(Duration::from_millis(500)).await.is_none() {
        assert!(Instant::now() < deadline, "no live line with the trail down");
        logs.append("app", "still streaming");
    }
    let response = server.http.get(download_url(&server, POD, &ns.name, "calm", &[])).send().await.expect("download");
    assert_eq!(response.status(), StatusCode::OK, "the download too");
}
