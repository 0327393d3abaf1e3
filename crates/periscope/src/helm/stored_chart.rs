//! The chart a revision was made from, rebuilt from release storage: Helm keeps a chart's
//! metadata, templates, files, default values and schema in every revision, so an upgrade with
//! edited values needs no repository. Sub-charts are not kept (Helm drops them from storage),
//! so a chart with dependencies must be upgraded from its repository.

use std::path::{Component, Path, PathBuf};

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use serde_json::Value;

use super::repo::ChartError;

/// A revision's whole chart as Helm stores it.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredChart {
    #[serde(default)]
    metadata: Value,
    /// Helm writes `null` for a chart without any (Go's nil slice).
    #[serde(default)]
    templates: Option<Vec<StoredFile>>,
    #[serde(default)]
    files: Option<Vec<StoredFile>>,
    #[serde(default)]
    values: Option<Value>,
    /// `values.schema.json`, base64 (Go's encoding of bytes).
    #[serde(default)]
    schema: Option<String>,
}

/// One file of a stored chart: its path in the chart and its bytes, base64.
#[derive(Debug, Clone, Deserialize)]
struct StoredFile {
    name: String,
    #[serde(default)]
    data: String,
}

/// The part of a stored release an upgrade reads.
#[derive(Debug, Deserialize)]
pub struct WithChart {
    pub chart: StoredChart,
}

impl StoredChart {
    /// Writes the chart as a directory under `parent`, returning its path.
    pub fn write_to(&self, parent: &Path) -> Result<PathBuf, ChartError> {
        let name = self.metadata.get("name").and_then(Value::as_str).unwrap_or_default();
        if !self.metadata.get("dependencies").and_then(Value::as_array).is_none_or(Vec::is_empty) {
            return Err(ChartError::UnsupportedDeps(format!(
                "chart {name} has sub-charts, which Helm does not keep in release storage: upgrade it from its repository"
            )));
        }
        let dir = parent.join("chart");
        let write = |relative: &str, bytes: &[u8]| -> Result<(), ChartError> {
            let path = dir.join(safe_relative(relative)?);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(path, bytes).map_err(io)
        };
        // JSON is YAML: helm reads these as it reads its own files.
        write("Chart.yaml", self.metadata.to_string().as_bytes())?;
        write("values.yaml", self.values.clone().unwrap_or_else(|| serde_json::json!({})).to_string().as_bytes())?;
        if let Some(schema) = self.schema.as_deref().filter(|s| !s.is_empty()) {
            write("values.schema.json", &base64(schema, "values.schema.json")?)?;
        }
        for file in self.templates.iter().chain(&self.files).flatten() {
            write(&file.name, &base64(&file.data, &file.name)?)?;
        }
        Ok(dir)
    }
}

fn io(e: std::io::Error) -> ChartError {
    ChartError::Invalid(format!("cannot write the chart: {e}"))
}

fn base64(data: &str, name: &str) -> Result<Vec<u8>, ChartError> {
    STANDARD.decode(data).map_err(|e| ChartError::Invalid(format!("stored chart file {name}: {e}")))
}

/// `relative` as a path that stays inside the chart directory (stored names come from whoever
/// could write the storage object, so `..` and absolute paths are refused).
fn safe_relative(relative: &str) -> Result<PathBuf, ChartError> {
    let path = Path::new(relative);
    let normal = !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if normal { Ok(path.to_path_buf()) } else { Err(ChartError::Invalid(format!("stored chart file {relative:?}"))) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chart(extra: Value) -> StoredChart {
        let mut value = json!({
            "metadata": {"apiVersion": "v2", "name": "hello", "version": "0.1.0"},
            "templates": [{"name": "templates/cm.yaml", "data": STANDARD.encode("kind: ConfigMap\n")}],
            "files": [{"name": "README.md", "data": STANDARD.encode("hi")}],
            "lock": null,
            "values": {"greeting": "hi"},
            "schema": STANDARD.encode("{}"),
        });
        if let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(value).expect("a stored chart")
    }

    #[test]
    fn a_stored_chart_is_written_back_as_a_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = chart(json!({})).write_to(dir.path()).expect("written");
        let read = |f: &str| std::fs::read_to_string(path.join(f)).expect(f);
        assert_eq!(read("templates/cm.yaml"), "kind: ConfigMap\n");
        assert_eq!(read("README.md"), "hi");
        assert_eq!(read("values.schema.json"), "{}");
        assert_eq!(serde_json::from_str::<Value>(&read("values.yaml")).expect("json"), json!({"greeting": "hi"}));
        assert_eq!(serde_json::from_str::<Value>(&read("Chart.yaml")).expect("json")["name"], "hello");
    }

    #[test]
    fn paths_leaving_the_chart_and_sub_charts_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["../escape.yaml", "/etc/passwd", "templates/../../x", ""] {
            let bad = chart(json!({"templates": [{"name": name, "data": ""}]}));
            assert!(matches!(bad.write_to(dir.path()), Err(ChartError::Invalid(_))), "{name:?}");
        }
        let none = chart(json!({"files": null}));
        assert!(none.write_to(dir.path()).is_ok(), "Go writes null for no files");
        let deps = chart(json!({"metadata": {"name": "x", "version": "1", "dependencies": [{"name": "redis"}]}}));
        assert!(matches!(deps.write_to(dir.path()), Err(ChartError::UnsupportedDeps(_))));
    }
}
