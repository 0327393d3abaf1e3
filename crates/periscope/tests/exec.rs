//! Exec against the real apiserver and kwok's ClusterExec (commands run on this machine under
//! a pty): a round trip through a shell, resize, exit codes and the audit rows; every refusal
//! before the upgrade; the timers (idle, heartbeat, deadline); caps; the live session list;
//! recordings (byte-for-byte replay, input only when enabled, scopes, a kill -9 mid-session);
//! with the audit trail down no shell opens (exec_open is fail-closed).

mod common;

use std::{
    future::Future,
    time::{Duration, Instant},
};

use common::*;
use periscope_testkit::{
    Idp, IdpOptions, Server, ServerOptions, TestCluster, TestNamespace, UserAgent,
    agent::set_cookie_value,
    cluster,
    exec::{self, Terminal, command_param, running_pod},
    free_port, postgres,
};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// An interactive bash without rc files (a plain prompt, nothing printed at start). kwok does
/// not stop a command when its exec stream ends, so the shell leaves by itself after two idle
/// minutes (`TMOUT`) instead of staying on this machine.
const BASH: &[&str] = &["env", "TMOUT=120", "bash", "--norc", "--noprofile", "-i"];

fn exec_url(server: &Server, ns: &str, pod: &str, query: &str) -> String {
    exec::exec_url(&server.base_url, "alpha", ns, pod, query)
}

/// The query of a session running `argv` in container `shell`.
fn shell_query(argv: &[&str]) -> String {
    format!("container=shell&command={}", command_param(argv))
}

/// Opens `argv` in `ns/pod` (container `shell`) with extra `headers` and waits for `hello`.
async fn open_as(server: &Server, ns: &TestNamespace, pod: &str, argv: &[&str], headers: &[(&str, &str)]) -> Terminal {
    let url = exec_url(server, &ns.name, pod, &shell_query(argv));
    let mut term = Terminal::open(&url, &server.base_url, headers)
        .await
        .unwrap_or_else(|refusal| panic!("the terminal opens: {refusal:?}; server: {}", server.logs()));
    assert!(term.hello(WAIT).await, "hello frame: {:?}; server: {}", term.controls, server.logs());
    term
}

/// [`open_as`] with bash and no extra headers (dev-mode servers sign everyone in).
async fn open_shell(server: &Server, ns: &TestNamespace, pod: &str) -> Terminal {
    open_as(server, ns, pod, BASH, &[]).await
}

/// The status and envelope of an upgrade the server refused; panics when it upgraded.
async fn refused(server: &Server, url: &str, origin: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, body) = match Terminal::open(url, origin, headers).await {
        Ok(_) => panic!("{url} upgraded; it should have been refused"),
        Err(refusal) => refusal,
    };
    assert_ne!(status, 0, "no HTTP answer: {body}; server: {}", server.logs());
    (status, body)
}

