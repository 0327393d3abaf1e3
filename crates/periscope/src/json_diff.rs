//! Path-by-path differences between two JSON documents (Kubernetes objects, Helm values):
//! added, removed or changed leaves, with list items matched by their `name` when they have
//! one (`spec.template.spec.containers[name=app].image`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// How a path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Add,
    Remove,
    Modify,
}

/// One difference at one path (`spec.template.spec.containers[name=app].image`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Every path where `before` and `after` differ.
pub fn changes(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(Some(before), Some(after), &mut String::new(), false, &mut out);
    out
}

/// Where `live` differs from what `desired` (a manifest object) sets: only the manifest's paths.
pub fn drift(desired: &Value, live: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(Some(desired), Some(live), &mut String::new(), true, &mut out);
    out
}

/// Compares `a` (before, or desired) with `b` (after, or live) under `path`; `only_a` walks
/// only `a`'s keys (drift).
fn walk(a: Option<&Value>, b: Option<&Value>, path: &mut String, only_a: bool, out: &mut Vec<Change>) {
    let push = |out: &mut Vec<Change>, path: &str, kind| {
        out.push(Change { path: path.to_string(), kind, before: a.cloned(), after: b.cloned() })
    };
    match (a, b) {
        (None, None) => {}
        (Some(_), None) => push(out, path, ChangeKind::Remove),
        (None, Some(_)) => push(out, path, ChangeKind::Add),
        (Some(x), Some(y)) if same(x, y) => {}
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys: Vec<&String> = if only_a {
                x.keys().collect()
            } else {
                let mut keys: Vec<&String> = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))).collect();
                keys.sort();
                keys
            };
            for key in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(x.get(key), y.get(key), path, only_a, out);
                path.truncate(len);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => match named(x).zip(named(y)) {
            Some((xs, ys)) => {
                let mut names: Vec<&str> = xs.keys().copied().collect();
                if !only_a {
                    names.extend(ys.keys().filter(|n| !xs.contains_key(*n)));
                }
                for name in names {
                    let len = path.len();
                    path.push_str(&format!("[name={name}]"));
                    walk(xs.get(name).copied(), ys.get(name).copied(), path, only_a, out);
                    path.truncate(len);
                }
            }
            None => {
                let count = if only_a { x.len() } else { x.len().max(y.len()) };
                for i in 0..count {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(x.get(i), y.get(i), path, only_a, out);
                    path.truncate(len);
                }
            }
        },
        (Some(_), Some(_)) => push(out, path, ChangeKind::Modify),
    }
}

/// Items of a list by their unique `name`, if every item is a mapping with one.
fn named(items: &[Value]) -> Option<BTreeMap<&str, &Value>> {
    let map: BTreeMap<&str, &Value> =
        items.iter().map(|i| Some((i.get("name")?.as_str()?, i))).collect::<Option<_>>()?;
    (map.len() == items.len() && !items.is_empty()).then_some(map)
}

/// Equal, counting a number and the same number written as a string as equal (a manifest's
/// `"80"` and the apiserver's `80` are one value).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => n.to_string() == *s,
        _ => a == b,
    }
}
