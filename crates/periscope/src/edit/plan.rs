//! The requests an edit becomes: a server-side apply of the fields the user set (plus those the
//! editor's manager already owns, which an apply leaving them out would delete), and a patch
//! removing what the user deleted (an apply cannot remove a field another manager also owns).

use serde_json::{Map, Value};

use super::diff::Changes;
use super::path::{self, FieldPath, Segment, Take};

/// What to send for one edit.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The apply document, when the user set anything.
    pub apply: Option<Value>,
    /// The removal patch (strategic merge for built-in kinds, JSON merge otherwise), when the
    /// user deleted anything.
    pub removal: Option<Value>,
}

impl Plan {
    /// The plan for `changes` made to `edited`, starting from the identity-only `skeleton`;
    /// `owned` are the leaves the editor's manager owns in the live object.
    pub fn new(skeleton: Value, edited: &Value, changes: &Changes, owned: &[FieldPath]) -> Plan {
        let apply = (!changes.set.is_empty()).then(|| {
            let mut body = skeleton;
            for path in owned {
                // Gone from `edited` means the user deleted it: it is left out (and removed).
                path::copy(&mut body, edited, path, Take::Identity);
            }
            for path in &changes.set {
                path::copy(&mut body, edited, path, Take::Whole);
            }
            body
        });
        let removal = (!changes.remove.is_empty()).then(|| {
            let mut patch = Value::Object(Map::new());
            for path in &changes.remove {
                mark_removed(&mut patch, path);
            }
            patch
        });
        Plan { apply, removal }
    }
}

/// Adds to a merge/strategic-merge `patch` what deletes `path`: `null` for a field, a
/// `$patch: delete` item (named by its keys) for a keyed list item.
fn mark_removed(patch: &mut Value, path: &[Segment]) {
    let Some((segment, rest)) = path.split_first() else { return };
    match segment {
        Segment::Field(name) => {
            if !patch.is_object() {
                *patch = Value::Object(Map::new());
            }
            // Checked just above: `patch` is an object.
            let map = patch.as_object_mut().expect("an object");
            if rest.is_empty() {
                map.insert(name.clone(), Value::Null);
            } else {
                mark_removed(map.entry(name.clone()).or_insert_with(|| Value::Object(Map::new())), rest);
            }
        }
        Segment::Item(keys) => {
            if !patch.is_array() {
                *patch = Value::Array(Vec::new());
            }
            // Checked just above: `patch` is an array.
            let items = patch.as_array_mut().expect("an array");
            let at = items.iter().position(|i| keys.iter().all(|(k, v)| i.get(k) == Some(v)));
            let index = at.unwrap_or_else(|| {
                items.push(Value::Object(keys.clone()));
                items.len() - 1
            });
            if rest.is_empty() {
                items[index]["$patch"] = Value::String("delete".into());
            } else {
                mark_removed(&mut items[index], rest);
            }
        }
        // Set lists are never diffed item by item (see `diff`), so no removal names one.
        Segment::Value(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::diff::diff;
    use serde_json::json;

    fn skeleton() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"}})
    }

    #[test]
    fn the_apply_holds_the_changes_and_what_the_editor_already_owns_and_nothing_else() {
        let opened = json!({"metadata": {"name": "web", "namespace": "a", "labels": {"app": "web", "team": "x", "old": "1"}},
            "spec": {"replicas": 1, "paused": false, "template": {"spec": {"containers": [
                {"name": "app", "image": "a:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                {"name": "side", "image": "s:1"}]}}}});
        let mut edited = opened.clone();
        edited["spec"]["replicas"] = json!(3);
        edited["metadata"]["labels"].as_object_mut().expect("labels").remove("old");
        edited["spec"]["template"]["spec"]["containers"][0]["env"].as_array_mut().expect("env").remove(1);
        let changes = diff(&opened, &edited, true);
        // Earlier edits own `team` and side's image; `old` was owned too and is now deleted.
        let owned = vec![
            vec![Segment::Field("metadata".into()), Segment::Field("labels".into()), Segment::Field("team".into())],
            vec![Segment::Field("metadata".into()), Segment::Field("labels".into()), Segment::Field("old".into())],
        ];
        let plan = Plan::new(skeleton(), &edited, &changes, &owned);
        assert_eq!(
            plan.apply,
            Some(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "a", "labels": {"team": "x"}},
                "spec": {"replicas": 3}}))
        );
        assert_eq!(
            plan.removal,
            Some(json!({"metadata": {"labels": {"old": null}}, "spec": {"template": {"spec": {"containers": [
                {"name": "app", "env": [{"name": "B", "$patch": "delete"}]}]}}}}))
        );
    }

    #[test]
    fn only_removals_send_no_apply_and_only_sets_no_removal() {
        let opened = json!({"data": {"a": "1", "b": "2"}});
        let removed = Plan::new(
            skeleton(),
            &json!({"data": {"a": "1"}}),
            &diff(&opened, &json!({"data": {"a": "1"}}), false),
            &[],
        );
        assert_eq!(removed, Plan { apply: None, removal: Some(json!({"data": {"b": null}})) });
        let edited = json!({"data": {"a": "1", "b": "3"}});
        let set = Plan::new(skeleton(), &edited, &diff(&opened, &edited, false), &[]);
        assert_eq!(set.removal, None);
        assert_eq!(set.apply.expect("apply")["data"], json!({"b": "3"}));
    }
}