/// GETs `path` with `http` (a dev server's client or a signed-in agent's).
async fn get(http: &reqwest::Client, server: &Server, path: &str) -> (u16, Value) {
    let response = http.get(server.url(path)).send().await.expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// GETs `path` and returns the raw body.
async fn get_text(http: &reqwest::Client, server: &Server, path: &str) -> (u16, String) {
    let response = http.get(server.url(path)).send().await.expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn delete(http: &reqwest::Client, server: &Server, path: &str) -> (u16, Value) {
    let response = http.delete(server.url(path)).send().await.expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Audit rows of `verb` the caller may read.
async fn audit_rows(http: &reqwest::Client, server: &Server, verb: &str) -> Vec<Value> {
    let (status, body) = get(http, server, &format!("/api/audit?verb={verb}&limit=500")).await;
    assert_eq!(status, 200, "audit query: {body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

/// Polls `probe` every 100 ms until it gives a value; panics naming `what` after [`WAIT`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `exec_close` row of session `id`, once written.
async fn close_row(http: &reqwest::Client, server: &Server, id: &str) -> Value {
    eventually(&format!("the exec_close row of {id}"), || async {
        audit_rows(http, server, "exec_close").await.into_iter().find(|r| r["extra"]["session_id"] == id)
    })
    .await
}

/// The first intent row among `rows` that `is_intent` accepts, and the outcome row of the
/// same request.
fn intent_and_outcome(rows: &[Value], is_intent: impl Fn(&Value) -> bool) -> (Value, Value) {
    let intent = rows
        .iter()
        .find(|r| r["phase"] == "intent" && is_intent(r))
        .unwrap_or_else(|| panic!("an intent row: {rows:?}"));
    let outcome = rows
        .iter()
        .find(|r| r["phase"] == "outcome" && r["requestId"] == intent["requestId"])
        .unwrap_or_else(|| panic!("the outcome row of {intent}: {rows:?}"));
    (intent.clone(), outcome.clone())
}

/// The open sessions the caller sees.
async fn session_ids(http: &reqwest::Client, server: &Server) -> Vec<String> {
    let (status, body) = get(http, server, "/api/exec/sessions").await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").iter().filter_map(|s| s["id"].as_str().map(String::from)).collect()
}

/// Waits until the caller's session list no longer holds `id`.
async fn until_gone(http: &reqwest::Client, server: &Server, id: &str) {
    eventually(&format!("session {id} to leave the list"), || async {
        (!session_ids(http, server).await.iter().any(|s| s == id)).then_some(())
    })
    .await
}

/// The events of an asciicast v2 file after its header: `(time, code, data)`.
fn cast_events(cast: &str) -> (Value, Vec<(f64, String, String)>) {
    let mut lines = cast.lines();
    let header: Value = serde_json::from_str(lines.next().expect("a header line")).expect("the header is JSON");
    let events = lines
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("event line {l:?}: {e}"));
            let time = e[0].as_f64().expect("event time");
            (time, e[1].as_str().expect("event code").to_string(), e[2].as_str().expect("event data").to_string())
        })
        .collect();
    (header, events)
}

/// The concatenated data of the events of `code` (`o` output, `i` input).
fn replayed(events: &[(f64, String, String)], code: &str) -> Vec<u8> {
    events.iter().filter(|e| e.1 == code).flat_map(|e| e.2.as_bytes().to_vec()).collect()
}

/// A dev-mode server as `subject` whose clusters.yaml gives alpha (through the bridge) the
/// `exec:` block `exec` (a YAML flow mapping), with extra environment.
fn exec_server(alpha: &TestCluster, subject: &str, exec: &str, env: &[(&str, String)]) -> Server {
    let clusters = format!("clusters:\n{}    exec: {exec}\n", kubeconfig_entry("alpha", &alpha.bridge_kubeconfig()));
    let mut options = configured_server(clusters, dev_auth(subject, &[], TIER_AUTHZ));
    options.env = env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    Server::start(binary(), options)
}

/// An OIDC server on alpha with alice (no tier), carol (no groups) and dave (sre: audit admin)
/// signed in; each agent with its session cookie header value.
struct ThreeUsers {
    _idp: Idp,
    server: Server,
    alice: (UserAgent, String),
    carol: (UserAgent, String),
    dave: (UserAgent, String),
}

async fn three_users(alpha: &TestCluster) -> ThreeUsers {
    let idp = Idp::start(IdpOptions::default());
    let port = free_port();
    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some(bridge_clusters(alpha)),
            auth_yaml: Some(oidc_auth(&idp.issuer, port, "", "")),
            env: vec![],
            port: Some(port),
        },
    );
    let mut signed_in = Vec::new();
    for account in ["alice", "carol", "dave"] {
        let agent = UserAgent::new();
        let done = agent.sign_in(&server.base_url, "/", account).await;
        let cookie = set_cookie_value(&done, "periscope_session")
            .unwrap_or_else(|| panic!("{account} has a session cookie: {done:?}"))
            .to_string();
        signed_in.push((agent, format!("periscope_session={cookie}")));
    }
    let dave = signed_in.pop().expect("three");
    let carol = signed_in.pop().expect("three");
    let alice = signed_in.pop().expect("three");
    ThreeUsers { _idp: idp, server, alice, carol, dave }
}

