//! One tunnel stream = one HTTP/1.1 connection from the server, forwarded request by request to
//! the apiserver with the agent's own credential. Only the headers the server's client sets
//! travel (impersonation included); an upgrade (exec, attach, port-forward) is spliced.

use http::{HeaderName, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use periscope::agent::mux::MuxStream;

/// Request headers that reach the apiserver besides `Impersonate-*`.
const PASSED: &[&str] = &[
    "accept",
    "accept-encoding",
    "content-type",
    "content-encoding",
    "user-agent",
    "x-request-id",
    "x-stream-protocol-version",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
];

/// The largest request body forwarded (an apply or a proxied kubectl request).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Serves the HTTP/1.1 connection on `stream` until the server closes it.
pub async fn serve_stream(stream: MuxStream, client: kube::Client) {
    let service = hyper::service::service_fn(move |request| {
        let client = client.clone();
        async move { Ok::<_, std::convert::Infallible>(forward(client, request).await) }
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades();
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, "tunnel stream ended");
    }
}

fn passed(name: &HeaderName) -> bool {
    name.as_str().starts_with("impersonate-") || PASSED.contains(&name.as_str())
}

async fn forward(client: kube::Client, mut request: Request<Incoming>) -> Response<kube::client::Body> {
    let upgrade = request.headers().contains_key(header::UPGRADE);
    let server_side = upgrade.then(|| hyper::upgrade::on(&mut request));
    let request_id = request.headers().get("x-request-id").cloned();
    let (parts, body) = request.into_parts();
    let bytes = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return failure(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body: {e}")),
    };
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut outgoing = Request::builder().method(parts.method.clone()).uri(path);
    for (name, value) in parts.headers.iter().filter(|(name, _)| passed(name)) {
        outgoing = outgoing.header(name, value);
    }
    if let Some(protocol) = parts.headers.get(header::UPGRADE) {
        outgoing = outgoing.header(header::UPGRADE, protocol).header(header::CONNECTION, "Upgrade");
    }
    let outgoing = match outgoing.body(kube::client::Body::from(bytes.to_vec())) {
        Ok(outgoing) => outgoing,
        Err(e) => return failure(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    tracing::debug!(method = %parts.method, path, request_id = ?request_id, "forwarding");
    let mut answer = match client.send(outgoing).await {
        Ok(answer) => answer,
        Err(e) => return failure(StatusCode::BAD_GATEWAY, &format!("the apiserver: {e}")),
    };
    if answer.status() == StatusCode::SWITCHING_PROTOCOLS
        && let Some(server_side) = server_side
    {
        let upstream = hyper::upgrade::on(&mut answer);
        tokio::spawn(async move {
            if let Ok((down, up)) = tokio::try_join!(server_side, upstream) {
                let (mut down, mut up) = (TokioIo::new(down), TokioIo::new(up));
                let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
            }
        });
    }
    answer
}

fn failure(status: StatusCode, message: &str) -> Response<kube::client::Body> {
    let status_json = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": format!("periscope-agent: {message}"),
        "code": status.as_u16(),
    });
    let mut response = Response::new(kube::client::Body::from(status_json.to_string().into_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}
