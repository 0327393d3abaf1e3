//! The tunnel's multiplexer, shared by the server and the agent: one yamux connection driven by
//! one task. Each stream has its own receive window and buffer, so a stream nobody reads holds
//! up only itself: the connection keeps reading for the others.

use std::{collections::VecDeque, future::poll_fn, task::Poll};

use tokio::sync::{mpsc, oneshot};
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};

/// One stream of a tunnel, as tokio I/O.
pub type MuxStream = Compat<yamux::Stream>;

type Opened = Result<yamux::Stream, yamux::ConnectionError>;

/// Opens streams on a driven connection; cheap to clone.
#[derive(Clone)]
pub struct MuxHandle(mpsc::Sender<oneshot::Sender<Opened>>);

impl MuxHandle {
    /// A new outbound stream (an error once the connection has ended).
    pub async fn open(&self) -> Result<MuxStream, String> {
        let (tx, rx) = oneshot::channel();
        self.0.send(tx).await.map_err(|_| "the tunnel has closed".to_string())?;
        match rx.await {
            Ok(Ok(stream)) => Ok(stream.compat()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the tunnel has closed".to_string()),
        }
    }
}

/// Turns on TCP keepalive probes on a tunnel's socket, so a peer that vanished without closing
/// (a partition, a frozen host) is noticed within about 5 s, not at the kernel's hours-long
/// default. yamux itself sends no keepalives.
pub fn keep_alive(tcp: &tokio::net::TcpStream) -> std::io::Result<()> {
    let probes = socket2::TcpKeepalive::new()
        .with_time(std::time::Duration::from_secs(2))
        .with_interval(std::time::Duration::from_secs(1))
        .with_retries(3);
    socket2::SockRef::from(tcp).set_tcp_keepalive(&probes)
}

/// The settings of both ends: up to 1,024 streams, each with yamux's own window (256 KiB,
/// tuned up with use), 256 MiB of receive windows per connection at most.
fn config() -> yamux::Config {
    let mut config = yamux::Config::default();
    config.set_max_num_streams(1024);
    config.set_max_connection_receive_window(Some(1024 * 256 * 1024));
    config
}

/// A handle for `io` and the future that drives it as a yamux connection (`server`: the side
/// that accepted the TCP connection) until it ends, giving inbound streams to `on_inbound`.
pub fn connection<T>(
    io: T,
    server: bool,
    mut on_inbound: impl FnMut(MuxStream) + Send + 'static,
) -> (MuxHandle, impl std::future::Future<Output = Result<(), String>> + Send)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut requests) = mpsc::channel::<oneshot::Sender<Opened>>(64);
    let mode = if server { yamux::Mode::Server } else { yamux::Mode::Client };
    let mut conn = yamux::Connection::new(io.compat(), config(), mode);
    let drive = async move {
        let mut waiting: VecDeque<oneshot::Sender<Opened>> = VecDeque::new();
        poll_fn(move |cx| {
            while let Poll::Ready(Some(request)) = requests.poll_recv(cx) {
                waiting.push_back(request);
            }
            while !waiting.is_empty() {
                match conn.poll_new_outbound(cx) {
                    Poll::Ready(opened) => {
                        if let Some(request) = waiting.pop_front() {
                            let _ = request.send(opened);
                        }
                    }
                    Poll::Pending => break,
                }
            }
            // Polling for inbound streams is also what moves every stream's bytes.
            loop {
                match conn.poll_next_inbound(cx) {
                    Poll::Ready(Some(Ok(stream))) => on_inbound(stream.compat()),
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e.to_string())),
                    Poll::Ready(None) => return Poll::Ready(Ok(())),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await
    };
    (MuxHandle(tx), drive)
}
