//! Paths to fields inside an object, in the shape server-side apply tracks ownership with:
//! map keys, items of keyed lists (by their key fields) and items of set lists (by value).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// A key of a mapping.
    Field(String),
    /// The item of a keyed list whose key fields have these values.
    Item(Map<String, Value>),
    /// The item of a set list equal to this value.
    Value(Value),
}

/// A path from the object's root to one field.
pub type FieldPath = Vec<Segment>;

impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Segment::Field(name) => serializer.serialize_str(name),
            Segment::Item(keys) => keys.serialize(serializer),
            Segment::Value(value) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("$value", value)?;
                map.end()
            }
        }
    }
}

impl Segment {
    /// Whether list item `item` is the one this segment names.
    fn matches(&self, item: &Value) -> bool {
        match self {
            Segment::Field(_) => false,
            Segment::Item(keys) => keys.iter().all(|(k, v)| item.get(k) == Some(v)),
            Segment::Value(value) => item == value,
        }
    }
}

/// `path` for people: `spec.template.spec.containers[name=app].image`.
pub fn display(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Item(keys) => {
                let keys: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={}", scalar_text(v))).collect();
                out.push_str(&format!("[{}]", keys.join(",")));
            }
            Segment::Value(value) => out.push_str(&format!("[={}]", scalar_text(value))),
        }
    }
    out
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value at `path` in `object`, if there is one.
pub fn get<'a>(object: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    let mut at = object;
    for segment in path {
        at = match segment {
            Segment::Field(name) => at.as_object()?.get(name)?,
            _ => at.as_array()?.iter().find(|item| segment.matches(item))?,
        };
    }
    Some(at)
}

/// Removes the field or list item at `path` from `object`; false when it is not there.
pub fn remove(object: &mut Value, path: &[Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else { return false };
    let mut at = object;
    for segment in parents {
        let next = match segment {
            Segment::Field(name) => at.as_object_mut().and_then(|o| o.get_mut(name)),
            _ => at.as_array_mut().and_then(|items| items.iter_mut().find(|item| segment.matches(item))),
        };
        let Some(next) = next else { return false };
        at = next;
    }
    match last {
        Segment::Field(name) => at.as_object_mut().and_then(|o| o.remove(name)).is_some(),
        _ => at.as_array_mut().is_some_and(|items| {
            let before = items.len();
            items.retain(|item| !last.matches(item));
            items.len() < before
        }),
    }
}

/// How much of the source value [`copy`] takes at the end of a path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Take {
    /// The whole value (a changed or added field, an owned leaf).
    Whole,
    /// For a list item, only its key fields (the item's presence); else the whole value.
    Identity,
}

/// Copies the value at `path` in `source` into `body`, creating the mappings and list items
/// on the way (an item starts as its key fields). Returns false when `source` has no such path.
pub fn copy(body: &mut Value, source: &Value, path: &[Segment], take: Take) -> bool {
    let Some((segment, rest)) = path.split_first() else {
        *body = source.clone();
        return true;
    };
    match segment {
        Segment::Field(name) => {
            let Some(next) = source.as_object().and_then(|o| o.get(name)) else { return false };
            if !body.is_object() {
                *body = Value::Object(Map::new());
            }
            // Checked just above: `body` is an object.
            let map = body.as_object_mut().expect("an object");
            let slot = map.entry(name.clone()).or_insert_with(|| empty_like(next));
            if rest.is_empty() {
                *slot = next.clone();
                return true;
            }
            copy(slot, next, rest, take)
        }
        Segment::Item(_) | Segment::Value(_) => {
            let Some(next) = source.as_array().and_then(|items| items.iter().find(|i| segment.matches(i))) else {
                return false;
            };
            if !body.is_array() {
                *body = Value::Array(Vec::new());
            }
            // Checked just above: `body` is an array.
            let items = body.as_array_mut().expect("an array");
            let index = match items.iter().position(|i| segment.matches(i)) {
                Some(index) => index,
                None => {
                    items.push(identity_of(segment));
                    items.len() - 1
                }
            };
            if rest.is_empty() {
                if take == Take::Whole {
                    items[index] = next.clone();
                }
                return true;
            }
            copy(&mut items[index], next, rest, take)
        }
    }
}

/// A list item holding only what names it.
fn identity_of(segment: &Segment) -> Value {
    match segment {
        Segment::Item(keys) => Value::Object(keys.clone()),
        Segment::Value(value) => value.clone(),
        Segment::Field(_) => Value::Null,
    }
}

