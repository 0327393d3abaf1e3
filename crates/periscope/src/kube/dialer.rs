//! How a cluster's connections are opened: TCP to its apiserver, or a stream through its
//! agent's tunnel (the agent forwards the HTTP/1.1 connection to its apiserver). Everything
//! above — TLS where the URL asks for it, the pools, every client — is the same for both, so
//! no feature has agent-specific code.

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use http::Uri;
use hyper_util::{
    client::legacy::connect::{Connected, Connection, HttpConnector},
    rt::TokioIo,
};
use tower::Service;

use crate::agent::{mux::MuxStream, tunnel::Tunnels};

/// Opens one connection to a cluster.
#[derive(Clone)]
pub enum Dialer {
    Tcp(HttpConnector),
    Tunnel { cluster: Arc<str>, tunnels: Arc<Tunnels> },
}

/// An open connection: a TCP socket or a tunnel stream.
pub enum Dialed {
    Tcp(TokioIo<tokio::net::TcpStream>),
    Tunnel(TokioIo<MuxStream>),
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Service<Uri> for Dialer {
    type Response = Dialed;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Dialed, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            Dialer::Tcp(http) => http.poll_ready(cx).map_err(Into::into),
            Dialer::Tunnel { .. } => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        match self {
            Dialer::Tcp(http) => {
                let connecting = http.call(uri);
                Box::pin(async move { Ok(Dialed::Tcp(connecting.await?)) })
            }
            Dialer::Tunnel { cluster, tunnels } => {
                let (cluster, tunnels) = (cluster.clone(), tunnels.clone());
                Box::pin(async move { Ok(Dialed::Tunnel(TokioIo::new(tunnels.open_stream(&cluster).await?))) })
            }
        }
    }
}

impl Connection for Dialed {
    fn connected(&self) -> Connected {
        match self {
            Dialed::Tcp(tcp) => tcp.connected(),
            Dialed::Tunnel(_) => Connected::new(),
        }
    }
}

impl hyper::rt::Read for Dialed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Dialed::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            Dialed::Tunnel(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl hyper::rt::Write for Dialed {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Dialed::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            Dialed::Tunnel(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Dialed::Tcp(io) => Pin::new(io).poll_flush(cx),
            Dialed::Tunnel(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Dialed::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            Dialed::Tunnel(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}
