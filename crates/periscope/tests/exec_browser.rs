//! The web console's terminal in Debian's Chromium (driven by testenv/browser/exec.mjs) against
//! the real apiserver and kwok's ClusterExec: a shell from a pod page, a resize, the session
//! list, the replay of the recording, ending the session; and the refusals the page explains.

mod common;

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, ChildStdout, Command, Stdio},
    time::Duration,
};

use common::*;
use periscope_testkit::{Server, TestNamespace, browser, cluster, exec::running_pod, free_port, repo_root};
use serde_json::Value;

/// One run of an exec.mjs scenario.
struct Driver {
    scenario: String,
    child: Child,
    stdout: BufReader<ChildStdout>,
    seen: String,
}

impl Driver {
    fn start(base_url: &str, scenario: &str, shot: &str, path: &str) -> Driver {
        let shot = browser::artifact_path(&format!("exec-{shot}.png"));
        let mut child = Command::new("node")
            .arg(repo_root().join("testenv/browser/exec.mjs"))
            .args(["--base", base_url, "--scenario", scenario, "--path", path, "--screenshot"])
            .arg(&shot)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Driver { scenario: scenario.to_string(), child, stdout, seen: String::new() }
    }

    /// Waits for the scenario's `{"ready":true}` line, then lets it go on.
    fn when_ready(&mut self, act: impl FnOnce()) {
        let mut line = String::new();
        while self.stdout.read_line(&mut line).expect("read driver") > 0 {
            self.seen.push_str(&line);
            if line.contains("\"ready\"") {
                act();
                let mut stdin = self.child.stdin.take().expect("stdin");
                stdin.write_all(b"go\n").expect("tell the driver");
                return;
            }
            line.clear();
        }
        panic!("{}: the driver never got ready: {}", self.scenario, self.seen);
    }

    /// The scenario's result; panics with the driver's report (and `logs`) on failure.
    fn finish(mut self, logs: impl FnOnce() -> String) -> Value {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).expect("read driver");
        self.seen.push_str(&rest);
        let out = self.child.wait_with_output().expect("driver ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = self.seen.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("driver said {:?} ({e}); stderr: {stderr}", self.seen));
        assert!(out.status.success(), "{} failed: {value}\nstderr: {stderr}\nserver: {}", self.scenario, logs());
        assert_eq!(value["pageErrors"], serde_json::json!([]), "no uncaught errors in the page: {value}");
        assert_eq!(
            value["blockedRequests"],
            serde_json::json!([]),
            "the console reaches nothing but its server: {value}"
        );
        value
    }
}

/// Runs one exec.mjs scenario against `server`.
fn drive(server: &Server, scenario: &str, shot: &str, path: &str) -> Value {
    Driver::start(&server.base_url, scenario, shot, path).finish(|| server.logs())
}