#[tokio::test]
async fn a_shell_round_trip_resizes_and_reports_its_exit_code() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[]);
    let mut term = open_shell(&server, &ns, "box").await;
    assert_eq!(term.control_of("hello").unwrap()["container"], "shell");
    assert_eq!(term.control_of("hello").unwrap()["recordInput"], false);
    let id = term.session_id();

    term.send("echo hel''lo\n").await;
    assert!(term.output_contains(WAIT, "hello").await, "output: {}", term.text());

    term.control(json!({"type": "resize", "cols": 123, "rows": 45})).await;
    // The size and the keystrokes travel apart upstream (kube's resize channel and stdin), so
    // `stty size` may run before the size lands: ask again until it reports it, with a deadline.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        term.send("stty size\n").await;
        if term.output_contains(Duration::from_secs(2), "45 123").await {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "stty size after resize: {}", term.text());
    }

    term.send("exit 3\n").await;
    let closed = term.closed(WAIT).await.expect("a closed frame");
    assert_eq!(closed["reason"], "container_exit", "{closed}; server: {}", server.logs());
    assert_eq!(closed["exitCode"], 3, "{closed}");

    let row = close_row(&server.http, &server, &id).await;
    assert_eq!(row["phase"], "outcome", "{row}");
    assert_eq!(row["outcome"], "success", "{row}");
    assert_eq!(row["reason"], "container_exit", "{row}");
    assert_eq!(row["cluster"], "alpha", "{row}");
    assert_eq!(row["actor"]["sub"], "alice", "{row}");
    let extra = &row["extra"];
    assert_eq!(extra["exit_code"], 3, "{row}");
    assert_eq!(extra["transport"], "websocket", "{row}");
    assert_eq!(extra["bytes_stdin"], term.bytes_sent, "every byte typed is counted: {row}");
    assert_eq!(extra["bytes_stdout"], term.output.len() as u64, "every byte received is counted: {row}");
    assert!(extra["duration_ms"].as_u64().is_some_and(|d| d > 0), "{row}");
    assert_eq!(extra["recording"]["id"], id.as_str(), "the row links the recording: {row}");

    let rows = audit_rows(&server.http, &server, "exec_open").await;
    let (intent, opened) = intent_and_outcome(&rows, |r| r["extra"]["session_id"] == id.as_str());
    assert_eq!(intent["extra"]["container"], "shell", "{intent}");
    assert_eq!(intent["extra"]["tty"], true, "{intent}");
    assert_eq!(intent["extra"]["command"], json!(BASH), "{intent}");
    assert_eq!(opened["outcome"], "success", "{opened}");
    // Stdin never goes into a row; only the argv does.
    let (_, trail) = get_text(&server.http, &server, "/api/audit?limit=500").await;
    assert!(!trail.contains("hel''lo"), "typed input in the audit trail: {trail}");
}

#[tokio::test]
async fn the_default_command_is_bash_and_tty_false_merges_stdout_and_stderr() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-default");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[]);

    // No command: the probe's `sh -c 'command -v bash … && exec bash; exec sh'` finds bash.
    let url = exec_url(&server, &ns.name, "box", "container=shell");
    let mut term = Terminal::open(&url, &server.base_url, &[]).await.expect("the default shell opens");
    assert!(term.hello(WAIT).await, "{:?}", term.controls);
    term.send("echo \"shell=${BASH_VERSION:+bash}\"\n").await;
    assert!(term.output_contains(WAIT, "shell=bash").await, "the default shell is bash: {}", term.text());
    term.send("exit\n").await;
    let closed = term.closed(WAIT).await.expect("closed");
    assert_eq!(closed["reason"], "completed", "{closed}");
    assert_eq!(closed["exitCode"], 0, "{closed}");

    // Without a tty there is stdout and stderr, both as output frames.
    let argv = ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 0"];
    let url = exec_url(&server, &ns.name, "box", &format!("{}&tty=false", shell_query(&argv)));
    let mut term = Terminal::open(&url, &server.base_url, &[]).await.expect("a non-tty command opens");
    let closed = term.closed(WAIT).await.expect("closed");
    assert_eq!(closed["reason"], "completed", "{closed}; output {}", term.text());
    assert!(term.text().contains("to-stdout") && term.text().contains("to-stderr"), "{}", term.text());

    // An explicit command that exits 127 at once is just an exit: the no-shell answer is only
    // for the default command's probe.
    let mut term = open_as(&server, &ns, "box", &["sh", "-c", "exit 127"], &[]).await;
    let closed = term.closed(WAIT).await.expect("closed");
    assert_eq!(closed["reason"], "container_exit", "{closed}");
    assert_eq!(closed["exitCode"], 127, "{closed}");
    assert!(term.control_of("error").is_none(), "no E_NO_SHELL for an explicit command: {:?}", term.controls);
}

