//! What one observed write changed and who made it: the object's changed paths (never a
//! Secret's values) and the field manager whose `managedFields` entry the write touched.

use kube::api::DynamicObject;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{audit::changes::MAX_PATHS, json_diff::changes};

/// A field manager's entry, as `manager`, `operation`, `subresource` and its `time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    pub manager: String,
    pub operation: String,
    pub subresource: Option<String>,
    /// RFC 3339 with seconds, as the apiserver writes it (sorts as text); empty when absent
    /// (entries of the `scale` subresource carry none).
    pub time: String,
    /// The fields the manager owns (`fieldsV1`); only read for the write being attributed, so
    /// remembered entries go without.
    pub fields: Option<Value>,
}

impl Writer {
    fn same_entry(&self, other: &Writer) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && self.subresource == other.subresource
            && self.time == other.time
    }

    /// How many of `paths` this manager owns.
    fn owns(&self, paths: &[String]) -> usize {
        self.fields.as_ref().map_or(0, |f| paths.iter().filter(|p| owns(f, p)).count())
    }
}

/// The `managedFields` entries of an object; `with_fields` keeps what each owns (needed only to
/// attribute the write being recorded, not to remember an object).
pub fn writers(object: &DynamicObject, with_fields: bool) -> Vec<Writer> {
    object
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .map(|e| Writer {
            manager: e.manager.clone().unwrap_or_default(),
            operation: e.operation.clone().unwrap_or_default(),
            subresource: e.subresource.clone().filter(|s| !s.is_empty()),
            time: e.time.as_ref().map(|t| t.0.to_string()).unwrap_or_default(),
            fields: e.fields_v1.as_ref().filter(|_| with_fields).map(|f| f.0.clone()),
        })
        .collect()
}

/// Whether a `fieldsV1` set holds `path` (`metadata.labels.team`,
/// `spec.template.spec.containers[name=app].image`). Map keys may hold dots (annotation
/// names), so each step takes the longest key the path continues with; reaching a list item
/// counts as owning it (list keys are spelled differently in the two notations).
fn owns(fields: &Value, path: &str) -> bool {
    let mut node = fields;
    let mut rest = path;
    loop {
        if rest.is_empty() || rest.starts_with('[') {
            return true;
        }
        let Some(map) = node.as_object() else { return false };
        let step = map
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("f:").map(|name| (name, v)))
            .filter(|(name, _)| {
                rest == *name
                    || (rest.starts_with(name) && matches!(rest.as_bytes().get(name.len()), Some(b'.' | b'[')))
            })
            .max_by_key(|(name, _)| name.len());
        let Some((name, child)) = step else { return false };
        rest = rest[name.len()..].strip_prefix('.').unwrap_or(&rest[name.len()..]);
        node = child;
    }
}

/// Who made the write that turned `before` into `after`, which changed `paths`. Entry times
/// have one-second resolution, so a manager writing twice in a second leaves its time where it
/// was: the candidates are the entries whose time moved (or that are new) since `before`, or
/// every entry when none did; among them the one owning most of the changed paths wins (a
/// writer owns what it set), then the latest.
pub fn writer_of<'a>(before: Option<&[Writer]>, after: &'a [Writer], paths: &[String]) -> Option<&'a Writer> {
    let moved: Vec<&Writer> = match before {
        Some(b) => after.iter().filter(|w| !b.iter().any(|p| p.same_entry(w))).collect(),
        None => Vec::new(),
    };
    let candidates = if moved.is_empty() { after.iter().collect() } else { moved };
    candidates.into_iter().max_by(|a, b| (a.owns(paths), &a.time).cmp(&(b.owns(paths), &b.time)))
}

/// The manager that created an object: the entry without a subresource written first.
pub fn creator(after: &[Writer]) -> Option<&Writer> {
    after.iter().filter(|w| w.subresource.is_none()).min_by(|a, b| a.time.cmp(&b.time)).or(after.first())
}

/// Paths that change on every write or say nothing about what the writer did (a Node's
/// condition heartbeats move every few minutes with nothing else).
fn is_noise(path: &str) -> bool {
    path.ends_with(".lastHeartbeatTime")
        || ["metadata.resourceVersion", "metadata.managedFields", "metadata.generation"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}[")))
}

/// A short digest standing in for a value that must not be kept.
fn digest(value: &Value) -> Value {
    let hash = Sha256::digest(value.to_string().as_bytes());
    Value::from(format!("sha256:{}", hash.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>()))
}

/// The object as remembered between writes: without `managedFields` (their times are read
/// separately) and, for a Secret, with every value that could hold its data replaced by a
/// digest, so a changed value still shows as a changed path.
pub fn remembered(object: &DynamicObject, secret: bool) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        meta.remove("resourceVersion");
        if secret && let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            for v in annotations.values_mut() {
                *v = digest(v);
            }
        }
    }
    if secret && let Some(map) = value.as_object_mut() {
        for field in ["data", "stringData"] {
            if let Some(data) = map.get_mut(field).and_then(Value::as_object_mut) {
                for v in data.values_mut() {
                    *v = digest(v);
                }
            }
        }
    }
    value
}