fn pod_page(ns: &TestNamespace, pod: &str) -> String {
    format!("/clusters/alpha/r/core/v1/pods/{}/{pod}", ns.name)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

#[test]
fn a_shell_from_the_pod_page_resizes_replays_and_ends_from_the_session_list() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[]);
    let result = drive(&server, "shell", "shell", &pod_page(&ns, "box"));

    let session = text(&result["sessionId"]);
    assert!(!session.is_empty(), "the hello frame named the session: {result}");
    assert_eq!(result["container"], "shell", "the default container: {result}");
    assert!(text(&result["typed"]).lines().any(|l| l == "hello"), "the command's output: {result}");
    assert!(text(&result["style"]["font"]).contains("ui-monospace"), "xterm's own styles apply: {result}");
    assert_eq!(result["style"]["color"], "rgb(226, 232, 240)", "with the theme's colour: {result}");

    let sizes = result["sizes"].as_array().expect("sizes");
    for size in sizes {
        let (cols, rows) = (size["cols"].as_u64().unwrap_or(0), size["rows"].as_u64().unwrap_or(0));
        assert!(cols > 10 && rows > 3, "a fitted size: {size}");
        assert_eq!(text(&size["stty"]), format!("{rows} {cols}"), "the shell has the terminal's size: {result}");
    }
    assert_ne!(sizes[0]["stty"], sizes[1]["stty"], "a smaller window gives the shell a new size: {result}");

    assert!(text(&result["listed"]).contains(&format!("{}/box", ns.name)), "the open session is listed: {result}");
    assert!(text(&result["recorded"]).contains("box"), "and its recording: {result}");

    let replay = &result["replay"];
    assert!(text(&replay["screen"]).lines().any(|l| l == "hello"), "the replay shows the command's output: {result}");
    assert!(text(&replay["screen"]).contains("after"), "played to the end: {result}");
    let (time, duration) = (replay["time"].as_f64().unwrap_or(-1.0), replay["duration"].as_f64().unwrap_or(0.0));
    assert!((time - duration).abs() < 0.01, "the replay ran to its end: {result}");

    let search = &result["search"];
    assert!(search["count"].as_u64().unwrap_or(0) >= 1, "search finds the output: {result}");
    let (at, wanted) = (search["time"].as_f64().unwrap_or(-1.0), search["matchTime"].as_f64().unwrap_or(0.0));
    assert!((at - wanted).abs() < 0.01, "a match jumps to its time: {result}");
    let at_match = text(&search["screen"]);
    assert!(at_match.lines().any(|l| l == "hello"), "drawn up to the match: {result}");
    assert!(!at_match.contains("before"), "and not past it: {result}");

    assert_eq!(result["ended"]["phase"], "ended", "{result}");
    assert!(
        text(&result["ended"]["text"]).contains("ended from the session list"),
        "the terminal says why it ended: {result}"
    );
    assert!(server.wait_for_log("exec.closed"), "the server closed it: {}", server.logs());
}

#[test]
fn a_deployment_opens_a_terminal_in_one_of_its_pods() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web-deploy");
    ns.grant("alice", "edit");
    // On a kwok node, where kwok's ClusterExec runs the commands.
    let yaml = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  replicas: 1\n  \
         selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      \
         nodeSelector: {{type: kwok}}\n      tolerations: [{{operator: Exists}}]\n      containers: [{{name: nginx, image: nginx}}]\n",
        ns = ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&yaml));
    alpha.kubectl(&["rollout", "status", "deployment/web", "-n", &ns.name, "--timeout=60s"]);
    let server = dev_server(&alpha, "alice", &[], &[]);
    let path = format!("/clusters/alpha/r/apps/v1/deployments/{}/web", ns.name);
    let result = drive(&server, "workload", "workload", &path);
    let pods = result["pods"].as_array().expect("pods");
    assert_eq!(pods.len(), 1, "the deployment's one pod: {result}");
    assert!(text(&pods[0]).starts_with("web-"), "{result}");
    assert_eq!(result["containers"], serde_json::json!(["nginx"]), "{result}");
    assert!(text(&result["typed"]).lines().any(|l| l == "42"), "{result}");
    assert!(text(&result["footer"]).contains("container nginx"), "{result}");
}

#[test]
fn over_the_cap_the_dialog_ends_a_session_and_the_retry_opens() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web-cap");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[("PERISCOPE_EXEC_MAX_SESSIONS_PER_USER", "1".into())]);
    let result = drive(&server, "cap", "cap", &pod_page(&ns, "box"));
    let first = text(&result["first"]);
    assert!(!first.is_empty(), "{result}");
    assert_eq!(result["listed"], serde_json::json!([first]), "the dialog lists the open session: {result}");
    assert!(text(&result["dialog"]).contains(&format!("{}/box", ns.name)), "{result}");
    assert!(text(&result["drawerEnded"]).contains("ended from the session list"), "End closed it: {result}");
    let second = text(&result["second"]);
    assert!(!second.is_empty() && second != first, "Try again opened a new session: {result}");
}