#[tokio::test]
async fn refusals_come_before_the_upgrade_in_the_envelope() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-refuse");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[]);
    let origin = server.base_url.clone();
    let bash = shell_query(BASH);
    let not_json = "not-base64!!";
    let empty = command_param(&[]);
    let object = base64_url(r#"{"argv":["sh"]}"#);
    let cases = [
        ("unknown pod", exec_url(&server, &ns.name, "nope", &bash), origin.as_str(), 404, "E_NOT_FOUND"),
        (
            "unknown container",
            exec_url(&server, &ns.name, "box", &format!("container=nope&command={}", command_param(BASH))),
            &origin,
            404,
            "E_NOT_FOUND",
        ),
        (
            "command not base64",
            exec_url(&server, &ns.name, "box", &format!("command={not_json}")),
            &origin,
            400,
            "E_BAD_REQUEST",
        ),
        (
            "empty command",
            exec_url(&server, &ns.name, "box", &format!("command={empty}")),
            &origin,
            400,
            "E_BAD_REQUEST",
        ),
        (
            "command not an array",
            exec_url(&server, &ns.name, "box", &format!("command={object}")),
            &origin,
            400,
            "E_BAD_REQUEST",
        ),
        (
            "unknown parameter",
            exec_url(&server, &ns.name, "box", &format!("{bash}&colour=red")),
            &origin,
            400,
            "E_BAD_REQUEST",
        ),
        ("cross-origin", exec_url(&server, &ns.name, "box", &bash), "https://evil.example", 403, "E_ORIGIN"),
    ];
    for (what, url, origin, status, code) in cases {
        let (got, body) = refused(&server, &url, origin, &[]).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{what}: {body}; server: {}", server.logs());
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: the envelope has a message: {body}");
    }
    let (_, body) = refused(&server, &exec_url(&server, &ns.name, "box", "container=nope"), &origin, &[]).await;
    assert!(body["message"].as_str().unwrap_or_default().contains("nope"), "names the container: {body}");

    // A plain GET (no upgrade) is refused too, and no refusal left a session open.
    let plain = exec_url(&server, &ns.name, "box", &bash).replacen("ws://", "http://", 1);
    let response = server.http.get(&plain).send().await.expect("request");
    assert_eq!(response.status().as_u16(), 400, "a non-WebSocket request");
    assert!(session_ids(&server.http, &server).await.is_empty());
    let opens = audit_rows(&server.http, &server, "exec_open").await;
    assert!(opens.is_empty(), "no refusal got as far as the intent row: {opens:?}");
}

#[tokio::test]
async fn with_the_trail_down_no_shell_opens() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-noaudit");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    // The trail (and the recordings) in a PostgreSQL that stops after the server started.
    let pg = postgres::PrivatePostgres::start();
    let env = [("PERISCOPE_AUDIT_SINKS", "postgres".to_string()), ("PERISCOPE_AUDIT_POSTGRES_DSN", pg.dsn.clone())];
    let server = dev_server(&alpha, "alice", &[], &env);
    pg.stop();
    // A shell that would leave a mark on this machine if it ran.
    let dir = tempfile::tempdir().expect("tmp");
    let marker = dir.path().join("ran");
    let argv = ["sh", "-c", &format!("touch {}", marker.display())];
    let url = exec_url(&server, &ns.name, "box", &shell_query(&argv));
    let (status, body) = refused(&server, &url, &server.base_url, &[]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("E_AUDIT_UNAVAILABLE")),
        "{body}; server: {}",
        server.logs()
    );
    assert!(session_ids(&server.http, &server).await.is_empty(), "no session was opened");
    assert!(!marker.exists(), "exec_open is fail-closed: without its intent row the command never ran");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn a_cluster_with_exec_disabled_refuses_with_e_exec_disabled() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-off");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = exec_server(&alpha, "alice", "{enabled: false}", &[]);
    let (_, clusters) = get(&server.http, &server, "/api/clusters").await;
    assert_eq!(clusters["clusters"][0]["execEnabled"], false, "{clusters}");
    let url = exec_url(&server, &ns.name, "box", &shell_query(BASH));
    let (status, body) = refused(&server, &url, &server.base_url, &[]).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("E_EXEC_DISABLED")), "{body}");
    assert_eq!(body["details"]["cluster"], "alpha", "{body}");
}

#[tokio::test]
async fn a_view_only_user_is_refused_by_rbac_before_the_upgrade() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-view");
    ns.grant("vic", "view");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "vic", &[], &[]);
    let (status, pod) =
        get(&server.http, &server, &format!("/api/clusters/alpha/resources/core/v1/pods/{}/box", ns.name)).await;
    assert_eq!(status, 200, "vic may read the pod: {pod}");
    let url = exec_url(&server, &ns.name, "box", &shell_query(BASH));
    let (status, body) = refused(&server, &url, &server.base_url, &[]).await;
    assert_eq!(status, 403, "create pods/exec is not in view: {body}; server: {}", server.logs());
    assert_eq!(body["code"], "E_FORBIDDEN", "{body}");
    assert!(session_ids(&server.http, &server).await.is_empty());
    // The attempt is on the trail: the intent, and an outcome that says it was denied.
    let rows = audit_rows(&server.http, &server, "exec_open").await;
    let (_, outcome) = intent_and_outcome(&rows, |_| true);
    assert_eq!(outcome["outcome"], "denied", "{outcome}");
    assert!(audit_rows(&server.http, &server, "exec_close").await.is_empty(), "no session, no close row");
}

