//! Server-side apply of a user-edited document: parse the body, check that it names the object
//! of the URL, drop what the server owns, and explain field-manager conflicts.

use serde_json::{Map, Value, json};

use crate::resources::kinds::Scope;

/// Field manager of free-form applies from the YAML editor.
pub const FIELD_MANAGER: &str = "periscope";

/// Metadata fields the apiserver owns; sending them back would pin stale values or be rejected.
const SERVER_OWNED_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// What the URL says the document must be.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub scope: Scope,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

/// Parses an apply body (JSON or YAML, one document) into a JSON object.
pub fn parse_document(body: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_string())?;
    if text.trim().is_empty() {
        return Err("the body is empty".into());
    }
    // JSON is YAML, but the JSON parser gives better messages for JSON input.
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?
    } else {
        let mut docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| format!("invalid YAML: {e}"))?;
        // `from_multiple` yields empty documents (a trailing `---`) as null; they carry nothing.
        docs.retain(|d| !d.is_null());
        match docs.len() {
            1 => docs.remove(0),
            0 => return Err("the body holds no document".into()),
            n => return Err(format!("the body holds {n} documents; apply one object at a time")),
        }
    };
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!("the document must be a mapping (an object), not {}", type_name(&other))),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Checks that `doc` names the object of the URL; fills in a missing namespace (as kubectl does).
pub fn check_identity(doc: &mut Map<String, Value>, want: Identity<'_>) -> Result<(), String> {
    let field = |doc: &Map<String, Value>, key: &str| doc.get(key).and_then(Value::as_str).map(str::to_string);
    match field(doc, "apiVersion") {
        Some(v) if v == want.api_version => {}
        Some(v) => return Err(format!("apiVersion {v:?} does not match the URL's {:?}", want.api_version)),
        None => return Err("apiVersion is missing".into()),
    }
    match field(doc, "kind") {
        Some(k) if k == want.kind => {}
        Some(k) => return Err(format!("kind {k:?} does not match the URL's {:?}", want.kind)),
        None => return Err("kind is missing".into()),
    }
    let metadata = doc
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| "metadata is missing or not a mapping".to_string())?;
    match metadata.get("name").and_then(Value::as_str) {
        Some(n) if n == want.name => {}
        Some(n) => return Err(format!("metadata.name {n:?} does not match the URL's {:?}", want.name)),
        None => return Err("metadata.name is missing".into()),
    }
    let namespace = metadata.get("namespace").and_then(Value::as_str).filter(|ns| !ns.is_empty());
    match (want.scope, namespace, want.namespace) {
        (Scope::Namespaced, Some(ns), Some(url)) if ns != url => {
            Err(format!("metadata.namespace {ns:?} does not match the URL's {url:?}"))
        }
        (Scope::Namespaced, None, Some(url)) => {
            metadata.insert("namespace".into(), Value::String(url.to_string()));
            Ok(())
        }
        (Scope::Cluster, Some(ns), _) => {
            Err(format!("{} is cluster-scoped but metadata.namespace is {ns:?}", want.kind))
        }
        _ => Ok(()),
    }
}

/// Removes the fields the server owns (metadata bookkeeping and `status`) from `doc`.
pub fn strip_server_fields(doc: &mut Map<String, Value>) {
    if let Some(metadata) = doc.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in SERVER_OWNED_METADATA {
            metadata.remove(*key);
        }
    }
    // Status is written by controllers through its subresource; an apply claiming it would
    // either be ignored or fight the controller.
    doc.remove("status");
}

/// The smallest apply document for the object: identity only, to be extended with the fields
/// a one-click action claims.
pub fn skeleton(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Value {
    let mut metadata = json!({ "name": name });
    if let Some(ns) = namespace {
        metadata["namespace"] = Value::String(ns.to_string());
    }
    json!({ "apiVersion": api_version, "kind": kind, "metadata": metadata })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn want() -> Identity<'static> {
        Identity {
            api_version: "apps/v1",
            kind: "Deployment",
            scope: Scope::Namespaced,
            namespace: Some("a"),
            name: "web",
        }
    }

    #[test]
    fn parses_yaml_and_json_and_refuses_lists_of_documents() {
        let yaml = parse_document(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").expect("yaml");
        assert_eq!(yaml["kind"], "ConfigMap");
        let json = parse_document(br#"{"apiVersion":"v1","kind":"ConfigMap"}"#).expect("json");
        assert_eq!(json["apiVersion"], "v1");
        assert!(parse_document(b"a: 1\n---\nb: 2\n").unwrap_err().contains("2 documents"));
        assert!(parse_document(b"- 1\n- 2\n").unwrap_err().contains("a list"));
        assert!(parse_document(b"a: [1,\n").unwrap_err().contains("invalid YAML"));
        assert!(parse_document(b"  \n").is_err());
    }

    #[test]
    fn identity_mismatches_are_named_and_a_missing_namespace_is_filled_in() {
        let mut doc = parse_document(b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n").expect("doc");
        check_identity(&mut doc, want()).expect("matches");
        assert_eq!(doc["metadata"]["namespace"], "a");
        for (body, needle) in [
            ("apiVersion: v1\nkind: Deployment\nmetadata: {name: web}", "apiVersion"),
            ("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}", "kind"),
            ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}", "metadata.name"),
            ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: b}", "metadata.namespace"),
        ] {
            let mut doc = parse_document(body.as_bytes()).expect("doc");
            assert!(check_identity(&mut doc, want()).unwrap_err().contains(needle), "{body}");
        }
    }

    #[test]
    fn server_fields_and_status_are_stripped() {
        let mut doc = parse_document(
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  uid: u\n  resourceVersion: '1'\n  managedFields: []\n  labels: {a: b}\nstatus: {phase: x}\n",
        )
        .expect("doc");
        strip_server_fields(&mut doc);
        assert_eq!(
            Value::Object(doc),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}})
        );
    }

    #[test]
    fn conflict_causes_name_field_and_manager() {
        let status: Status = serde_json::from_value(json!({
            "code": 409, "reason": "Conflict", "message": "Apply failed with 1 conflict",
            "details": {"causes": [
                {"reason": "FieldManagerConflict", "message": "conflict with \"other\" using apps/v1", "field": ".spec.replicas"},
                {"message": "conflict with \"kubectl\": .spec.paused"}
            ]}
        }))
        .expect("status");
        let found = crate::error::field_conflicts(&status);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].field.as_str(), found[0].manager.as_str()), (".spec.replicas", "other"));
        assert_eq!((found[1].field.as_str(), found[1].manager.as_str()), (".spec.paused", "kubectl"));
    }
}
