//! A classic Helm chart repository served over HTTP for install tests: the test chart
//! (`testenv/charts/hello`) packaged by the real helm at several versions, indexed by
//! `helm repo index` (relative archive URLs), served from this host's outward address — not
//! loopback, which the server's SSRF guard always refuses.

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
        let task = tokio::spawn(serve(listener, out, requests.clone()));
        ChartRepo {
            url: format!("http://{}/", SocketAddr::new(outward_ip(), port)),
            loopback_url: format!("http://127.0.0.1:{port}/"),
            requests,
            task,
            _dir: dir,
        }
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
