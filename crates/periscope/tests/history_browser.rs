//! The History tab in Debian's Chromium (driven by testenv/browser/history.mjs; dev mode, so no
//! sign-in) against a real server, a real SQLite store and a real cluster: with a Deployment's
//! History tab open, a console scale, a GitOps tool's server-side apply and a `kubectl rollout
//! restart` followed by the deployment controller's rollout all show on the tab without a
//! reload, newest first, each attributed to who did it.

mod common;

use common::*;
use periscope_testkit::{TestNamespace, cluster};
use serde_json::Value;

/// The position (top = newest = 0) of the first entry that `matches`, with the entry.
fn find<'a>(entries: &'a [Value], what: &str, matches: impl Fn(&Value) -> bool) -> (usize, &'a Value) {
    entries.iter().enumerate().find(|(_, e)| matches(e)).unwrap_or_else(|| panic!("no {what} among {entries:#?}"))
}

fn is(entry: &Value, source: &str, who: &str) -> bool {
    entry["source"] == source && entry["who"] == who
}

fn chips(entry: &Value) -> Vec<&str> {
    entry["chips"].as_array().map(|c| c.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

#[tokio::test]
async fn a_console_scale_a_gitops_apply_and_a_rollout_show_on_the_history_tab_in_order_attributed_without_a_reload() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "history-web");
    ns.grant("kate", "edit");
    alpha.kubectl(&["-n", &ns.name, "create", "deployment", "web", "--image=registry.invalid/web", "--replicas=1"]);
    let kate = tier_server(&alpha, "kate", &[]);
    let path = format!("/clusters/alpha/r/apps/v1/deployments/{}/web?tab=history", ns.name);
    let kubectl = alpha.kubectl_binary().display().to_string();
    let kubeconfig = alpha.admin_kubeconfig().display().to_string();

    let r = drive_script(
        "history",
        &kate,
        "live",
        &[
            "--path",
            &path,
            "--replicas",
            "3",
            "--kubectl",
            &kubectl,
            "--kubeconfig",
            &kubeconfig,
            "--namespace",
            &ns.name,
            "--name",
            "web",
        ],
    )
    .await;
    assert_eq!(r["reloaded"], false, "every entry came in without a reload: {r}");
    assert_eq!(r["recording"], "true", "the open page has the object's changes recorded: {r}");
    let entries = r["after"].as_array().expect("entries");

    // Attributed: the console action to the signed-in user, the apply to its field manager,
    // the restart to kubectl, the rollout to the controller manager.
    let (console, scale) = find(entries, "console scale", |e| e["source"] == "console" && e["action"] == "scale");
    assert_eq!(scale["who"], "kate@example.test", "{scale}");
    let (gitops, apply) = find(entries, "change by gitops-sim", |e| is(e, "change", "gitops-sim"));
    assert!(chips(apply).iter().any(|p| p.starts_with("metadata.labels")), "the apply changed a label: {apply}");
    let (restart, restarted) = find(entries, "restart", |e| e["source"] == "change" && e["who"] == "kubectl-rollout");
    assert!(
        chips(restarted).iter().any(|p| p.starts_with("spec.template.metadata.annotations")),
        "the restart stamped the template: {restarted}"
    );
    let (rollout, _) =
        find(entries, "the controller's update after the restart", |e| is(e, "change", "kube-controller-manager"));

    // In order, newest first: the rollout, the restart, the apply, the scale.
    assert!(rollout < restart && restart < gitops && gitops < console, "in order: {entries:#?}");
    let times: Vec<&str> = entries.iter().filter_map(|e| e["ts"].as_str()).collect();
    let parsed: Vec<jiff::Timestamp> = times.iter().map(|t| t.parse().expect("RFC 3339")).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
}
