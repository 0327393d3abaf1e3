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
    DSN.get_or_init(|| {
        let out = Command::new(repo_root().join("testenv/postgres.sh"))
            .arg("start")
            .arg(data_dir())
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run testenv/postgres.sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "postgres.sh start failed: {stdout}");
        stdout.lines().last().unwrap_or_default().trim().to_string()
    })
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
