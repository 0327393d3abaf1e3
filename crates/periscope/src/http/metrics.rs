//! HTTP metrics: requests by route template, method and status with a latency histogram (a
//! layer in `app::router`), plus the connection and timeout counters the server and the
//! timeout layer feed. Routes are labelled by their template (`MatchedPath`), never the raw
//! path, so object names never become label values.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    middleware::Next,
    response::Response,
};

use crate::telemetry::{Counter, CounterVec, Gauge, HistogramVec, LATENCY_BUCKETS};

static REQUESTS: CounterVec<3> = CounterVec::new(
    "periscope_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
);

static DURATION: HistogramVec<2> = HistogramVec::new(
    "periscope_http_request_duration_seconds",
    "Time to the response head by route template and method (event streams: until the stream opens).",
    ["route", "method"],
    LATENCY_BUCKETS,
);

static IN_FLIGHT: Gauge =
    Gauge::new("periscope_http_requests_in_flight", "Requests whose response head is not ready yet.");

/// Connections currently served (refused ones not counted).
static OPEN: Gauge = Gauge::new("periscope_http_open_connections", "Client connections being served.");

/// Connections refused because the connection cap was reached.
pub static REFUSED: Counter =
    Counter::new("periscope_http_refused_connections_total", "Connections refused over the connection cap.");

/// Timeouts by kind: `header`, `idle`, `stalled` (connections closed) and `body`, `request`
/// (requests answered 408 / 504).
pub static TIMEOUTS: CounterVec<1> =
    CounterVec::new("periscope_http_timeouts_total", "Connections closed or requests answered by a timeout.", ["kind"]);

/// Counts one open connection for as long as it lives.
pub struct OpenConnection(());

impl OpenConnection {
    /// A connection opened.
    pub fn track() -> Self {
        OPEN.add(1);
        OpenConnection(())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        OPEN.add(-1);
    }
}

/// Counts a request in flight until its response head is ready (or it is abandoned).
struct InFlight;

impl InFlight {
    fn new() -> Self {
        IN_FLIGHT.add(1);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.add(-1);
    }
}

/// The route label: the matched template, or where an unmatched request went.
fn route_label(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_string(),
        None if request.uri().path().starts_with("/api/") => "unmatched".into(),
        None => "console".into(),
    }
}

/// The method label; methods outside HTTP's own set share one value.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware: records each answered request.
pub async fn layer(request: Request, next: Next) -> Response {
    let route = route_label(&request);
    let method = method_label(request.method());
    let started = Instant::now();
    let in_flight = InFlight::new();
    let response = next.run(request).await;
    drop(in_flight);
    DURATION.observe([&route, method], started.elapsed());
    REQUESTS.inc([&route, method, response.status().as_str()]);
    response
}
