//! A terminal client for exec tests: opens `{pod}/exec` over a WebSocket the way the web app
//! does, and reads what the server sends (output bytes, control frames).

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tokio_tungstenite::{
    WebSocketStream, client_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::{TestCluster, TestNamespace};

/// What a refused upgrade answered: status and envelope.
pub type Refusal = (u16, Value);

/// One terminal session.
pub struct Terminal {
    ws: WebSocketStream<Link>,
    /// Set: nothing more this terminal writes reaches the server.
    deaf: Arc<AtomicBool>,
    /// Every output byte received so far.
    pub output: Vec<u8>,
    /// Every control frame received so far.
    pub controls: Vec<Value>,
    /// WebSocket pings received so far (each answered with a pong while reading).
    pub pings: usize,
    /// Whether the server closed the connection (or it broke).
    pub ended: bool,
    /// Stdin bytes sent so far.
    pub bytes_sent: u64,
}

/// The `command=` value of an argv.
pub fn command_param(argv: &[&str]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(argv).unwrap_or_default())
}

/// Creates a pod `name` in `ns` that kwok runs (containers `shell` and `side`; kwok's
/// ClusterExec runs what is exec'd in it on this machine) and waits until it is Ready.
pub fn running_pod(cluster: &TestCluster, ns: &TestNamespace, name: &str) {
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  nodeSelector: {{type: kwok}}\n  \
         tolerations: [{{operator: Exists}}]\n  containers: [{{name: shell, image: busybox}}, {{name: side, image: busybox}}]\n",
        ns = ns.name
    );
    cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&yaml));
    cluster.kubectl(&["wait", "--for=condition=Ready", &format!("pod/{name}"), "-n", &ns.name, "--timeout=60s"]);
}

/// The `ws://` exec URL of `pod` on a server at `base_url` (`http://…`).
pub fn exec_url(base_url: &str, cluster: &str, namespace: &str, pod: &str, query: &str) -> String {
    let base = base_url.replacen("http://", "ws://", 1);
    format!("{base}/api/clusters/{cluster}/resources/core/v1/pods/{namespace}/{pod}/exec?{query}")
}

impl Terminal {
    /// Opens `url` (`ws://…/exec?…`) with `Origin: origin` and extra `headers`; a refusal
    /// before the upgrade comes back as its status and JSON envelope.
    pub async fn open(url: &str, origin: &str, headers: &[(&str, &str)]) -> Result<Terminal, Refusal> {
        let mut request = url.into_client_request().expect("a valid ws URL");
        request.headers_mut().insert("origin", HeaderValue::from_str(origin).expect("origin header"));
        for (k, v) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).expect("header name");
            request.headers_mut().insert(name, HeaderValue::from_str(v).expect("header value"));
        }
        let (host, port) =
            (request.uri().host().unwrap_or_default().to_string(), request.uri().port_u16().unwrap_or(80));
        let tcp = TcpStream::connect((host.as_str(), port)).await.map_err(|e| (0, Value::String(e.to_string())))?;
        // Keystrokes are tiny frames; Nagle's algorithm would hold them back.
        tcp.set_nodelay(true).map_err(|e| (0, Value::String(e.to_string())))?;
        let deaf = Arc::new(AtomicBool::new(false));
        match client_async(request, Link { tcp, deaf: deaf.clone() }).await {
            Ok((ws, _)) => Ok(Terminal {
                ws,
                deaf,
                output: Vec::new(),
                controls: Vec::new(),
                pings: 0,
                ended: false,
                bytes_sent: 0,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let body = response.body().as_deref().map(|b| serde_json::from_slice(b).unwrap_or(Value::Null));
                Err((status, body.unwrap_or(Value::Null)))
            }
            Err(e) => Err((0, Value::String(e.to_string()))),
        }
    }

    /// Sends keystrokes.
    pub async fn send(&mut self, input: &str) {
        self.send_bytes(input.as_bytes()).await;
    }

    /// Sends raw stdin bytes.
    pub async fn send_bytes(&mut self, input: &[u8]) {
        self.ws.send(Message::Binary(input.to_vec().into())).await.expect("send input");
        self.bytes_sent += input.len() as u64;
    }

    /// Sends a control frame.
    pub async fn control(&mut self, frame: Value) {
        self.ws.send(Message::Text(frame.to_string().into())).await.expect("send control");
    }

    /// Reads frames until `done` holds or `wait` passes; false when it never held (or the
    /// socket closed first).
    pub async fn until(&mut self, wait: Duration, mut done: impl FnMut(&Terminal) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        while !done(self) {
            if self.ended {
                return false;
            }
            let next = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(next) => next,
            };
            match next {
                Some(Ok(Message::Binary(bytes))) => self.output.extend_from_slice(&bytes),
                Some(Ok(Message::Text(text))) => self.controls.push(serde_json::from_str(&text).unwrap_or(Value::Null)),
                Some(Ok(Message::Ping(_))) => self.pings += 1,
                Some(Ok(_)) => {}
                None | Some(Err(_)) => {
                    self.ended = true;
                    return done(self);
                }
            }
        }
        true
    }

    /// The output as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// The first control frame of `kind` (`hello`, `closed`, `idle_warn`, `error`).
    pub fn control_of(&self, kind: &str) -> Option<&Value> {
        self.controls.iter().find(|c| c["type"] == kind)
    }

    /// Every control frame of `kind`.
    pub fn controls_of(&self, kind: &str) -> Vec<&Value> {
        self.controls.iter().filter(|c| c["type"] == kind).collect()
    }

    /// The session id the `hello` frame named (empty before it came).
    pub fn session_id(&self) -> String {
        self.control_of("hello").and_then(|h| h["sessionId"].as_str()).unwrap_or_default().to_string()
    }

    /// Waits for the `hello` frame; false when it did not come within `wait`.
    pub async fn hello(&mut self, wait: Duration) -> bool {
        self.until(wait, |t| t.control_of("hello").is_some()).await
    }

    /// Waits until the output holds `needle`; false when it did not within `wait`.
    pub async fn output_contains(&mut self, wait: Duration, needle: &str) -> bool {
        let needle = needle.as_bytes();
        self.until(wait, |t| t.output.windows(needle.len()).any(|w| w == needle)).await
    }

    /// From now on nothing this terminal writes reaches the server, pongs included (a frozen
    /// browser tab); it still reads what the server sends.
    pub fn stop_answering(&self) {
        self.deaf.store(true, Ordering::Relaxed);
    }

    /// Closes the connection from this side (a browser tab closing).
    pub async fn close_socket(&mut self) {
        let _ = self.ws.close(None).await;
    }

    /// Waits for the `closed` frame.
    pub async fn closed(&mut self, wait: Duration) -> Option<Value> {
        self.until(wait, |t| t.control_of("closed").is_some()).await;
        self.control_of("closed").cloned()
    }
}

/// The terminal's TCP connection, which can stop writing while it still reads.
struct Link {
    tcp: TcpStream,
    deaf: Arc<AtomicBool>,
}

impl AsyncRead for Link {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Link {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        if self.deaf.load(Ordering::Relaxed) {
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}
