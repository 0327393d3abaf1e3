//! A private PostgreSQL for the test run (`testenv/postgres.sh`), started once per process
//! (reused if already running), with a fresh database per caller.

use std::{path::PathBuf, process::Command, sync::OnceLock};

use crate::{random_suffix, repo_root};

/// Where the test cluster lives: under /tmp so the `postgres` OS user can reach it.
pub fn data_dir() -> PathBuf {
    std::env::var_os("PERISCOPE_TEST_PGDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/periscope-test-postgres"))
}

/// The DSN of the server's `periscope` database, starting the server if needed.
pub fn server_dsn() -> &'static str {
    static DSN: OnceLock<String> = OnceLock::new();
    DSN.get_or_init(|| run_script("start", &data_dir()))
}

/// A new, empty database; returns its DSN.
pub fn fresh_database(prefix: &str) -> String {
    let dsn = server_dsn();
    let name = format!("t_{prefix}_{}", random_suffix());
    let out = Command::new("psql")
        .args([dsn, "-v", "ON_ERROR_STOP=1", "-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("run psql");
    assert!(out.status.success(), "CREATE DATABASE {name}: {}", String::from_utf8_lossy(&out.stderr));
    match dsn.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("unexpected DSN {dsn}"),
    }
}

/// A PostgreSQL server of a test's own (for tests that stop it); destroyed when dropped.
pub struct PrivatePostgres {
    pub dir: PathBuf,
    pub dsn: String,
}

impl PrivatePostgres {
    /// Starts a new server in a fresh directory under /tmp.
    pub fn start() -> PrivatePostgres {
        let dir = PathBuf::from(format!("/tmp/periscope-test-pg-{}", random_suffix()));
        let dsn = run_script("start", &dir);
        PrivatePostgres { dir, dsn }
    }

    /// Stops the server (keeps the data).
    pub fn stop(&self) {
        run_script("stop", &self.dir);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("testenv/postgres.sh")).arg("destroy").arg(&self.dir).output();
    }
}

fn run_script(verb: &str, dir: &std::path::Path) -> String {
    let out = Command::new(repo_root().join("testenv/postgres.sh"))
        .arg(verb)
        .arg(dir)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run testenv/postgres.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "postgres.sh {verb} failed: {stdout}");
    stdout.lines().last().unwrap_or_default().trim().to_string()
}
