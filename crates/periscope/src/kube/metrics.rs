//! Apiserver request metrics: a tower layer on each cluster's connection pools that records
//! latency (to the response head) and outcome by cluster and a coarse verb. Object names,
//! namespaces and paths never become label values.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use http::{Method, Request, Response, Uri};
use tower::{Layer, Service};

use crate::telemetry::{CounterVec, HistogramVec, LATENCY_BUCKETS};

static LATENCY: HistogramVec<2> = HistogramVec::new(
    "periscope_apiserver_request_duration_seconds",
    "Time to the apiserver's response head by cluster and verb (watches: until the watch opens).",
    ["cluster", "verb"],
    LATENCY_BUCKETS,
);

static REQUESTS: CounterVec<3> = CounterVec::new(
    "periscope_apiserver_requests_total",
    "Apiserver requests by cluster, verb and HTTP status (`error`: no answer: connection, TLS or timeout).",
    ["cluster", "verb", "code"],
);

/// The verb of a request, coarse enough to be a label: `list`, `get`, `watch`, `create`,
/// `update`, `patch`, `delete`, `discovery` (API groups, versions, OpenAPI) or `other`.
pub fn verb(method: &Method, uri: &Uri) -> &'static str {
    match *method {
        Method::POST => return "create",
        Method::PUT => return "update",
        Method::PATCH => return "patch",
        Method::DELETE => return "delete",
        Method::GET => {}
        _ => return "other",
    }
    let watching = uri.query().is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"));
    if watching {
        return "watch";
    }
    let segments: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    // `/api/v1/…` and `/apis/{group}/{version}/…`; anything shorter or elsewhere is discovery.
    let rest = match segments.as_slice() {
        ["api", _version, rest @ ..] | ["apis", _, _version, rest @ ..] => rest,
        _ => return "discovery",
    };
    let rest = match rest {
        ["namespaces", _namespace, more @ ..] if !more.is_empty() => more,
        other => other,
    };
    match rest.len() {
        0 => "discovery",
        1 => "list",
        _ => "get",
    }
}

/// Adds the metrics of one cluster's requests to the service below it.
#[derive(Clone)]
pub struct ApiserverMetricsLayer {
    cluster: Arc<str>,
}

impl ApiserverMetricsLayer {
    /// The layer for requests to `cluster`.
    pub fn new(cluster: &str) -> Self {
        ApiserverMetricsLayer { cluster: Arc::from(cluster) }
    }
}

impl<S> Layer<S> for ApiserverMetricsLayer {
    type Service = ApiserverMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ApiserverMetrics { inner, cluster: self.cluster.clone() }
    }
}

/// See [`ApiserverMetricsLayer`].
#[derive(Clone)]
pub struct ApiserverMetrics<S> {
    inner: S,
    cluster: Arc<str>,
}

impl<S, B, R> Service<Request<B>> for ApiserverMetrics<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<R>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let verb = verb(request.method(), request.uri());
        let cluster = self.cluster.clone();
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            LATENCY.observe([&cluster, verb], started.elapsed());
            let status = result.as_ref().ok().map(Response::status);
            let code = status.as_ref().map_or("error", http::StatusCode::as_str);
            REQUESTS.inc([&cluster, verb, code]);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::verb;
    use http::Method;

    fn get(uri: &str) -> &'static str {
        verb(&Method::GET, &uri.parse().expect("uri"))
    }

    #[test]
    fn verbs_are_coarse_and_name_nothing() {
        assert_eq!(get("/api/v1/namespaces/team-a/pods?limit=500"), "list");
        assert_eq!(get("/api/v1/pods"), "list");
        assert_eq!(get("/api/v1/namespaces"), "list");
        assert_eq!(get("/api/v1/namespaces/team-a"), "get");
        assert_eq!(get("/api/v1/namespaces/team-a/pods/web-1"), "get");
        assert_eq!(get("/api/v1/namespaces/team-a/pods/web-1/log"), "get");
        assert_eq!(get("/apis/apps/v1/namespaces/team-a/deployments"), "list");
        assert_eq!(get("/apis/apps/v1/deployments/x"), "get");
        assert_eq!(get("/api/v1/namespaces/team-a/pods?watch=true&resourceVersion=5"), "watch");
        assert_eq!(get("/apis/apps/v1"), "discovery");
        assert_eq!(get("/apis"), "discovery");
        assert_eq!(get("/openapi/v3"), "discovery");
        assert_eq!(get("/version"), "discovery");
        let uri = "/api/v1/namespaces/a/pods/b".parse().expect("uri");
        assert_eq!(verb(&Method::PATCH, &uri), "patch");
        assert_eq!(verb(&Method::POST, &uri), "create");
    }
}