/// The paths that differ between two remembered objects, at most [`MAX_PATHS`], and how many
/// more there were.
pub fn changed_paths(before: &Value, after: &Value) -> (Vec<String>, u32) {
    let mut paths: Vec<String> = changes(before, after).into_iter().map(|c| c.path).filter(|p| !is_noise(p)).collect();
    let more = paths.len().saturating_sub(MAX_PATHS);
    paths.truncate(MAX_PATHS);
    (paths, more as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> DynamicObject {
        serde_json::from_value(v).expect("object")
    }

    fn entry(manager: &str, operation: &str, sub: Option<&str>, time: &str) -> Value {
        let mut e =
            json!({"manager": manager, "operation": operation, "time": time, "fieldsType": "FieldsV1", "fieldsV1": {}});
        if let Some(sub) = sub {
            e["subresource"] = json!(sub);
        }
        e
    }

    fn with_fields(entries: Vec<Value>) -> Vec<Writer> {
        writers(
            &object(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "managedFields": entries}}),
            ),
            true,
        )
    }

    #[test]
    fn the_writer_is_the_entry_whose_time_moved_even_when_another_is_later() {
        let before = with_fields(vec![
            entry("kubectl-client-side-apply", "Update", None, "2026-12-01T06:00:00Z"),
            entry("kube-controller-manager", "Update", Some("status"), "2026-12-01T06:00:05Z"),
        ]);
        let after = with_fields(vec![
            entry("kubectl-client-side-apply", "Update", None, "2026-12-01T06:00:00Z"),
            entry("kube-controller-manager", "Update", Some("status"), "2026-12-01T06:00:05Z"),
            entry("gitops-sim", "Apply", None, "2026-12-01T06:00:03Z"),
        ]);
        let w = writer_of(Some(&before), &after, &[]).expect("writer");
        assert_eq!((w.manager.as_str(), w.operation.as_str()), ("gitops-sim", "Apply"));
    }

    #[test]
    fn without_a_moved_entry_the_latest_one_is_the_writer() {
        let after = with_fields(vec![
            entry("helm", "Update", None, "2026-12-01T06:00:00Z"),
            entry("kube-controller-manager", "Update", Some("status"), "2026-12-01T06:00:09Z"),
        ]);
        assert_eq!(writer_of(Some(&after), &after, &[]).map(|w| w.manager.as_str()), Some("kube-controller-manager"));
        assert_eq!(writer_of(None, &after, &[]).map(|w| w.subresource.as_deref()), Some(Some("status")));
        assert_eq!(creator(&after).map(|w| w.manager.as_str()), Some("helm"));
        assert!(writer_of(None, &[], &[]).is_none());
    }

    #[test]
    fn within_one_second_the_manager_owning_the_changed_paths_is_the_writer() {
        let mut client = entry("kubectl-client-side-apply", "Update", None, "2026-12-01T06:00:01Z");
        client["fieldsV1"] = json!({"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}},
            "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {"f:image": {}}}}}}});
        let mut controller = entry("kube-controller-manager", "Update", Some("status"), "2026-12-01T06:00:01Z");
        controller["fieldsV1"] = json!({"f:status": {"f:observedGeneration": {}, "f:replicas": {}}});
        let after = with_fields(vec![controller, client]);
        let paths = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let who = |changed: &[&str]| writer_of(Some(&after), &after, &paths(changed)).map(|w| w.manager.clone());
        assert_eq!(who(&["status.observedGeneration", "status.replicas"]).as_deref(), Some("kube-controller-manager"));
        assert_eq!(
            who(&["spec.template.spec.containers[name=app].image"]).as_deref(),
            Some("kubectl-client-side-apply")
        );
        assert_eq!(
            who(&["metadata.annotations.deployment.kubernetes.io/revision"]).as_deref(),
            Some("kubectl-client-side-apply")
        );
        assert!(!owns(&json!({"f:status": {"f:replicas": {}}}), "status.readyReplicas"));
        assert!(!owns(&json!({"f:status": {"f:replicas": {}}}), "status.replicasReady"));
    }

    #[test]
    fn a_secret_is_remembered_without_its_values_yet_a_changed_value_is_a_changed_path() {
        let secret = |password: &str| {
            object(json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "db", "resourceVersion": "7", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": password}},
                "data": {"password": password, "user": "YWRtaW4="}
            }))
        };
        let (a, b) = (remembered(&secret("aHVudGVyMg=="), true), remembered(&secret("c2VjcmV0"), true));
        for text in [a.to_string(), b.to_string()] {
            assert!(
                !text.contains("aHVudGVyMg==") && !text.contains("c2VjcmV0") && !text.contains("YWRtaW4="),
                "{text}"
            );
        }
        let (paths, more) = changed_paths(&a, &b);
        assert_eq!(
            paths,
            vec!["data.password", "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration"],
            "{a} {b}"
        );
        assert_eq!(more, 0);
    }

    #[test]
    fn server_bookkeeping_is_not_a_change_and_paths_are_capped() {
        let before = json!({"metadata": {"generation": 1, "labels": {}}, "spec": {"replicas": 1}});
        let mut after = json!({"metadata": {"generation": 2, "labels": {}}, "spec": {"replicas": 3}});
        assert_eq!(changed_paths(&before, &after), (vec!["spec.replicas".to_string()], 0));
        let beat = |t: &str| json!({"status": {"conditions": [{"type": "Ready", "lastHeartbeatTime": t}]}});
        assert_eq!(changed_paths(&beat("06:00"), &beat("06:05")), (vec![], 0));
        for i in 0..60 {
            after["metadata"]["labels"][format!("l{i:02}")] = json!("x");
        }
        let (paths, more) = changed_paths(&before, &after);
        assert_eq!((paths.len(), more), (MAX_PATHS, 11));
    }
}