#[tokio::test]
async fn caps_refuse_with_the_users_sessions_and_per_cluster() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-caps");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[("PERISCOPE_EXEC_MAX_SESSIONS_PER_USER", "2".into())]);
    let mut first = open_shell(&server, &ns, "box").await;
    let second = open_shell(&server, &ns, "box").await;
    let url = exec_url(&server, &ns.name, "box", &shell_query(BASH));
    let (status, body) = refused(&server, &url, &server.base_url, &[]).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("E_CAP_USER")), "{body}");
    assert_eq!(body["details"]["limit"], 2, "{body}");
    let mut active: Vec<String> = body["details"]["activeSessions"]
        .as_array()
        .unwrap_or_else(|| panic!("activeSessions: {body}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().to_string())
        .collect();
    active.sort();
    let mut open = vec![first.session_id(), second.session_id()];
    open.sort();
    assert_eq!(active, open, "the refusal lists the user's sessions: {body}");

    // Ending one frees its place.
    first.control(json!({"type": "close"})).await;
    let closed = first.closed(WAIT).await.expect("closed");
    assert_eq!(closed["reason"], "client", "{closed}");
    until_gone(&server.http, &server, &first.session_id()).await;
    let third = open_shell(&server, &ns, "box").await;
    assert_ne!(third.session_id(), second.session_id());
    drop((second, third));

    // The cluster's own cap (its exec block) counts everyone's sessions on that cluster.
    let small = exec_server(&alpha, "alice", "{maxSessionsTotal: 1}", &[]);
    let _only = open_shell(&small, &ns, "box").await;
    let url = exec_url(&small, &ns.name, "box", &shell_query(BASH));
    let (status, body) = refused(&small, &url, &small.base_url, &[]).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("E_CAP_CLUSTER")), "{body}");
    assert_eq!(body["details"]["limit"], 1, "{body}");
}

#[tokio::test]
async fn idle_sessions_are_warned_then_closed_and_typing_resets_the_clock() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-idle");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let env = [("PERISCOPE_EXEC_IDLE_SECONDS", "6".to_string()), ("PERISCOPE_EXEC_IDLE_WARN_SECONDS", "3".to_string())];
    let server = dev_server(&alpha, "alice", &[], &env);
    let mut term = open_shell(&server, &ns, "box").await;
    let id = term.session_id();

    assert!(term.until(WAIT, |t| t.control_of("idle_warn").is_some()).await, "a warning: {:?}", term.controls);
    let warn = term.control_of("idle_warn").cloned().expect("warned");
    assert!(warn["secondsRemaining"].as_u64().is_some_and(|s| (1..=3).contains(&s)), "{warn}");
    assert!(term.control_of("closed").is_none(), "warned before closing: {:?}", term.controls);

    // Typing during the warning: a full idle period starts again (without it the session
    // would close about 3 s after the warning).
    term.send("echo still''here\n").await;
    let typed = Instant::now();
    assert!(term.output_contains(WAIT, "stillhere").await, "{}", term.text());
    let closed = term.closed(WAIT).await.expect("closed after idling again");
    let lasted = typed.elapsed();
    assert_eq!(closed["reason"], "idle", "{closed}");
    assert!(lasted >= Duration::from_millis(4500), "the clock restarted at the keystroke: closed {lasted:?} after it");
    assert_eq!(term.controls_of("idle_warn").len(), 2, "warned again before the close: {:?}", term.controls);
    let row = close_row(&server.http, &server, &id).await;
    assert_eq!(row["reason"], "idle", "{row}");
}

#[tokio::test]
async fn pings_keep_a_session_alive_and_a_silent_browser_is_dropped() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-ping");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[("PERISCOPE_EXEC_HEARTBEAT_SECONDS", "1".into())]);
    let mut answering = open_shell(&server, &ns, "box").await;
    // This one reads but never answers a ping (a frozen tab).
    let mut silent = open_shell(&server, &ns, "box").await;
    silent.stop_answering();
    let silent_id = silent.session_id();

    // A pong is due 10 s after each 1 s interval; 13 pings answered outlast that.
    assert!(answering.until(WAIT, |t| t.pings >= 13).await, "pings: {}", answering.pings);
    assert!(answering.control_of("closed").is_none(), "an answering browser stays: {:?}", answering.controls);
    answering.send("echo a''live\n").await;
    assert!(answering.output_contains(WAIT, "alive").await, "{}", answering.text());

    let closed = silent.closed(WAIT).await.unwrap_or_else(|| {
        panic!("the silent browser's session closes: {:?} {}; server: {}", silent.controls, silent.pings, server.logs())
    });
    assert_eq!(closed["reason"], "heartbeat_timeout", "{closed}");
    assert!(silent.pings >= 1, "it was pinged");
    let row = close_row(&server.http, &server, &silent_id).await;
    assert_eq!(row["reason"], "heartbeat_timeout", "{row}");
}

