//! Structured comparisons of Helm releases: two revisions' manifests or values (what was
//! added, removed or changed, per object and per path) and a manifest against the live objects
//! (drift: only the fields the manifest sets, so server defaults and controller-owned fields
//! never count).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use crate::json_diff::{Change, ChangeKind, changes, drift};

/// The differences of one object of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectChange {
    /// `Kind namespace/name` (or `Kind name` when cluster-scoped or unset).
    pub object: String,
    pub kind: ChangeKind,
    pub changes: Vec<Change>,
}

/// The objects of a rendered manifest (multi-document YAML), keyed by [`object_key`]. A
/// document that is not a mapping is skipped.
pub fn manifest_objects(manifest: &str) -> Result<BTreeMap<String, Value>, String> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(manifest).map_err(|e| format!("the manifest is not YAML: {e}"))?;
    Ok(docs.into_iter().filter(Value::is_object).map(|doc| (object_key(&doc), doc)).collect())
}

/// How an object is named in a comparison.
pub fn object_key(object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let (kind, namespace, name) = (text("/kind"), text("/metadata/namespace"), text("/metadata/name"));
    if namespace.is_empty() { format!("{kind} {name}") } else { format!("{kind} {namespace}/{name}") }
}

/// The differences between two manifests, object by object.
pub fn manifest_changes(before: &str, after: &str) -> Result<Vec<ObjectChange>, String> {
    let (before, after) = (manifest_objects(before)?, manifest_objects(after)?);
    let mut out = Vec::new();
    for (key, old) in &before {
        match after.get(key) {
            None => out.push(ObjectChange { object: key.clone(), kind: ChangeKind::Remove, changes: Vec::new() }),
            Some(new) if new != old => {
                out.push(ObjectChange { object: key.clone(), kind: ChangeKind::Modify, changes: changes(old, new) })
            }
            Some(_) => {}
        }
    }
    for key in after.keys().filter(|k| !before.contains_key(*k)) {
        out.push(ObjectChange { object: key.clone(), kind: ChangeKind::Add, changes: Vec::new() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const V1: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {message: one}\n---\n\
        apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - {name: app, image: 'x:1'}\n";
    const V2: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {message: two, extra: 'y'}\n---\n\
        apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - {name: app, image: 'x:2'}\n---\n\
        apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\n";

    #[test]
    fn revisions_differ_per_object_and_path() {
        let diff = manifest_changes(V1, V2).expect("yaml");
        let shown: Vec<(String, ChangeKind, Vec<String>)> = diff
            .iter()
            .map(|o| (o.object.clone(), o.kind, o.changes.iter().map(|c| c.path.clone()).collect()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("ConfigMap a/c".into(), ChangeKind::Modify, vec!["data.extra".into(), "data.message".into()]),
                (
                    "Deployment a/d".into(),
                    ChangeKind::Modify,
                    vec!["spec.template.spec.containers[name=app].image".into()]
                ),
                ("Service a/s".into(), ChangeKind::Add, vec![]),
            ]
        );
        let message = &diff[0].changes[1];
        assert_eq!((message.before.clone(), message.after.clone()), (Some(json!("one")), Some(json!("two"))));
        assert!(manifest_changes(V2, V2).expect("yaml").is_empty());
        assert_eq!(manifest_changes(V2, V1).expect("yaml")[2].kind, ChangeKind::Remove);
    }

    #[test]
    fn drift_sees_only_what_the_manifest_sets() {
        let desired = json!({"metadata": {"name": "d", "labels": {"app": "d"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app", "image": "x:1", "ports": [{"containerPort": "80"}]}]}}}});
        let mut live = json!({"metadata": {"name": "d", "labels": {"app": "d"}, "annotations": {"deployment.kubernetes.io/revision": "1"},
            "resourceVersion": "5"},
            "spec": {"replicas": 1, "progressDeadlineSeconds": 600, "template": {"spec": {"containers": [
                {"name": "app", "image": "x:1", "imagePullPolicy": "IfNotPresent", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}},
            "status": {"replicas": 1}});
        assert!(drift(&desired, &live).is_empty(), "defaults, status and controller metadata are no drift");
        live["spec"]["replicas"] = json!(4);
        live["metadata"]["labels"] = json!({});
        let paths: Vec<String> = drift(&desired, &live).iter().map(|c| c.path.clone()).collect();
        assert_eq!(paths, vec!["metadata.labels.app", "spec.replicas"]);
    }
}