/// An empty container of the same shape as `value` (a placeholder for a scalar).
fn empty_like(value: &Value) -> Value {
    match value {
        Value::Object(_) => Value::Object(Map::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

/// The leaf paths of a `managedFields[].fieldsV1` tree (`f:` fields, `k:` keyed items, `v:`
/// set items; `.` marks the node itself and adds no path of its own).
pub fn fields_v1_leaves(fields: &Value) -> Vec<FieldPath> {
    let mut out = Vec::new();
    if let Some(node) = fields.as_object() {
        walk_fields_v1(node, &mut Vec::new(), &mut out);
    }
    out
}

fn walk_fields_v1(node: &Map<String, Value>, prefix: &mut FieldPath, out: &mut Vec<FieldPath>) {
    let mut children = 0;
    for (key, child) in node {
        let Some(segment) = fields_v1_segment(key) else { continue };
        children += 1;
        prefix.push(segment);
        match child.as_object() {
            Some(grand) => walk_fields_v1(grand, prefix, out),
            None => out.push(prefix.clone()),
        }
        prefix.pop();
    }
    if children == 0 && !prefix.is_empty() {
        out.push(prefix.clone());
    }
}

fn fields_v1_segment(key: &str) -> Option<Segment> {
    if let Some(name) = key.strip_prefix("f:") {
        return Some(Segment::Field(name.to_string()));
    }
    if let Some(keys) = key.strip_prefix("k:") {
        return serde_json::from_str::<Map<String, Value>>(keys).ok().map(Segment::Item);
    }
    if let Some(value) = key.strip_prefix("v:") {
        return serde_json::from_str::<Value>(value).ok().map(Segment::Value);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(keys: Value) -> Segment {
        Segment::Item(keys.as_object().expect("keys").clone())
    }

    #[test]
    fn fields_v1_trees_become_leaf_paths() {
        let fields = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}}
            }}}},
            "f:finalizers": {"v:\"x\"": {}}
        });
        let mut leaves: Vec<String> = fields_v1_leaves(&fields).iter().map(|p| display(p)).collect();
        leaves.sort();
        assert_eq!(
            leaves,
            vec![
                "finalizers[=x]",
                "metadata.labels.app",
                "spec.replicas",
                "spec.template.spec.containers[name=app].image",
                "spec.template.spec.containers[name=app].name",
            ]
        );
        let path = &fields_v1_leaves(&json!({"f:spec": {"f:c": {"k:{\"name\":\"a\"}": {".": {}}}}}))[0];
        assert_eq!(serde_json::to_value(path).expect("json"), json!(["spec", "c", {"name": "a"}]));
    }

    #[test]
    fn copy_builds_only_the_named_fields_and_items_start_as_their_keys() {
        let source = json!({"spec": {"replicas": 3, "paused": false, "containers": [
            {"name": "a", "image": "a:1", "args": ["x"]}, {"name": "b", "image": "b:1"}
        ]}});
        let mut body = json!({"kind": "Deployment"});
        let b = item(json!({"name": "b"}));
        assert!(copy(
            &mut body,
            &source,
            &[Segment::Field("spec".into()), Segment::Field("replicas".into())],
            Take::Whole
        ));
        let image = [
            Segment::Field("spec".into()),
            Segment::Field("containers".into()),
            b.clone(),
            Segment::Field("image".into()),
        ];
        assert!(copy(&mut body, &source, &image, Take::Whole));
        assert!(!copy(&mut body, &source, &[Segment::Field("nope".into())], Take::Whole));
        assert_eq!(
            body,
            json!({"kind": "Deployment", "spec": {"replicas": 3, "containers": [{"name": "b", "image": "b:1"}]}})
        );
        let a = [Segment::Field("spec".into()), Segment::Field("containers".into()), item(json!({"name": "a"}))];
        let mut only_keys = json!({});
        copy(&mut only_keys, &source, &a, Take::Identity);
        assert_eq!(only_keys, json!({"spec": {"containers": [{"name": "a"}]}}));
        copy(&mut only_keys, &source, &a, Take::Whole);
        assert_eq!(get(&only_keys, &a), get(&source, &a));
        assert!(remove(&mut only_keys, &a));
        assert!(!remove(&mut only_keys, &a), "already gone");
        assert_eq!(only_keys, json!({"spec": {"containers": []}}));
    }
}