#[tokio::test]
async fn a_session_ends_at_its_maximum_length() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-deadline");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = exec_server(&alpha, "alice", "{maxSessionSeconds: 3}", &[]);
    let opened = Instant::now();
    let mut term = open_shell(&server, &ns, "box").await;
    term.send("echo busy\n").await;
    let closed = term.closed(WAIT).await.expect("closed at the deadline");
    assert_eq!(closed["reason"], "deadline", "{closed}");
    assert!(opened.elapsed() >= Duration::from_millis(2900), "not before the deadline: {:?}", opened.elapsed());
    assert!(closed["exitCode"].is_null(), "the process did not exit by itself: {closed}");
    let row = close_row(&server.http, &server, &term.session_id()).await;
    assert_eq!(row["reason"], "deadline", "{row}");
}

#[tokio::test]
async fn the_session_list_is_per_user_and_ends_sessions_and_recordings_keep_their_scope() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-list");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let users = three_users(&alpha).await;
    let server = &users.server;
    let (alice, alice_cookie) = (&users.alice.0.http, users.alice.1.as_str());
    let carol = &users.carol.0.http;
    let dave = &users.dave.0.http;

    let mut term = open_as(server, &ns, "box", BASH, &[("cookie", alice_cookie)]).await;
    let id = term.session_id();
    term.send("echo list''ed\n").await;
    assert!(term.output_contains(WAIT, "listed").await, "{}", term.text());

    let (status, mine) = get(alice, server, "/api/exec/sessions").await;
    assert_eq!(status, 200, "{mine}");
    let session = mine["items"]
        .as_array()
        .and_then(|items| items.iter().find(|s| s["id"] == id.as_str()))
        .unwrap_or_else(|| panic!("alice sees her session {id}: {mine}"));
    assert_eq!(session["user"], "alice", "{session}");
    assert_eq!(session["cluster"], "alpha", "{session}");
    assert_eq!(session["namespace"], ns.name.as_str(), "{session}");
    assert_eq!((&session["pod"], &session["container"]), (&json!("box"), &json!("shell")), "{session}");
    assert!(session["startedAt"].as_str().is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok()), "{session}");
    assert!(session["idleSeconds"].is_u64(), "{session}");
    assert!(session["bytesIn"].as_u64().is_some_and(|b| b > 0), "{session}");
    assert!(session["bytesOut"].as_u64().is_some_and(|b| b > 0), "{session}");

    assert!(!session_ids(carol, server).await.contains(&id), "carol does not see alice's session");
    let (status, body) = delete(carol, server, &format!("/api/exec/sessions/{id}")).await;
    assert_eq!(status, 404, "carol cannot end it, nor learn it exists: {body}");
    assert!(session_ids(dave, server).await.contains(&id), "an audit admin sees everyone's sessions");
    assert!(term.control_of("closed").is_none(), "{:?}", term.controls);

    let (status, body) = delete(alice, server, &format!("/api/exec/sessions/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"terminated": true, "id": id}));
    let closed = term.closed(WAIT).await.expect("the terminal is told");
    assert_eq!(closed["reason"], "terminated", "{closed}");
    until_gone(alice, server, &id).await;
    let (status, body) = delete(alice, server, &format!("/api/exec/sessions/{id}")).await;
    assert_eq!(status, 404, "an ended session: {body}");

    let rows = audit_rows(alice, server, "exec_terminate").await;
    let (intent, outcome) = intent_and_outcome(&rows, |r| r["extra"]["session_id"] == id.as_str());
    assert_eq!(intent["extra"]["owner"], "alice", "{intent}");
    assert_eq!(intent["actor"]["sub"], "alice", "{intent}");
    assert_eq!(outcome["outcome"], "success", "{outcome}");
    assert_eq!(close_row(alice, server, &id).await["reason"], "terminated");

    // The recording is alice's: carol gets 404 and does not see it listed; an audit admin reads it.
    let path = format!("/api/exec/recordings/{id}");
    let (status, cast) = get_text(alice, server, &path).await;
    assert_eq!(status, 200, "{cast}");
    assert!(String::from_utf8_lossy(&replayed(&cast_events(&cast).1, "o")).contains("listed"), "{cast}");
    let (status, body) = get(carol, server, &path).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("E_NOT_FOUND")), "{body}");
    let (_, listed) = get(carol, server, "/api/exec/recordings").await;
    assert!(!listed.to_string().contains(&id), "carol's list: {listed}");
    let (status, _) = get_text(dave, server, &path).await;
    assert_eq!(status, 200, "an audit admin reads every recording");
    let (status, _) = get_text(alice, server, "/api/exec/recordings/..%2Fetc%2Fpasswd").await;
    assert_eq!(status, 404, "ids are not paths");
}

