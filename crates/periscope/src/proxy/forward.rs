//! Moves one request to the apiserver through a user's client and its answer back: only a
//! short allow-list of request headers travels (never the caller's `Authorization` or
//! `Impersonate-*`), bodies are bounded, answers stream as they arrive, and an HTTP/1.1 upgrade
//! (WebSocket, SPDY: exec, attach, port-forward) becomes a spliced byte stream.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderName, Request, Response, StatusCode, header},
};
use hyper_util::rt::TokioIo;

use crate::{error::ApiError, http::body::read_at_most};

/// Request headers that reach the apiserver. Everything else (credentials, impersonation,
/// cookies, forwarding headers) stays here.
const REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "content-type",
    "content-encoding",
    "user-agent",
    "kubectl-command",
    "kubectl-session",
    "x-stream-protocol-version",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
];

/// Response headers that are about one hop and are not passed back.
const HOP_BY_HOP: &[&str] = &["connection", "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection"];

/// Marks a response the compression layer must leave alone (it would hold back a watch's
/// events until a compressed block fills).
#[derive(Debug, Clone, Copy)]
pub struct Uncompressed;

/// Whether the request asks to switch protocols.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
}

/// Sends `request` to `path_and_query` on the cluster behind `client` and answers with what
/// came back; a `long_lived` answer (a watch, a followed log) may stay silent as long as the
/// apiserver does. `cluster` names it in errors.
pub async fn forward(
    client: &kube::Client,
    cluster: &str,
    mut request: Request<Body>,
    path_and_query: &str,
    max_body: usize,
    long_lived: bool,
) -> Result<Response<Body>, ApiError> {
    let upgrade = is_upgrade(request.headers());
    let client_side = upgrade.then(|| hyper::upgrade::on(&mut request));
    let (parts, body) = request.into_parts();
    let bytes = if upgrade { Default::default() } else { read_at_most(&parts.headers, body, max_body).await? };
    let mut outgoing = Request::builder().method(parts.method.clone()).uri(path_and_query);
    for name in REQUEST_HEADERS {
        for value in parts.headers.get_all(*name) {
            outgoing = outgoing.header(*name, value);
        }
    }
    if let Some(protocol) = parts.headers.get(header::UPGRADE) {
        outgoing = outgoing.header(header::UPGRADE, protocol).header(header::CONNECTION, "Upgrade");
    }
    let outgoing = outgoing
        .body(kube::client::Body::from(bytes))
        .map_err(|e| ApiError::bad(format!("the request cannot be forwarded: {e}")))?;
    let unreachable = |reason: String| ApiError::ClusterUnreachable { cluster: cluster.to_string(), reason };
    let mut answer = client.send(outgoing).await.map_err(|e| unreachable(crate::error::with_causes(&e)))?;
    if answer.status() == StatusCode::SWITCHING_PROTOCOLS {
        let Some(client_side) = client_side else {
            return Err(unreachable("the apiserver switched protocols unasked".into()));
        };
        let upstream = hyper::upgrade::on(&mut answer);
        tokio::spawn(async move {
            match tokio::try_join!(client_side, upstream) {
                Ok((down, up)) => {
                    let (mut down, mut up) = (TokioIo::new(down), TokioIo::new(up));
                    if let Err(e) = tokio::io::copy_bidirectional(&mut down, &mut up).await {
                        tracing::debug!(error = %e, "proxied upgrade ended");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "proxied upgrade failed"),
            }
        });
        let mut response = Response::builder().status(StatusCode::SWITCHING_PROTOCOLS);
        for (name, value) in answer.headers() {
            response = response.header(name, value);
        }
        return response.body(Body::empty()).map_err(|e| ApiError::Internal(format!("upgrade answer: {e}")));
    }
    let (mut head, body) = answer.into_parts();
    for name in HOP_BY_HOP.iter().chain(["upgrade"].iter()) {
        head.headers.remove(HeaderName::from_static(name));
    }
    head.extensions = Default::default();
    head.extensions.insert(Uncompressed);
    if long_lived {
        head.extensions.insert(crate::server::connection::QuietStream);
    }
    Ok(Response::from_parts(head, Body::new(body)))
}
