//! A `periscope serve` process with a test's own configuration, on a free loopback port.

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// What a test server is started with.
#[derive(Debug, Default, Clone)]
pub struct ServerOptions {
    /// Content of clusters.yaml; `None` starts without a clusters file.
    pub clusters_yaml: Option<String>,
    /// Content of auth.yaml; `None` starts without an auth file.
    pub auth_yaml: Option<String>,
    /// Extra environment for the process (e.g. `KUBECONFIG`, `HOME`).
    pub env: Vec<(String, String)>,
    /// Listen on this port instead of a free one chosen by the server (needed when the
    /// configuration must know the URL in advance, e.g. the OIDC redirect URL).
    pub port: Option<u16>,
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    pub http: reqwest::Client,
    /// Holds the config files and the server's log for as long as the server lives.
    pub dir: tempfile::TempDir,
}

/// Output of a server that exited during start-up.
#[derive(Debug)]
pub struct StartFailure {
    pub code: Option<i32>,
    pub stderr: String,
}

impl Server {
    /// Starts `binary serve` and waits until it logs its listening address.
    pub fn start(binary: &Path, options: ServerOptions) -> Server {
        match Self::try_start(binary, options) {
            Ok(server) => server,
            Err(failure) => panic!("periscope did not start (exit {:?}):\n{}", failure.code, failure.stderr),
        }
    }

    /// Like [`Server::start`] but returns how the process failed instead of panicking.
    pub fn try_start(binary: &Path, options: ServerOptions) -> Result<Server, StartFailure> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new(binary);
        command.args(["serve", "--listen", &format!("127.0.0.1:{}", options.port.unwrap_or(0))]);
        command
            .env_remove("PERISCOPE_CLUSTERS_FILE")
            .env_remove("PERISCOPE_AUTH_FILE")
            .env_remove("PERISCOPE_AUTH_MODE");
        if let Some(yaml) = &options.clusters_yaml {
            command.arg("--clusters-file").arg(write(dir.path(), "clusters.yaml", yaml));
        }
        if let Some(yaml) = &options.auth_yaml {
            command.arg("--auth-file").arg(write(dir.path(), "auth.yaml", yaml));
        }
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("PERISCOPE_AUDIT_")) {
            command.env_remove(k);
        }
        // Each server gets its own audit database unless the test says otherwise.
        command.env("PERISCOPE_AUDIT_DB_PATH", dir.path().join("audit.db"));
        for (k, v) in &options.env {
            command.env(k, v);
        }
        let stderr_path = dir.path().join("stderr.log");
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("spawn periscope");
        let stdout = child.stdout.take().expect("stdout was piped");
        let log_path = dir.path().join("stdout.log");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut log = std::fs::File::create(log_path).expect("log file");
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = writeln!(log, "{line}");
                if !sent
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                    && v["message"] == "listening"
                    && let Some(addr) = v["addr"].as_str()
                {
                    let _ = tx.send(addr.to_string());
                    sent = true;
                }
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let addr = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(addr) => break addr,
                Err(_) if std::time::Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                    return Err(StartFailure {
                        code: None,
                        stderr: format!("not listening after 60 s; stderr: {stderr}"),
                    });
                }
                Err(_) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        std::thread::sleep(Duration::from_millis(50));
                        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                        return Err(StartFailure { code: status.code(), stderr });
                    }
                }
            }
        };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
        Ok(Server { child, base_url: format!("http://{addr}"), http, dir })
    }

    /// The server's process id (for resource measurements).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The `host:port` the server listens on (for raw TCP clients).
    pub fn addr(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// A full URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// GETs `path` and returns the status and the JSON body (`Null` if the body is not JSON).
    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self.http.get(self.url(path)).send().await.expect("request reaches the server");
        let status = response.status();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit; returns its exit code.
    pub fn terminate(&mut self, limit: Duration) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The server's own SQLite audit database (unless the test pointed it elsewhere).
    pub fn audit_db(&self) -> PathBuf {
        self.dir.path().join("audit.db")
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to 5 s for a log line containing `needle` (lines reach the log file through a
    /// copying thread, so a line the server just printed may not be there yet).
    pub fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            if self.logs().contains(needle) {
                return true;
            }
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's stdout (JSON log lines) so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write config");
    path
}
