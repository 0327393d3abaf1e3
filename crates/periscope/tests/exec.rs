//! Exec against the real apiserver and kwok's ClusterExec (commands run on this machine under
//! a pty): a round trip through a shell, resize, exit codes and the audit rows.

mod common;

use std::time::Duration;

use common::*;
use periscope_testkit::{
    TestCluster, TestNamespace, cluster,
    exec::{Terminal, command_param},
};

const WAIT: Duration = Duration::from_secs(30);

/// A running kwok pod `name` in the test's namespace.
fn running_pod(cluster: &TestCluster, ns: &TestNamespace, name: &str) {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  nodeSelector: {{type: kwok}}\n  \
         tolerations: [{{operator: Exists}}]\n  containers: [{{name: shell, image: busybox}}, {{name: side, image: busybox}}]\n",
        ns = ns.name
    );
    cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&yaml));
    cluster.kubectl(&["wait", "--for=condition=Ready", &format!("pod/{name}"), "-n", &ns.name, "--timeout=60s"]);
}

fn exec_url(server: &periscope_testkit::Server, ns: &str, pod: &str, query: &str) -> String {
    let base = server.base_url.replacen("http://", "ws://", 1);
    format!("{base}/api/clusters/alpha/resources/core/v1/pods/{ns}/{pod}/exec?{query}")
}

#[tokio::test]
async fn a_shell_round_trip_resizes_and_reports_its_exit_code() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "exec");
    ns.grant("alice", "edit");
    running_pod(&alpha, &ns, "box");
    let server = dev_server(&alpha, "alice", &[], &[]);
    let command = command_param(&["bash", "--norc", "--noprofile", "-i"]);
    let url = exec_url(&server, &ns.name, "box", &format!("container=shell&command={command}"));
    let mut term = Terminal::open(&url, &server.base_url, &[]).await.expect("the terminal opens");
    assert!(term.until(WAIT, |t| t.control_of("hello").is_some()).await, "hello frame: {:?}", term.controls);
    assert_eq!(term.control_of("hello").unwrap()["container"], "shell");

    term.send("echo hel''lo\n").await;
    assert!(term.until(WAIT, |t| t.text().contains("hello")).await, "output: {}", term.text());

    term.control(serde_json::json!({"type": "resize", "cols": 123, "rows": 45})).await;
    term.send("stty size\n").await;
    assert!(term.until(WAIT, |t| t.text().contains("45 123")).await, "stty size after resize: {}", term.text());

    term.send("exit 3\n").await;
    let closed = term.closed(WAIT).await.expect("a closed frame");
    assert!(server.wait_for_log("exec.closed"), "the session ends: {}", server.logs());
    assert_eq!(closed["reason"], "container_exit", "{closed}; server: {}", server.logs());
    assert_eq!(closed["exitCode"], 3, "{closed}");
}
