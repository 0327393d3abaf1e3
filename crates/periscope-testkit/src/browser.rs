//! Real Chromium (Debian's) driven by `testenv/browser/login.mjs` (playwright-core).

use std::{path::Path, process::Command};

use serde_json::Value;

use crate::repo_root;

/// Opens `start_url`, signs in at the IdP as `account`, follows redirects back and reports
/// `{finalUrl, status, bodyText, cookies, visited}`; `Err` carries the driver's error line.
pub fn login(start_url: &str, account: &str, screenshot: Option<&Path>, then: &[&str]) -> Result<Value, String> {
    let mut command = Command::new("node");
    command.arg(repo_root().join("testenv/browser/login.mjs")).args(["--start", start_url, "--login", account]);
    if let Some(path) = screenshot {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        command.arg("--screenshot").arg(path);
    }
    for url in then {
        command.args(["--then", url]);
    }
    let out = command.output().map_err(|e| format!("cannot run node: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
    let value: Value = serde_json::from_str(line)
        .map_err(|e| format!("driver output {stdout:?} ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)))?;
    if out.status.success() { Ok(value) } else { Err(value.to_string()) }
}

/// Where tests keep screenshots: `target/test-artifacts/`.
pub fn artifact_path(name: &str) -> std::path::PathBuf {
    repo_root().join("target/test-artifacts").join(name)
}