#[tokio::test]
async fn a_recording_replays_exactly_what_the_terminal_received_without_input() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-rec");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[]);
    let mut term = open_shell(&server, &ns, "box").await;
    let id = term.session_id();
    term.control(json!({"type": "resize", "cols": 100, "rows": 30})).await;
    // Multi-byte UTF-8 split across writes, and a burst of output.
    term.send("printf '\\342\\202'; printf '\\254 \\303\\274\\n'; seq 1 2000 | tr '\\n' ' '; echo end''mark\n").await;
    assert!(term.output_contains(WAIT, "endmark").await, "{}", term.text());
    assert!(term.text().contains("€ ü"), "{}", term.text());
    // A secret typed while the tty does not echo: it reaches the shell, never the output.
    term.send("stty -echo; echo READY''NOW; read -r s; stty echo; echo \"got ${#s}\"\n").await;
    assert!(term.output_contains(WAIT, "READYNOW").await, "{}", term.text());
    term.send("hunter2-SECRET\n").await;
    assert!(term.output_contains(WAIT, "got 14").await, "{}", term.text());
    term.send("exit 0\n").await;
    let closed = term.closed(WAIT).await.expect("closed");
    assert_eq!(closed["reason"], "completed", "{closed}");

    let (status, cast) = get_text(&server.http, &server, &format!("/api/exec/recordings/{id}")).await;
    assert_eq!(status, 200, "{cast}");
    let (header, events) = cast_events(&cast);
    assert_eq!(header["version"], 2, "{header}");
    let output = replayed(&events, "o");
    assert!(
        output == term.output,
        "the replay differs from what the terminal received:\nreplay: {:?}\nclient: {:?}",
        String::from_utf8_lossy(&output),
        term.text()
    );
    assert!(events.iter().any(|e| e.1 == "r" && e.2 == "100x30"), "the resize is recorded: {events:?}");
    assert!(events.windows(2).all(|w| w[0].0 <= w[1].0), "event times never go back");
    assert!(!events.iter().any(|e| e.1 == "i"), "no input events unless enabled");
    assert!(!cast.contains("hunter2"), "what was typed is not in the recording");

    let (_, list) = get(&server.http, &server, "/api/exec/recordings").await;
    let info = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == id.as_str()))
        .unwrap_or_else(|| panic!("listed: {list}"));
    assert_eq!(info["reason"], "completed", "{info}");
    assert_eq!(info["exitCode"], 0, "{info}");
    assert_eq!(info["recordInput"], false, "{info}");
    assert_eq!(info["truncated"], false, "{info}");
    assert_eq!(info["bytes"], term.output.len() as u64, "{info}");
    let row = close_row(&server.http, &server, &id).await;
    assert_eq!(row["extra"]["recording"]["bytes"], term.output.len() as u64, "{row}");
    assert!(!row.to_string().contains("hunter2"), "{row}");
}

#[tokio::test]
async fn input_is_recorded_only_where_the_cluster_enables_it() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-recin");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = exec_server(&alpha, "alice", "{recordInput: true}", &[]);
    let mut term = open_shell(&server, &ns, "box").await;
    assert_eq!(term.control_of("hello").expect("hello")["recordInput"], true, "the terminal is told");
    let id = term.session_id();
    let typed = ["echo in''put\n", "exit\n"];
    term.send(typed[0]).await;
    assert!(term.output_contains(WAIT, "input").await, "{}", term.text());
    term.send(typed[1]).await;
    term.closed(WAIT).await.expect("closed");
    let (status, cast) = get_text(&server.http, &server, &format!("/api/exec/recordings/{id}")).await;
    assert_eq!(status, 200, "{cast}");
    let events = cast_events(&cast).1;
    assert_eq!(String::from_utf8_lossy(&replayed(&events, "i")), typed.concat(), "{events:?}");
    assert_eq!(replayed(&events, "o"), term.output, "output is recorded as well");
    let (_, list) = get(&server.http, &server, "/api/exec/recordings").await;
    assert!(
        list["items"].as_array().is_some_and(|i| i.iter().any(|r| r["id"] == id.as_str() && r["recordInput"] == true)),
        "{list}"
    );
}

