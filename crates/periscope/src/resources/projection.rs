//! Projections: the trimmed row a list shows for one object, computed from the object once.
//! The kinds' own projections live in `builtin.rs`.

use std::borrow::Cow;

use kube::api::DynamicObject;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A list column: the row key it reads and the header it shows. Built-in kinds borrow
/// theirs from the table; custom resources' come from their CRD at run time.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Column {
    pub key: Cow<'static, str>,
    pub label: Cow<'static, str>,
}

/// How a kind's objects become list rows.
#[derive(Clone, Copy)]
pub struct Projection {
    pub columns: &'static [Column],
    /// Adds the kind's own fields to a row that already has the common ones.
    pub fill: fn(&DynamicObject, &mut Map<String, Value>),
}

pub const fn col(key: &'static str, label: &'static str) -> Column {
    Column { key: Cow::Borrowed(key), label: Cow::Borrowed(label) }
}

/// The row of an object: name, namespace, uid, creation time, then the kind's fields.
pub fn project(projection: &Projection, obj: &DynamicObject) -> Value {
    let meta = &obj.metadata;
    let mut row = Map::new();
    row.insert("name".into(), json!(meta.name));
    if let Some(ns) = &meta.namespace {
        row.insert("namespace".into(), json!(ns));
    }
    row.insert("uid".into(), json!(meta.uid));
    row.insert("createdAt".into(), json!(meta.creation_timestamp.as_ref().map(|t| t.0.to_string())));
    (projection.fill)(obj, &mut row);
    Value::Object(row)
}

/// The common fields of [`project`] plus a custom resource's printer columns.
pub fn project_printed(columns: &[super::printer::PrinterColumn], obj: &DynamicObject) -> Value {
    let mut row = project(&GENERIC, obj);
    if let (Value::Object(map), Ok(whole)) = (&mut row, serde_json::to_value(obj)) {
        super::printer::fill(columns, &whole, map);
    }
    row
}

pub fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |v, key| v.get(key).unwrap_or(&Value::Null))
}

/// Any kind without a projection of its own: name, namespace, age.
pub const GENERIC: Projection = Projection {
    columns: &[col("name", "Name"), col("namespace", "Namespace"), col("createdAt", "Age")],
    fill: |_, _| {},
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::builtin::POD;

    fn object(value: Value) -> DynamicObject {
        serde_json::from_value(value).expect("valid object")
    }

    #[test]
    fn pod_row_counts_ready_and_restarts_and_prefers_the_waiting_reason() {
        let pod = object(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "team-a", "uid": "u1", "creationTimestamp": "2026-01-02T03:04:05Z"},
            "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2},
                {"name": "b", "ready": true, "restartCount": 0},
                {"name": "c", "ready": false, "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        }));
        let row = project(&POD, &pod);
        assert_eq!(row["ready"], "2/3");
        assert_eq!(row["restarts"], 7);
        assert_eq!(row["status"], "CrashLoopBackOff");
        assert_eq!(row["phase"], "Running");
        assert_eq!(row["node"], "n1");
        assert_eq!(row["namespace"], "team-a");
        assert_eq!(row["createdAt"], "2026-01-02T03:04:05Z");
    }

    #[test]
    fn pending_pod_without_statuses() {
        let pod = object(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "x", "deletionTimestamp": "2026-01-02T03:04:05Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending"}
        }));
        let row = project(&POD, &pod);
        assert_eq!(row["ready"], "0/1");
        assert_eq!(row["status"], "Terminating");
        assert_eq!(row["node"], Value::Null);
    }
}
