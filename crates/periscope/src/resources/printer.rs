//! Custom resources' list columns: the CRD's `additionalPrinterColumns`, evaluated with the
//! subset of kubectl's JSONPath that printer columns use (`.a.b`, `[n]`, `[*]`, and
//! `[?(@.key=="value")]` filters).

use serde_json::{Map, Value, json};

/// One step of a printer column's path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    All,
    /// Elements whose `key` (a dotted path) equals `value`.
    Filter(Vec<String>, String),
}

/// A CRD printer column ready to evaluate.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    /// The row key (lowerCamelCase of the column name; `createdAt` for the creation time).
    pub key: String,
    pub label: String,
    /// `integer`, `number`, `boolean`, `date` or `string`.
    pub kind: String,
    steps: Vec<Step>,
}

/// Why a printer column's path cannot be used.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("unsupported JSONPath {path:?}: {why}")]
pub struct PathError {
    path: String,
    why: &'static str,
}

fn parse(path: &str) -> Result<Vec<Step>, PathError> {
    let err = |why| PathError { path: path.to_string(), why };
    // kubectl accepts `{.spec.x}` as well as `.spec.x`.
    let body = path.trim().trim_start_matches('{').trim_end_matches('}');
    let mut steps = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return Err(err("empty field name"));
            }
            steps.push(Step::Field(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(|| err("unclosed ["))?;
            let inner = after[..end].trim();
            rest = &after[end + 1..];
            if inner == "*" {
                steps.push(Step::All);
            } else if let Ok(n) = inner.parse::<usize>() {
                steps.push(Step::Index(n));
            } else if let Some(cond) = inner.strip_prefix("?(@.").and_then(|c| c.strip_suffix(')')) {
                let (key, value) = cond.split_once("==").ok_or_else(|| err("filters must use =="))?;
                let value = value.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
                steps.push(Step::Filter(key.trim().split('.').map(str::to_string).collect(), value));
            } else if let Some(quoted) = inner.strip_prefix('\'').and_then(|q| q.strip_suffix('\'')) {
                steps.push(Step::Field(quoted.to_string()));
            } else {
                return Err(err("unsupported bracket expression"));
            }
        } else {
            return Err(err("a path starts with ."));
        }
    }
    Ok(steps)
}

fn evaluate<'a>(steps: &[Step], root: &'a Value) -> Vec<&'a Value> {
    let mut current = vec![root];
    for step in steps {
        current = current
            .into_iter()
            .flat_map(|v| -> Vec<&'a Value> {
                match step {
                    Step::Field(name) => v.get(name).into_iter().collect(),
                    Step::Index(n) => v.get(*n).into_iter().collect(),
                    Step::All => v.as_array().map(|a| a.iter().collect()).unwrap_or_default(),
                    Step::Filter(key, want) => v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter(|e| {
                                    let got = key.iter().try_fold(*e, |x, k| x.get(k));
                                    got.is_some_and(|g| match g {
                                        Value::String(s) => s == want,
                                        other => {
                                            let text = other.to_string();
                                            text == *want
                                        }
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
    }
    current
}

fn row_key(name: &str, steps: &[Step]) -> String {
    if steps == [Step::Field("metadata".into()), Step::Field("creationTimestamp".into())] {
        return "createdAt".into();
    }
    let mut key = String::new();
    for (i, word) in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                key.extend(first.to_lowercase());
            } else {
                key.extend(first.to_uppercase());
            }
            key.push_str(chars.as_str());
        }
    }
    if key.is_empty() || matches!(key.as_str(), "name" | "namespace" | "uid") { format!("col{key}") } else { key }
}

impl PrinterColumn {
    /// A column from a CRD's `additionalPrinterColumns` entry.
    pub fn new(name: &str, json_path: &str, kind: &str) -> Result<PrinterColumn, PathError> {
        let steps = parse(json_path)?;
        Ok(PrinterColumn { key: row_key(name, &steps), label: name.to_string(), kind: kind.to_string(), steps })
    }

    /// The cell of this column for `object`: one value as is (numbers stay numbers), several
    /// joined with commas as kubectl prints them, none as null.
    pub fn cell(&self, object: &Value) -> Value {
        let found = evaluate(&self.steps, object);
        match found.as_slice() {
            [] => Value::Null,
            [one] => (*one).clone(),
            many => json!(
                many.iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

/// Reads the printer columns of `version` from a CRD object; unusable paths are skipped.
pub fn columns_of_crd(crd: &Value, version: &str) -> Vec<PrinterColumn> {
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let Some(entry) = versions.iter().find(|v| v.get("name").and_then(Value::as_str) == Some(version)) else {
        return Vec::new();
    };
    entry
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|c| {
            let name = c.get("name")?.as_str()?;
            let path = c.get("jsonPath")?.as_str()?;
            let kind = c.get("type").and_then(Value::as_str).unwrap_or("string");
            PrinterColumn::new(name, path, kind)
                .inspect_err(|e| tracing::debug!(column = name, error = %e, "printer column skipped"))
                .ok()
        })
        .collect()
}

/// Adds the printer columns' cells to a row.
pub fn fill(columns: &[PrinterColumn], object: &Value, row: &mut Map<String, Value>) {
    for column in columns {
        if column.key != "createdAt" {
            row.insert(column.key.clone(), column.cell(object));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj() -> Value {
        json!({
            "metadata": {"name": "w", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"color": "blue", "size": 3, "ports": [{"port": 80}, {"port": 443}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}
        })
    }

    #[test]
    fn printer_paths_evaluate_like_kubectl() {
        let cell = |path: &str| PrinterColumn::new("X", path, "string").expect("parses").cell(&obj());
        assert_eq!(cell(".spec.color"), json!("blue"));
        assert_eq!(cell(".spec.size"), json!(3));
        assert_eq!(cell("{.spec.ports[1].port}"), json!(443));
        assert_eq!(cell(".spec.ports[*].port"), json!("80,443"));
        assert_eq!(cell(r#".status.conditions[?(@.type=="Ready")].status"#), json!("True"));
        assert_eq!(cell(".status.phase"), Value::Null);
        assert!(PrinterColumn::new("X", ".spec..x", "string").is_err());
        assert!(PrinterColumn::new("X", "spec.x", "string").is_err());
    }

    #[test]
    fn column_keys_are_camel_case_and_age_is_created_at() {
        assert_eq!(PrinterColumn::new("Desired Replicas", ".spec.r", "integer").expect("ok").key, "desiredReplicas");
        assert_eq!(PrinterColumn::new("Age", ".metadata.creationTimestamp", "date").expect("ok").key, "createdAt");
        assert_eq!(PrinterColumn::new("Name", ".spec.name", "string").expect("ok").key, "colname");
    }
}
