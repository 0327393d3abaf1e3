//! Cross-origin protection: a mutating request or a WebSocket upgrade whose `Origin` is not
//! this site (its `Host`, the configured public URL, or an explicitly allowed origin) is
//! refused before it reaches a handler. Together with SameSite=Lax cookies this is the CSRF defence.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

/// Origins accepted besides the request's own host.
#[derive(Clone, Default)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

/// Whether the request asks to become a WebSocket.
pub fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Whether `origin` may send state-changing requests to a server reached as `host`.
pub fn origin_allowed(origin: &str, host: Option<&str>, extra: &[String]) -> bool {
    let origin = origin.trim_end_matches('/');
    if origin == "null" {
        return false;
    }
    if let Some(host) = host
        && (origin == format!("http://{host}") || origin == format!("https://{host}"))
    {
        return true;
    }
    extra.iter().any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// Middleware: refuses cross-origin mutations and WebSocket upgrades.
pub async fn layer(State(allowed): State<AllowedOrigins>, request: Request, next: Next) -> Response {
    let method = request.method();
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe || is_websocket_upgrade(request.headers()) {
        let headers = request.headers();
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        match headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("null")) {
            Some(origin) if !origin_allowed(origin, host, &allowed.0) => {
                tracing::warn!(origin, "refused cross-origin request");
                return ApiError::OriginRejected(format!("origin {origin} is not this site")).into_response();
            }
            // No Origin: a non-browser client, unless the browser says it is cross-site.
            None if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") => {
                return ApiError::OriginRejected("cross-site request".into()).into_response();
            }
            _ => {}
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn same_host_or_configured_origins_only() {
        let extra = vec!["https://console.example.com".to_string()];
        assert!(origin_allowed("http://127.0.0.1:8080", Some("127.0.0.1:8080"), &[]));
        assert!(origin_allowed("https://console.example.com", Some("10.0.0.1:8080"), &extra));
        assert!(!origin_allowed("https://evil.example", Some("127.0.0.1:8080"), &extra));
        assert!(!origin_allowed("http://127.0.0.1:9999", Some("127.0.0.1:8080"), &[]));
        assert!(!origin_allowed("null", Some("127.0.0.1:8080"), &[]));
    }
}
