//! What the user changed between the object as the editor opened it and as it is now: the
//! fields set (added or changed) and the fields or list items removed.
//!
//! Lists are compared item by item only where server-side apply merges them by key: the
//! built-in kinds' keyed lists in [`LIST_KEYS`]. Every other list is atomic (the apiserver's
//! default for CRDs), so a changed one is sent whole; sending part of an atomic list would
//! replace the rest of it.

use serde_json::{Map, Value};

use super::path::{FieldPath, Segment};

/// Keyed lists of the built-in kinds: `(field name, key fields)`. A list qualifies only when
/// every item holds every key field, and keys are unique, on both sides of the edit.
const LIST_KEYS: &[(&str, &[&str])] = &[
    ("containers", &["name"]),
    ("initContainers", &["name"]),
    ("ephemeralContainers", &["name"]),
    ("env", &["name"]),
    ("volumes", &["name"]),
    ("volumeMounts", &["mountPath"]),
    ("volumeDevices", &["devicePath"]),
    ("imagePullSecrets", &["name"]),
    ("hostAliases", &["ip"]),
    ("resourceClaims", &["name"]),
    // Container ports, then Service ports: the first whose fields every item has.
    ("ports", &["containerPort", "protocol"]),
    ("ports", &["port", "protocol"]),
    ("topologySpreadConstraints", &["topologyKey", "whenUnsatisfiable"]),
];

/// The user's changes.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    /// Fields (or whole list items) added or changed: sent with their new values.
    pub set: Vec<FieldPath>,
    /// Fields or keyed list items the user deleted.
    pub remove: Vec<FieldPath>,
}

impl Changes {
    /// Whether the user changed nothing.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

/// The changes from `opened` to `edited`; `keyed_lists` for built-in kinds (see [`LIST_KEYS`]).
pub fn diff(opened: &Value, edited: &Value, keyed_lists: bool) -> Changes {
    let mut changes = Changes::default();
    walk(opened, edited, &mut Vec::new(), keyed_lists, &mut changes);
    changes
}

fn walk(opened: &Value, edited: &Value, path: &mut FieldPath, keyed: bool, out: &mut Changes) {
    if opened == edited {
        return;
    }
    match (opened, edited) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, after) in b {
                path.push(Segment::Field(key.clone()));
                match a.get(key) {
                    Some(before) => walk(before, after, path, keyed, out),
                    None => out.set.push(path.clone()),
                }
                path.pop();
            }
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                path.push(Segment::Field(key.clone()));
                out.remove.push(path.clone());
                path.pop();
            }
        }
        (Value::Array(a), Value::Array(b)) if keyed => match list_keys(path, a, b) {
            Some(keys) => walk_keyed(a, b, keys, path, keyed, out),
            None => out.set.push(path.clone()),
        },
        _ => out.set.push(path.clone()),
    }
}

fn walk_keyed(a: &[Value], b: &[Value], keys: &[&str], path: &mut FieldPath, keyed: bool, out: &mut Changes) {
    let segment = |item: &Value| Segment::Item(key_of(item, keys).unwrap_or_default());
    for after in b {
        let id = segment(after);
        path.push(id.clone());
        match a.iter().find(|before| segment(before) == id) {
            Some(before) => walk(before, after, path, keyed, out),
            None => out.set.push(path.clone()),
        }
        path.pop();
    }
    for before in a {
        let id = segment(before);
        if !b.iter().any(|after| segment(after) == id) {
            path.push(id);
            out.remove.push(path.clone());
            path.pop();
        }
    }
}

/// The key fields of the keyed list at `path`, if both sides qualify.
fn list_keys(path: &FieldPath, a: &[Value], b: &[Value]) -> Option<&'static [&'static str]> {
    let Some(Segment::Field(name)) = path.last() else { return None };
    LIST_KEYS.iter().filter(|(field, _)| field == name).map(|(_, keys)| *keys).find(|keys| {
        [a, b].iter().all(|items| {
            let ids: Option<Vec<Map<String, Value>>> = items.iter().map(|i| key_of(i, keys)).collect();
            ids.is_some_and(|ids| ids.iter().enumerate().all(|(n, id)| !ids[..n].contains(id)))
        })
    })
}

/// The key fields of `item`, if it has them all.
fn key_of(item: &Value, keys: &[&str]) -> Option<Map<String, Value>> {
    let object = item.as_object()?;
    keys.iter().map(|k| Some((k.to_string(), object.get(*k)?.clone()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::path::display;
    use serde_json::json;

    fn shown(paths: &[FieldPath]) -> Vec<String> {
        paths.iter().map(|p| display(p)).collect()
    }

    #[test]
    fn changed_added_and_removed_fields() {
        let opened = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "data": {"k": "v", "same": "x"}});
        let edited = json!({"metadata": {"labels": {"a": "1", "c": "3"}}, "data": {"k": "w", "same": "x"}});
        let changes = diff(&opened, &edited, true);
        // Keys in mapping order (serde_json sorts them).
        assert_eq!(shown(&changes.set), vec!["data.k", "metadata.labels.c"]);
        assert_eq!(shown(&changes.remove), vec!["metadata.labels.b"]);
        assert!(diff(&opened, &opened, true).is_empty());
    }

    #[test]
    fn keyed_lists_compare_items_by_key_and_others_are_atomic() {
        let opened = json!({"spec": {"containers": [
            {"name": "app", "image": "a:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "side", "image": "s:1"}
        ], "args": ["x", "y"]}});
        let edited = json!({"spec": {"containers": [
            {"name": "app", "image": "a:2", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "new", "image": "n:1"}
        ], "args": ["x"]}});
        let changes = diff(&opened, &edited, true);
        assert_eq!(
            shown(&changes.set),
            vec!["spec.args", "spec.containers[name=app].image", "spec.containers[name=new]"]
        );
        assert_eq!(shown(&changes.remove), vec!["spec.containers[name=side]"]);
        // A CRD's lists are atomic: the whole list is sent, nothing is removed item by item.
        let atomic = diff(&opened, &edited, false);
        assert_eq!(shown(&atomic.set), vec!["spec.args", "spec.containers"]);
        assert!(atomic.remove.is_empty());
    }

    #[test]
    fn a_list_without_unique_keys_is_atomic() {
        let opened = json!({"env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]});
        let edited = json!({"env": [{"name": "A", "value": "1"}]});
        let changes = diff(&opened, &edited, true);
        assert_eq!(shown(&changes.set), vec!["env"]);
        assert!(changes.remove.is_empty());
    }
}
