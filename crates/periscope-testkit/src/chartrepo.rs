//! Chart sources for Helm install tests: a classic chart repository served over HTTP (the test
//! chart `testenv/charts/hello` packaged by the real helm at several versions, indexed by
//! `helm repo index` with relative archive URLs) and a real OCI registry (testenv's
//! `oci-registry`, TLS with its own CA) the charts are pushed to with `helm push`. Both are on
//! this host's outward address — not loopback, which the server's SSRF guard always refuses.

use std::{
    net::{IpAddr, SocketAddr, UdpSocket},
    path::Path,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running chart repository; stops when dropped.
pub struct ChartRepo {
    /// `http://<outward ip>:<port>/`.
    pub url: String,
    /// The same repository at `http://127.0.0.1:<port>/`.
    pub loopback_url: String,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
    charts: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for ChartRepo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ChartRepo {
    /// The test chart at each of `versions` (app version `v<version>`), packaged by `helm`.
    pub async fn hello(helm: &Path, versions: &[&str]) -> ChartRepo {
        let dir = tempfile::tempdir().expect("repository directory");
        let chart = crate::repo_root().join("testenv/charts/hello");
        let home = dir.path().join(".helm");
        let run = |args: &[&str]| {
            let out = Command::new(helm)
                .args(args)
                .env("HELM_CACHE_HOME", home.join("cache"))
                .env("HELM_CONFIG_HOME", home.join("config"))
                .env("HELM_DATA_HOME", home.join("data"))
                .output()
                .expect("helm runs");
            assert!(out.status.success(), "helm {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let out = dir.path().join("charts");
        let out_str = out.to_string_lossy().into_owned();
        for version in versions {
            let app = format!("v{version}");
            run(&["package", &chart.to_string_lossy(), "--version", version, "--app-version", &app, "-d", &out_str]);
        }
        run(&["repo", "index", &out_str]);
        let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.expect("bind the repository");
        let port = listener.local_addr().expect("address").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(serve(listener, out.clone(), requests.clone()));
        ChartRepo {
            url: format!("http://{}/", SocketAddr::new(outward_ip(), port)),
            loopback_url: format!("http://127.0.0.1:{port}/"),
            requests,
            task,
            charts: dir.path().join("charts"),
            _dir: dir,
        }
    }

    /// The packaged archive of `version`.
    pub fn archive(&self, version: &str) -> std::path::PathBuf {
        self.charts.join(format!("hello-{version}.tgz"))
    }

    /// How many requests the repository has answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// This host's address on its default route (where another machine would reach it).
fn outward_ip() -> IpAddr {
    // Connecting a UDP socket sends nothing; it only picks the source address of the route.
    let socket = UdpSocket::bind("0.0.0.0:0").expect("udp socket");
    socket.connect("203.0.113.1:9").expect("a default route: the chart repository needs a non-loopback address");
    let ip = socket.local_addr().expect("local address").ip();
    assert!(!ip.is_loopback(), "the host has no outward address");
    ip
}

/// Answers `GET /<file>` from `dir` (one request per connection).
async fn serve(listener: tokio::net::TcpListener, dir: std::path::PathBuf, requests: Arc<AtomicUsize>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let dir = dir.clone();
        let requests = requests.clone();
        tokio::spawn(async move {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            requests.fetch_add(1, Ordering::SeqCst);
            let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string();
            let path = line.split(' ').nth(1).unwrap_or("/").trim_start_matches('/').to_string();
            let file = (!path.contains("..") && !path.contains('/')).then(|| dir.join(&path));
            let (status, body) = match file.map(std::fs::read) {
                Some(Ok(body)) => ("200 OK", body),
                _ => ("404 Not Found", b"not found".to_vec()),
            };
            let header = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(header.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// A running OCI registry (testenv's `oci-registry`: distribution's server, in memory, TLS);
/// stops when dropped.
pub struct OciRegistry {
    /// `<outward ip>:<port>`.
    pub host: String,
    /// The registry's certificate authority (PEM), for `--helm-repo-ca-file` and `helm push`.
    pub ca_file: std::path::PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for OciRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OciRegistry {
    /// Starts testenv's `oci-registry` (found on `PATH`, where `make test` puts testenv's
    /// binaries) on this host's outward address and waits until it accepts connections.
    pub async fn start() -> OciRegistry {
        let binary = std::env::var_os("PATH")
            .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join("oci-registry")).find(|p| p.is_file()))
            .expect("oci-registry on PATH (testenv/build.sh builds it)");
        let dir = tempfile::tempdir().expect("registry directory");
        let ip = outward_ip();
        let host = SocketAddr::new(ip, crate::free_port()).to_string();
        let child = Command::new(&binary)
            .args(["--addr", &host, "--ips", &format!("{ip},127.0.0.1"), "--dir"])
            .arg(dir.path())
            // It logs every 404 `helm push` probes for at error level: noise, not failures.
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("oci-registry starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while tokio::net::TcpStream::connect(&host).await.is_err() || !dir.path().join("ca.pem").is_file() {
            assert!(std::time::Instant::now() < deadline, "oci-registry did not listen on {host}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        OciRegistry { host, ca_file: dir.path().join("ca.pem"), child, _dir: dir }
    }

    /// Pushes a chart archive to `oci://<host>/<path>` with `helm`.
    pub fn push(&self, helm: &Path, archive: &Path, path: &str) {
        let home = tempfile::tempdir().expect("helm home");
        let out = Command::new(helm)
            .arg("push")
            .arg(archive)
            .arg(format!("oci://{}/{path}", self.host))
            .arg("--ca-file")
            .arg(&self.ca_file)
            .env("HELM_CACHE_HOME", home.path().join("cache"))
            .env("HELM_CONFIG_HOME", home.path().join("config"))
            .env("HELM_DATA_HOME", home.path().join("data"))
            .output()
            .expect("helm runs");
        assert!(out.status.success(), "helm push: {}", String::from_utf8_lossy(&out.stderr));
    }
}
