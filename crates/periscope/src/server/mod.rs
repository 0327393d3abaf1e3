//! The HTTP server: accepts TCP connections up to a cap (politely refusing beyond it), serves
//! each with HTTP/1.1 under its connection deadlines (`connection`), and drains on shutdown.
//! Request and body timeouts are tower layers (`http::timeouts`); their settings come from the
//! same flags ([`HttpArgs`]).

pub mod connection;

use std::{
    convert::Infallible,
    future::Future,
    io,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
};

use crate::{config::auth::parse_duration, error::ApiError, http::metrics as http_metrics, http::timeouts::Timeouts};
use connection::{Activity, Deadlines, Watched};

/// Connection and request limits of `periscope serve` (a `0s` timeout or a `0` cap: no limit).
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Time a client has to send a request's headers, from their first byte (or from connecting).
    #[arg(long = "http-header-timeout", env = "PERISCOPE_HTTP_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request, and a response's bytes may stall.
    #[arg(long = "http-idle-timeout", env = "PERISCOPE_HTTP_IDLE_TIMEOUT", default_value = "75s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Time a handler may spend receiving the request body (408 `E_BODY_TIMEOUT` beyond).
    #[arg(long = "http-body-timeout", env = "PERISCOPE_HTTP_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,
    /// Time to a response for every route but event streams and WebSocket upgrades (504 `E_TIMEOUT`).
    #[arg(long = "http-request-timeout", env = "PERISCOPE_HTTP_REQUEST_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Open client connections at most; beyond, new ones get 503 `E_UNAVAILABLE` and are closed.
    #[arg(long = "http-max-connections", env = "PERISCOPE_HTTP_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
}

fn nonzero(d: Duration) -> Option<Duration> {
    (!d.is_zero()).then_some(d)
}

impl HttpArgs {
    /// The connection-level limits, the cap lowered to what the open-files limit allows.
    pub fn limits(&self) -> Limits {
        Limits {
            deadlines: Deadlines { header: nonzero(self.header_timeout), idle: nonzero(self.idle_timeout) },
            max_connections: (self.max_connections > 0).then(|| within_open_files_limit(self.max_connections)),
        }
    }

    /// The per-request limits the router's timeout layer applies.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts { request: nonzero(self.request_timeout), body: nonzero(self.body_timeout) }
    }
}

/// How many connections are served at once and how long each may dawdle.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub deadlines: Deadlines,
    pub max_connections: Option<usize>,
}

/// Refusals in progress at most; beyond that, connections over the cap are closed unanswered.
const REFUSALS_AT_ONCE: usize = 64;
/// How long a refused client gets to send its request head before the 503 goes anyway.
const REFUSAL_WAIT: Duration = Duration::from_secs(2);
/// `Retry-After` of the 503 over the connection cap.
const RETRY_AFTER_SECONDS: u64 = 5;
/// Descriptors kept for everything but client connections: a quarter of the limit.
const RESERVED_FILES_DIVISOR: u64 = 4;

/// `wanted`, or less when the process may not open that many files besides its other work.
fn within_open_files_limit(wanted: usize) -> usize {
    let mut rlimit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit) } != 0 || rlimit.rlim_cur == libc::RLIM_INFINITY {
        return wanted;
    }
    let soft = rlimit.rlim_cur;
    let allowed = usize::try_from(soft - soft / RESERVED_FILES_DIVISOR).unwrap_or(usize::MAX).max(1);
    if allowed < wanted {
        tracing::warn!(
            wanted,
            allowed,
            open_files_limit = soft,
            "connection cap lowered to fit the open-files limit (raise `ulimit -n` to serve more)"
        );
    }
    wanted.min(allowed)
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets open
/// connections finish their requests (idle ones close at once) and returns when all are gone.
/// Live streams are told to end by the caller (`shutdown::announce`); the caller bounds the drain.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let slots = limits.max_connections.map(|n| Arc::new(Semaphore::new(n)));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    // Each connection holds a receiver: it learns of the shutdown from it, and the sender
    // learns that every connection is gone when the last receiver drops.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Live streams write many small frames; without TCP_NODELAY, Nagle holds each one back
        // until the previous segment is acknowledged.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let permit = match &slots {
            None => None,
            Some(slots) => match slots.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    refuse(stream, &refusals, limits.max_connections.unwrap_or_default());
                    continue;
                }
            },
        };
        tokio::spawn(serve_connection(stream, app.clone(), limits.deadlines, stop_rx.clone(), permit));
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    stop_tx.closed().await;
}

/// Accept errors: a connection that died in the backlog is nobody's problem; anything else
/// (out of file descriptors) is logged and retried after a pause instead of spinning.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Serves one connection under its deadlines; graceful shutdown finishes the request in flight.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    deadlines: Deadlines,
    mut stop: watch::Receiver<bool>,
    slot: Option<OwnedSemaphorePermit>,
) {
    let slot = connection::ConnectionSlot::new((slot, http_metrics::OpenConnection::track()));
    let activity = Activity::new();
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let service = connection::Service::new(app, activity.clone(), slot);
    // Upgrades (WebSockets) leave this task when hyper hands their socket over.
    let mut conn = pin!(http1::Builder::new().keep_alive(true).serve_connection(io, service).with_upgrades());
    let mut expired = pin!(activity.expired(deadlines));
    let mut draining = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            why = &mut expired => {
                http_metrics::TIMEOUTS.inc([why.as_str()]);
                tracing::debug!(deadline = why.as_str(), "connection closed by its deadline");
                // Dropping the connection closes the socket.
                return;
            }
            _ = stop.wait_for(|stop| *stop), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Answers a connection over the cap with 503 (after reading its request head, so the client
/// sees the answer rather than a reset), or closes it at once when too many refusals run.
fn refuse(stream: TcpStream, refusals: &Arc<Semaphore>, cap: usize) {
    http_metrics::REFUSED.inc();
    warn_at_cap(cap);
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |_| async move { Ok::<_, Infallible>(at_capacity(cap)) });
        let conn = http1::Builder::new().keep_alive(false).serve_connection(TokioIo::new(stream), service);
        let _ = tokio::time::timeout(REFUSAL_WAIT, conn).await;
        drop(permit);
    });
}

fn at_capacity(cap: usize) -> axum::response::Response {
    let error = ApiError::Unavailable(format!("the server is at its limit of {cap} connections; retry shortly"));
    let mut response = error.into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// Logs the cap being hit at most every 10 s (the refusal counter has the exact numbers).
fn warn_at_cap(cap: usize) {
    static LAST_WARNING: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let last = LAST_WARNING.load(Ordering::Relaxed);
    if now >= last + 10 && LAST_WARNING.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        tracing::warn!(max_connections = cap, "connection cap reached; refusing new connections with 503");
    }
}
