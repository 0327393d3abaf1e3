//! One connection's deadlines. hyper's own header-read timer also runs while a keep-alive
//! connection waits for its next request, so it cannot tell a slow head from an idle
//! connection; this module tracks what the connection is doing instead and closes it when
//!
//! - its request head is not complete within the header timeout of its first byte (or of
//!   the connection opening: a new connection owes a request at once);
//! - it waits for its next request longer than the idle timeout;
//! - a response's bytes stop moving for the idle timeout (a client that does not read).
//!
//! While a handler computes, no connection deadline runs: the request timeout
//! (`http::timeouts`) bounds that.

use std::{
    convert::Infallible,
    future::Future,
    io,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
    task::{Context, Poll},
    time::Duration,
};

use axum::{Router, body::Body};
use hyper::body::{Frame, Incoming, SizeHint};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::Notify,
    time::Instant,
};
use tower::ServiceExt;

/// The connection deadlines (`None`: no limit).
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub header: Option<Duration>,
    pub idle: Option<Duration>,
}

/// Why a connection was closed by its deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The request head did not arrive in time.
    Header,
    /// No request came within the idle timeout.
    Idle,
    /// A response's bytes did not move within the idle timeout.
    Stalled,
}

impl Expiry {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Expiry::Header => "header",
            Expiry::Idle => "idle",
            Expiry::Stalled => "stalled",
        }
    }
}

#[derive(Debug)]
struct State {
    /// Requests whose handler has not produced a response head yet.
    handling: u32,
    /// Responses whose body has not been sent (or dropped) yet.
    sending: u32,
    /// Requests taken from this connection so far.
    served: u64,
    /// The last time a byte moved either way (or the connection opened).
    last_io: Instant,
    /// When the first byte of the next request head arrived.
    head_since: Option<Instant>,
}

/// What one connection is doing, shared by its I/O, its service and its watchdog.
#[derive(Debug)]
pub struct Activity {
    state: Mutex<State>,
    /// Wakes the watchdog when a deadline may have moved earlier.
    changed: Notify,
}

impl Activity {
    /// A connection that just opened.
    pub fn new() -> Arc<Self> {
        let state = State { handling: 0, sending: 0, served: 0, last_io: Instant::now(), head_since: None };
        Arc::new(Activity { state: Mutex::new(state), changed: Notify::new() })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters; a panic while it was held leaves them usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) {
        let mut state = self.lock();
        let now = Instant::now();
        state.last_io = now;
        if state.handling == 0 && state.sending == 0 && state.head_since.is_none() {
            state.head_since = Some(now);
            drop(state);
            self.changed.notify_one();
        }
    }

    fn wrote(&self) {
        self.lock().last_io = Instant::now();
    }

    /// The next deadline and what passing it means; `None` while a handler computes.
    fn deadline(&self, limits: Deadlines) -> Option<(Instant, Expiry)> {
        let state = self.lock();
        if state.handling > 0 {
            None
        } else if state.sending > 0 {
            limits.idle.map(|t| (state.last_io + t, Expiry::Stalled))
        } else if let Some(since) = state.head_since {
            limits.header.map(|t| (since + t, Expiry::Header))
        } else if state.served == 0 {
            limits.header.map(|t| (state.last_io + t, Expiry::Header))
        } else {
            limits.idle.map(|t| (state.last_io + t, Expiry::Idle))
        }
    }

    /// Resolves when the connection has passed one of its deadlines.
    pub async fn expired(&self, limits: Deadlines) -> Expiry {
        loop {
            // Created before reading the state: a change in between still wakes us (the
            // permit of `notify_one` is kept for the next waiter).
            let changed = self.changed.notified();
            match self.deadline(limits) {
                None => changed.await,
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// A request being handled: turns into [`Sending`] when its response head is ready.
struct Handling(Arc<Activity>);

impl Handling {
    fn begin(activity: &Arc<Activity>) -> Self {
        let mut state = activity.lock();
        state.handling += 1;
        state.served += 1;
        state.head_since = None;
        drop(state);
        Handling(activity.clone())
    }

    fn into_sending(self) -> Sending {
        self.0.lock().sending += 1;
        // Dropping `self` ends the handling phase (and wakes the watchdog).
        Sending(self.0.clone())
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.lock().handling -= 1;
        self.0.changed.notify_one();
    }
}

/// A response whose body is on its way; dropped with the body.
struct Sending(Arc<Activity>);

impl Drop for Sending {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.sending -= 1;
        state.last_io = Instant::now();
        drop(state);
        self.0.changed.notify_one();
    }
}

/// A socket that reports its traffic to the connection's [`Activity`].
pub struct Watched<T> {
    io: T,
    activity: Arc<Activity>,
}

impl<T> Watched<T> {
    /// Wraps `io`.
    pub fn new(io: T, activity: Arc<Activity>) -> Self {
        Watched { io, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The application as one connection's hyper service, reporting each request's phases.
#[derive(Clone)]
pub struct Service {
    app: Router,
    activity: Arc<Activity>,
    slot: ConnectionSlot,
}

impl Service {
    /// Serves `app` on the connection whose activity is `activity` and which holds `slot`.
    pub fn new(app: Router, activity: Arc<Activity>, slot: ConnectionSlot) -> Self {
        Service { app, activity, slot }
    }
}

/// The connection's unit of the connection cap (and its open-connections gauge), shared with
/// its requests: a WebSocket handler keeps it after the upgrade, when hyper hands the socket
/// over and the connection task ends, so upgraded connections still count against the cap.
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<dyn Send + Sync>);

impl ConnectionSlot {
    /// A slot that holds `parts` until its last clone is dropped.
    pub fn new(parts: impl Send + Sync + 'static) -> Self {
        ConnectionSlot(Arc::new(parts))
    }
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<http::Response<TrackedBody>, Infallible>> + Send>>;

impl hyper::service::Service<http::Request<Incoming>> for Service {
    type Response = http::Response<TrackedBody>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let handling = Handling::begin(&self.activity);
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(self.slot.clone());
        let response = self.app.clone().oneshot(request);
        Box::pin(async move {
            let response = response.await?;
            let phase = if response.extensions().get::<QuietStream>().is_some() {
                // Silent for as long as its source is: no stall deadline while it streams.
                Phase::Handling(handling)
            } else {
                Phase::Sending(handling.into_sending())
            };
            Ok(response.map(|body| TrackedBody { body, _phase: phase }))
        })
    }
}

/// Marks a response that may legitimately send nothing for long (a watch or followed log
/// passed through the Kubernetes API proxy, which cannot add keep-alive bytes of its own): its
/// connection keeps no stall deadline while it streams.
#[derive(Debug, Clone, Copy)]
pub struct QuietStream;

/// Which phase a response body holds its connection in until it is done or dropped.
enum Phase {
    Sending(#[allow(dead_code)] Sending),
    Handling(#[allow(dead_code)] Handling),
}

/// A response body that ends its connection's sending (or handling) phase when it is done or dropped.
pub struct TrackedBody {
    body: Body,
    _phase: Phase,
}

impl hyper::body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
