//! `GET /api/clusters/{c}/kinds` against the real apiserver: the built-in table's rows, kinds
//! found by discovery, custom resources marked by their CRDs as the caller may read them, and
//! the actions decided by group and plural.

mod common;

use common::*;
use periscope::resources::kinds::KINDS;
use periscope_testkit::cluster;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn find<'a>(body: &'a Value, group: &str, plural: &str) -> Option<&'a Value> {
    body["kinds"].as_array().expect("kinds").iter().find(|k| k["group"] == group && k["plural"] == plural)
}

#[tokio::test]
async fn built_ins_then_discovered_kinds_with_their_actions() {
    let alpha = cluster("alpha");
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let (status, body) = admin.get_json("/api/clusters/alpha/kinds").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"], json!({}), "an admin reads discovery and CRDs");

    let kinds = body["kinds"].as_array().expect("kinds");
    // The table comes first, in its order, exactly once.
    let table: Vec<(&str, &str)> = KINDS.iter().map(|k| (k.group, k.plural)).collect();
    let served: Vec<(&str, &str)> = kinds
        .iter()
        .take(KINDS.len())
        .map(|k| (k["group"].as_str().unwrap_or_default(), k["plural"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(served, table);
    assert!(kinds[..KINDS.len()].iter().all(|k| k["builtin"] == true && k["live"] == true));
    let mut seen = std::collections::HashSet::new();
    for kind in kinds {
        assert!(seen.insert((kind["group"].to_string(), kind["plural"].to_string())), "listed twice: {kind}");
        assert!(!kind["plural"].as_str().unwrap_or("/").contains('/'), "no subresources: {kind}");
    }

    let deployments = find(&body, "apps", "deployments").expect("deployments");
    assert_eq!(
        deployments,
        &json!({"group": "apps", "version": "v1", "kind": "Deployment", "plural": "deployments",
                "scope": "Namespaced", "label": "Deployments", "shortNames": ["deploy", "dp"],
                "category": "Workloads", "builtin": true,
                "actions": ["scale", "restart", "rollback", "labels", "delete"], "live": true, "logs": true})
    );
    let nodes = find(&body, "", "nodes").expect("nodes");
    assert_eq!(nodes["scope"], "Cluster");
    assert_eq!(nodes["actions"], json!(["cordon", "uncordon", "labels", "delete"]));

    // The seeded CRD: a custom resource with its own short name and the generic actions.
    let widgets = find(&body, "periscope.dev", "widgets").expect("widgets from discovery");
    assert_eq!(
        widgets,
        &json!({"group": "periscope.dev", "version": "v1", "kind": "Widget", "plural": "widgets",
                "scope": "Namespaced", "label": "Widget", "shortNames": ["wdg"],
                "category": "Custom resources", "builtin": false,
                "actions": ["labels", "delete"], "live": true, "logs": false})
    );
    // A kind the table does not have and no CRD defines: listed, but not in a sidebar section.
    let leases = find(&body, "coordination.k8s.io", "leases").expect("leases from discovery");
    assert_eq!(leases["category"], Value::Null);
    assert_eq!(leases["builtin"], false);
    // events.k8s.io's Events are another kind than the table's core Events.
    assert!(find(&body, "events.k8s.io", "events").is_some_and(|e| e["builtin"] == false));
}

#[tokio::test]
async fn a_caller_who_may_not_list_crds_gets_custom_kinds_without_their_section() {
    let alpha = cluster("alpha");
    let viewer = tier_server(&alpha, "vera", &["viewers"]);
    let (status, body) = viewer.get_json("/api/clusters/alpha/kinds").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"]["customResourceDefinitions"]["code"], "denied", "{body}");
    assert!(body["errors"].get("discovery").is_none(), "discovery is open to everyone: {body}");
    let widgets = find(&body, "periscope.dev", "widgets").expect("widgets still discovered");
    assert_eq!(widgets["category"], Value::Null, "not known to be a CRD for this caller");
    // The actions a kind offers do not depend on who asks; can-i answers that.
    let deployments = find(&body, "apps", "deployments").expect("deployments");
    assert_eq!(deployments["actions"], json!(["scale", "restart", "rollback", "labels", "delete"]));
}

#[tokio::test]
async fn an_unknown_cluster_is_not_found() {
    let alpha = cluster("alpha");
    let admin = tier_server(&alpha, "dave", &["sre"]);
    let (status, body) = admin.get_json("/api/clusters/nowhere/kinds").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "E_CLUSTER_NOT_FOUND");
}