#[test]
fn the_idle_countdown_shows_typing_clears_it_and_the_idle_close_is_said() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web-idle");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let env = [("PERISCOPE_EXEC_IDLE_SECONDS", "6".to_string()), ("PERISCOPE_EXEC_IDLE_WARN_SECONDS", "4".to_string())];
    let server = dev_server(&alpha, "alice", &[], &env);
    let result = drive(&server, "idle", "idle", &pod_page(&ns, "box"));
    let warned = text(&result["warned"]);
    assert!(warned.starts_with("idle: closes in ") && warned.ends_with(" s — type to keep it"), "{result}");
    assert_eq!(result["phaseAfterTyping"], "open", "typing kept the session: {result}");
    assert_eq!(result["ended"], "Session ended: closed after being idle.", "{result}");
}

#[test]
fn a_server_restart_reconnects_the_terminal_to_a_new_shell() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web-again");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let mut options = configured_server(bridge_clusters(&alpha), dev_auth("alice", &[], TIER_AUTHZ));
    options.port = Some(free_port());
    let mut server = Server::start(binary(), options.clone());
    let mut driver = Driver::start(&server.base_url, "reconnect", "reconnect", &pod_page(&ns, "box"));
    // Stopped with the terminal open, and back on the same address within the attempts' 12 s.
    let mut next = None;
    driver.when_ready(|| {
        server.terminate(Duration::from_secs(20));
        next = Some(Server::start(binary(), options));
    });
    let next = next.expect("restarted");
    let result = driver.finish(|| format!("{}\n--- after the restart:\n{}", server.logs(), next.logs()));
    assert!(
        text(&result["screen"]).contains("Session ended: the server shut down. Reconnecting…"),
        "the server said it was shutting down, and the terminal reconnects: {result}"
    );
    let phases: Vec<&str> = result["phases"].as_array().expect("phases").iter().filter_map(Value::as_str).collect();
    assert!(phases.contains(&"reconnecting"), "it said it was reconnecting: {result}");
    let (first, second) = (text(&result["first"]), text(&result["second"]));
    assert!(!first.is_empty() && !second.is_empty() && first != second, "a new session: {result}");
    assert!(
        text(&result["screen"]).contains(&format!("Reconnected: this is a NEW shell (session {second})")),
        "the terminal says it is a new shell: {result}"
    );
    assert!(text(&result["screen"]).lines().any(|l| l == "second"), "and it works: {result}");
}

#[test]
fn a_view_only_user_sees_why_there_is_no_terminal() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web-view");
    running_pod(&alpha, &ns, "box");
    let server = tier_server(&alpha, "vera", &["viewers"]);
    let result = drive(&server, "refused", "view-only", &pod_page(&ns, "box"));
    assert_eq!(result["buttonDisabled"], true, "{result}");
    assert!(text(&result["buttonTitle"]).starts_with("Not allowed"), "the button says why: {result}");
    assert_eq!(result["phase"], "ended", "{result}");
    assert!(text(&result["text"]).contains("Your role may not open a terminal"), "the page says why: {result}");
}

#[test]
fn a_cluster_without_terminals_and_a_missing_pod_say_so() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec-web-off");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let clusters = format!("{}    exec:\n      enabled: false\n", bridge_clusters(&alpha));
    let off = Server::start(binary(), configured_server(clusters, dev_auth("alice", &[], TIER_AUTHZ)));
    let result = drive(&off, "refused", "disabled", &pod_page(&ns, "box"));
    assert_eq!(result["buttonDisabled"], true, "{result}");
    assert_eq!(result["buttonTitle"], "Terminals are switched off for this cluster", "{result}");
    assert!(text(&result["text"]).contains("Terminals are switched off for this cluster"), "{result}");

    let on = dev_server(&alpha, "alice", &[], &[]);
    let result = drive(&on, "refused", "missing", &pod_page(&ns, "nobody"));
    assert_eq!(result["phase"], "ended", "{result}");
    assert!(text(&result["text"]).contains("not found"), "a pod that is not there: {result}");
}