#[tokio::test]
async fn a_server_killed_mid_session_leaves_a_readable_recording_and_a_server_restart_row() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-kill");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let dir = tempfile::tempdir().expect("tmp");
    let env = [
        ("PERISCOPE_AUDIT_DB_PATH", dir.path().join("audit.db").display().to_string()),
        ("PERISCOPE_EXEC_RECORDINGS_DIR", dir.path().join("casts").display().to_string()),
    ];
    let mut server = dev_server(&alpha, "alice", &[], &env);
    let mut term = open_shell(&server, &ns, "box").await;
    let id = term.session_id();
    term.send("echo before''kill\n").await;
    assert!(term.output_contains(WAIT, "beforekill").await, "{}", term.text());
    // The prompt after the command's output is the last thing the shell writes.
    let prompt = |t: &Terminal| {
        t.text().rsplit_once("beforekill").is_some_and(|(_, rest)| rest.trim_end().ends_with(['$', '#']))
    };
    assert!(term.until(WAIT, prompt).await, "{}", term.text());
    server.kill();
    assert!(!term.until(WAIT, |t| t.control_of("closed").is_some()).await, "a killed server sends no closed frame");

    let server = dev_server(&alpha, "alice", &[], &env);
    let (status, cast) = get_text(&server.http, &server, &format!("/api/exec/recordings/{id}")).await;
    assert_eq!(status, 200, "the recording outlived the server: {cast}");
    let events = cast_events(&cast).1;
    let output = replayed(&events, "o");
    assert!(
        output == term.output,
        "it replays up to the kill:\nreplay: {:?}\nclient: {:?}",
        String::from_utf8_lossy(&output),
        term.text()
    );
    let row = close_row(&server.http, &server, &id).await;
    assert_eq!(row["reason"], "server_restart", "{row}");
    assert_eq!(row["actor"]["sub"], "alice", "{row}");
    assert_eq!(row["extra"]["recording"]["id"], id.as_str(), "{row}");
    let (_, list) = get(&server.http, &server, "/api/exec/recordings").await;
    let info = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == id.as_str()))
        .unwrap_or_else(|| panic!("listed: {list}"));
    assert_eq!(info["reason"], "server_restart", "{info}");
    assert!(info["endedAt"].is_string(), "{info}");
    // It ended no earlier than its last recorded event (file times are coarse: a few ms).
    let started: jiff::Timestamp = info["startedAt"].as_str().expect("startedAt").parse().expect("a time");
    let ended: jiff::Timestamp = info["endedAt"].as_str().expect("endedAt").parse().expect("a time");
    let last = events.last().map_or(0.0, |e| e.0);
    assert!(
        ended.duration_since(started).as_secs_f64() >= last - 0.02,
        "ended {ended}, started {started}, last event at {last} s: {cast}"
    );
    // `bytes` counts output bytes, as for a session that ended normally (not the file's size).
    assert_eq!(info["bytes"], output.len() as u64, "{info}");
    assert_eq!(row["extra"]["recording"]["bytes"], output.len() as u64, "{row}");
    // A second restart does not close it again.
    drop(server);
    let server = dev_server(&alpha, "alice", &[], &env);
    let rows: Vec<Value> = audit_rows(&server.http, &server, "exec_close")
        .await
        .into_iter()
        .filter(|r| r["extra"]["session_id"] == id.as_str())
        .collect();
    assert_eq!(rows.len(), 1, "one exec_close row per session: {rows:?}");
}

#[tokio::test]
async fn an_ended_session_frees_its_place_at_once() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-free");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[("PERISCOPE_EXEC_MAX_SESSIONS_PER_USER", "1".into())]);
    let url = exec_url(&server, &ns.name, "box", &shell_query(&["true"]));
    for how in ["terminate", "close"] {
        // A command that ends by itself (kwok does not stop what an ended stream started).
        let mut term = open_as(&server, &ns, "box", &["sleep", "30"], &[]).await;
        if how == "terminate" {
            let (status, body) =
                delete(&server.http, &server, &format!("/api/exec/sessions/{}", term.session_id())).await;
            assert_eq!(status, 200, "{body}");
        } else {
            term.control(json!({"type": "close"})).await;
        }
        term.closed(WAIT).await.expect("closed");
        // The user's only place is free once the terminal heard that its session ended (the
        // cap dialog's "end" button, then a new terminal): a few tries over 300 ms at most.
        let heard = Instant::now();
        let mut next = Terminal::open(&url, &server.base_url, &[]).await;
        while next.is_err() && heard.elapsed() < Duration::from_millis(300) {
            next = Terminal::open(&url, &server.base_url, &[]).await;
        }
        let mut next = next.unwrap_or_else(|r| {
            panic!("{how}: refused {:?} after `closed`: {r:?}; server: {}", heard.elapsed(), server.logs())
        });
        assert_eq!(next.closed(WAIT).await.expect("closed")["reason"], "completed");
        until_gone(&server.http, &server, &next.session_id()).await;
    }
}
