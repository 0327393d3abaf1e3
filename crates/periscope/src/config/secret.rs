//! Secret references in configuration: a literal, `${ENV_NAME}`, or `file://path`.
//! Resolved once at start-up (rotation = restart).

/// Resolves a secret reference; the error says which form failed and why.
pub fn resolve(raw: &str) -> Result<String, String> {
    if let Some(name) = raw.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        return match std::env::var(name) {
            Ok(value) if !value.is_empty() => Ok(value),
            _ => Err(format!("environment variable {name} is not set")),
        };
    }
    if let Some(path) = raw.strip_prefix("file://") {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let value = text.trim_end_matches(['\n', '\r']).to_string();
        if value.is_empty() {
            return Err(format!("{path} is empty"));
        }
        return Ok(value);
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn literal_env_and_file() {
        assert_eq!(resolve("plain"), Ok("plain".into()));
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s");
        std::fs::write(&path, "from-file\n").expect("write");
        assert_eq!(resolve(&format!("file://{}", path.display())), Ok("from-file".into()));
        assert!(resolve("file:///nonexistent/secret").is_err());
        // SAFETY-free env use: a name no other test touches.
        assert!(resolve("${PERISCOPE_TEST_SURELY_UNSET_VAR}").unwrap_err().contains("not set"));
        assert_eq!(resolve("${PATH}"), Ok(std::env::var("PATH").expect("PATH")));
    }
}
