//! Drops every client-sent `Impersonate-*` header before routing. Periscope never forwards
//! client headers to an apiserver, but nothing downstream should ever see them either.

use axum::{extract::Request, middleware::Next, response::Response};

/// Middleware: removes `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
/// `Impersonate-Extra-*` from the incoming request.
pub async fn layer(mut request: Request, next: Next) -> Response {
    let names: Vec<_> =
        request.headers().keys().filter(|name| name.as_str().starts_with("impersonate-")).cloned().collect();
    if !names.is_empty() {
        tracing::warn!(headers = ?names, "dropped client-supplied impersonation headers");
        for name in names {
            request.headers_mut().remove(name);
        }
    }
    next.run(request).await
}
