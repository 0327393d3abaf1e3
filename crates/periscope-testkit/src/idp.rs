//! The real OpenID provider from `testenv/oidc` (panva oidc-provider), one per test, with the
//! token lifetimes the test asks for, plus its test-control endpoints.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

use crate::repo_root;

/// Token lifetimes for a test IdP (seconds).
#[derive(Debug, Clone)]
pub struct IdpOptions {
    pub access_token_ttl: u64,
    pub id_token_ttl: u64,
    pub refresh_token_ttl: u64,
}

impl Default for IdpOptions {
    fn default() -> Self {
        IdpOptions { access_token_ttl: 3600, id_token_ttl: 3600, refresh_token_ttl: 86400 }
    }
}

/// A running IdP; stopped when dropped.
pub struct Idp {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub issuer: String,
    http: reqwest::Client,
}

impl Idp {
    /// Starts `node testenv/oidc/server.mjs` and waits for its ready line. A node process that
    /// has not come up within 20 s is killed and started again (at most three attempts); seen
    /// once in CI as a node start-up that never reached `listen`.
    pub fn start(options: IdpOptions) -> Idp {
        let mut failures = Vec::new();
        for attempt in 1..=3 {
            match Self::try_start(&options, Duration::from_secs(20)) {
                Ok(idp) => return idp,
                Err(e) => {
                    eprintln!("testkit: IdP start attempt {attempt} failed: {e}");
                    failures.push(e);
                }
            }
        }
        panic!("the test IdP did not start: {failures:?}");
    }

    fn try_start(options: &IdpOptions, timeout: Duration) -> Result<Idp, String> {
        let root = repo_root();
        let log = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        let mut child = Command::new("node")
            .arg(root.join("testenv/oidc/server.mjs"))
            .args(["--port", "0"])
            .args(["--access-token-ttl", &options.access_token_ttl.to_string()])
            .args(["--id-token-ttl", &options.id_token_ttl.to_string()])
            .args(["--refresh-token-ttl", &options.refresh_token_ttl.to_string()])
            .stdout(Stdio::piped())
            .stderr(log.reopen().map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("node is installed and testenv/oidc has its dependencies (make testdeps): {e}"))?;
        let stdout = child.stdout.take().ok_or("stdout was not piped")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(timeout) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = std::fs::read_to_string(log.path()).unwrap_or_default();
                return Err(format!("no ready line within {timeout:?}; stderr: {stderr}"));
            }
        };
        let ready: Value = serde_json::from_str(&line).map_err(|e| format!("IdP ready line {line:?}: {e}"))?;
        let issuer = ready["issuer"].as_str().ok_or_else(|| format!("IdP did not start: {line}"))?.to_string();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| e.to_string())?;
        Ok(Idp { child, issuer, http })
    }

    /// `{refreshGrants: {account: n}, codeGrants: {account: n}}`.
    pub async fn stats(&self) -> Value {
        self.http.get(format!("{}/_test/stats", self.issuer)).send().await.expect("stats").json().await.expect("json")
    }

    /// How many refresh grants the IdP served for `account`.
    pub async fn refresh_grants(&self, account: &str) -> u64 {
        self.stats().await["refreshGrants"][account].as_u64().unwrap_or(0)
    }

    /// Makes refresh grants for `account` fail with `invalid_grant` (or succeed again).
    pub async fn fail_refresh(&self, account: &str, fail: bool) {
        let status = self
            .http
            .post(format!("{}/_test/fail-refresh", self.issuer))
            .json(&json!({"account": account, "fail": fail}))
            .send()
            .await
            .expect("fail-refresh")
            .status();
        assert!(status.is_success(), "fail-refresh answered {status}");
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
