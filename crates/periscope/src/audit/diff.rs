//! What an apply or a one-click action changed, kept on its audit outcome row: the changed
//! paths of the object with their values before and after, compact and never holding a
//! Secret's values.

use serde_json::{Value, json};

use crate::json_diff::{ChangeKind, changes};

/// At most this many paths are kept; `truncated` says how many more there were.
const MAX_CHANGES: usize = 50;
/// Longer values are cut to this many characters.
const MAX_VALUE_CHARS: usize = 200;
const REDACTED: &str = "(redacted)";

/// Paths that change on every write or are not the caller's doing.
fn is_noise(path: &str) -> bool {
    path == "status"
        || path.starts_with("status.")
        || ["metadata.resourceVersion", "metadata.generation", "metadata.managedFields", "metadata.uid"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}[")))
}

/// Whether a Secret's value could show at `path` (its data, or an annotation that copies the
/// object such as `kubectl.kubernetes.io/last-applied-configuration`).
fn holds_secret_value(path: &str) -> bool {
    ["data", "stringData", "metadata.annotations"].iter().any(|p| path == *p || path.starts_with(&format!("{p}.")))
}

fn compact(value: Option<Value>, redact: bool) -> Value {
    match value {
        None => Value::Null,
        Some(_) if redact => Value::from(REDACTED),
        Some(Value::String(s)) if s.chars().count() > MAX_VALUE_CHARS => {
            Value::from(format!("{}…", s.chars().take(MAX_VALUE_CHARS).collect::<String>()))
        }
        Some(v @ (Value::Object(_) | Value::Array(_))) => {
            let text = v.to_string();
            if text.chars().count() > MAX_VALUE_CHARS {
                Value::from(format!("{}…", text.chars().take(MAX_VALUE_CHARS).collect::<String>()))
            } else {
                v
            }
        }
        Some(v) => v,
    }
}

/// `{changes: [{path, kind, before, after}], truncated}` between `before` and `after` (whole
/// objects); `secret` redacts every value that could be a Secret's.
pub fn summary(before: &Value, after: &Value, secret: bool) -> Value {
    let found: Vec<_> = changes(before, after).into_iter().filter(|c| !is_noise(&c.path)).collect();
    let kept: Vec<Value> = found
        .iter()
        .take(MAX_CHANGES)
        .map(|c| {
            let redact = secret && holds_secret_value(&c.path);
            let kind = match c.kind {
                ChangeKind::Add => "add",
                ChangeKind::Remove => "remove",
                ChangeKind::Modify => "modify",
            };
            json!({
                "path": c.path,
                "kind": kind,
                "before": compact(c.before.clone(), redact),
                "after": compact(c.after.clone(), redact),
            })
        })
        .collect();
    json!({ "changes": kept, "truncated": found.len().saturating_sub(MAX_CHANGES) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_is_one_path_with_both_values_and_server_fields_are_left_out() {
        let before = json!({"metadata": {"name": "web", "resourceVersion": "1", "generation": 1}, "spec": {"replicas": 2}, "status": {"replicas": 2}});
        let after = json!({"metadata": {"name": "web", "resourceVersion": "2", "generation": 2}, "spec": {"replicas": 5}, "status": {"replicas": 3}});
        assert_eq!(
            summary(&before, &after, false),
            json!({"changes": [{"path": "spec.replicas", "kind": "modify", "before": 2, "after": 5}], "truncated": 0})
        );
    }

    #[test]
    fn a_secret_shows_which_keys_changed_never_their_values() {
        let before = json!({"kind": "Secret", "data": {"password": "b2xk"}, "metadata": {"annotations": {"last": "{\"data\":{\"password\":\"b2xk\"}}"}}});
        let after = json!({"kind": "Secret", "data": {"password": "bmV3", "token": "dA=="}, "metadata": {"annotations": {"last": "{\"data\":{\"password\":\"bmV3\"}}"}}});
        let text = summary(&before, &after, true).to_string();
        for secret in ["b2xk", "bmV3", "dA=="] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("data.password") && text.contains("data.token") && text.contains(REDACTED), "{text}");
    }

    #[test]
    fn long_values_are_cut_and_many_changes_are_counted_not_kept() {
        let before =
            json!({"data": (0..60).map(|i| (format!("k{i:02}"), Value::from("a"))).collect::<serde_json::Map<_, _>>()});
        let after = json!({"data": (0..60).map(|i| (format!("k{i:02}"), Value::from("b".repeat(500)))).collect::<serde_json::Map<_, _>>()});
        let out = summary(&before, &after, false);
        assert_eq!(out["changes"].as_array().map(Vec::len), Some(MAX_CHANGES));
        assert_eq!(out["truncated"], 10);
        assert_eq!(out["changes"][0]["after"].as_str().map(|s| s.chars().count()), Some(MAX_VALUE_CHARS + 1));
    }
}
