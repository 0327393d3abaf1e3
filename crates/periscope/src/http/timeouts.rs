//! Request and body timeouts (a layer in `app::router`). Every route gets a deadline for its
//! response head (504 `E_TIMEOUT`) and for receiving its body (408 `E_BODY_TIMEOUT`), except
//! event streams and WebSocket upgrades: they live long on purpose and keep their own
//! heartbeats and session checks.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use hyper::body::{Frame, SizeHint};
use tokio::time::Sleep;
use tracing::Instrument;

use crate::{error::ApiError, http::metrics::TIMEOUTS, http::origin_guard::is_websocket_upgrade};

/// The route templates whose answers are event streams (see `app::api_routes`).
pub const STREAMING_ROUTES: &[&str] = &["/api/streams", "/api/clusters/{cluster}/watch/{group}/{version}/{resource}"];

/// The per-request limits (`None`: no limit).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timeouts {
    /// From the request head to the response head.
    pub request: Option<Duration>,
    /// From the request head to the end of its body.
    pub body: Option<Duration>,
}

fn is_stream(request: &Request) -> bool {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    route.is_some_and(|r| STREAMING_ROUTES.contains(&r)) || is_websocket_upgrade(request.headers())
}

fn seconds(limit: Duration) -> String {
    format!("{} s", limit.as_secs_f64())
}

/// Middleware: applies both timeouts to every request that is not a stream.
pub async fn layer(State(timeouts): State<Timeouts>, request: Request, next: Next) -> Response {
    if is_stream(&request) {
        return next.run(request).await;
    }
    let (request, body_expired) = match timeouts.body {
        Some(limit) if !request.body().is_end_stream() => {
            let expired = Arc::new(AtomicBool::new(false));
            let watched = request.map(|inner| Body::new(DeadlineBody::new(inner, limit, expired.clone())));
            (watched, Some((expired, limit)))
        }
        _ => (request, None),
    };
    let response = match timeouts.request {
        Some(limit) => within(limit, request, next).await,
        None => next.run(request).await,
    };
    match body_expired {
        // Whatever the handler made of the failed read, the client hears why.
        Some((expired, limit)) if expired.load(Ordering::Relaxed) => {
            TIMEOUTS.inc(["body"]);
            ApiError::BodyTimeout(format!("the request body did not arrive within {}", seconds(limit))).into_response()
        }
        _ => response,
    }
}

/// Runs the rest of the stack with a deadline for the response head. Reads are abandoned at
/// the deadline; anything else runs on to its end in the background, so a change that already
/// reached a cluster still gets its audit outcome row, and only the answer is a 504.
async fn within(limit: Duration, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let safe = matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let answered = if safe {
        tokio::time::timeout(limit, next.run(request)).await.ok()
    } else {
        let mut task = tokio::spawn(next.run(request).in_current_span());
        match tokio::time::timeout(limit, &mut task).await {
            Ok(Ok(response)) => Some(response),
            // Re-raised so the panic layer outside answers it like any other.
            Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Ok(Err(e)) => Some(ApiError::Internal(format!("request task failed: {e}")).into_response()),
            Err(_) => None,
        }
    };
    answered.unwrap_or_else(|| {
        TIMEOUTS.inc(["request"]);
        let tail = if safe { "" } else { "; the change it started may still complete, check the audit trail" };
        ApiError::Timeout(format!("the request took longer than {}{tail}", seconds(limit))).into_response()
    })
}

/// A request body that fails once its deadline has passed (and says so in `expired`).
struct DeadlineBody {
    inner: Body,
    sleep: Pin<Box<Sleep>>,
    limit: Duration,
    expired: Arc<AtomicBool>,
}

impl DeadlineBody {
    /// Starts the clock now: the deadline runs from the request, not from the first read.
    fn new(inner: Body, limit: Duration, expired: Arc<AtomicBool>) -> Self {
        DeadlineBody { inner, sleep: Box::pin(tokio::time::sleep(limit)), limit, expired }
    }
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        // Data that is already there wins over a deadline passing at the same moment.
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            let message = format!("request body not received within {}", seconds(this.limit));
            return Poll::Ready(Some(Err(axum::Error::new(message))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
