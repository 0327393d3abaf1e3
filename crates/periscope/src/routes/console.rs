//! The console shell: every non-API page. Until the web app is embedded (its own issue) this
//! is a minimal server-rendered page showing who is signed in, so sign-in can be exercised
//! end to end in a real browser.

use axum::{
    extract::{Request, State},
    http::{Method, header},
    response::{Html, IntoResponse, Response},
};

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Fallback handler: HTML pages for browsers, the error envelope for anything else.
pub async fn shell(State(state): State<AppState>, request: Request) -> Response {
    let wants_html =
        request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let path = request.uri().path().to_string();
    if request.method() != Method::GET || !wants_html || path.starts_with("/api/") {
        return ApiError::RouteNotFound(path).into_response();
    }
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return ApiError::Unauthenticated.into_response();
    };
    let tier = state.auth.authz.tier_for(&user).map(|t| t.as_str()).unwrap_or("none");
    let groups = if user.groups.is_empty() { "(none)".to_string() } else { user.groups.join(", ") };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Periscope</title></head><body><main>\
         <h1>Periscope</h1><p id=\"page\">Page: {page}</p>\
         <p id=\"subject\">Signed in as {subject} ({email})</p><p id=\"groups\">Groups: {groups}</p>\
         <p id=\"tier\">Tier: {tier}</p><p>The web console is not embedded in this build yet.</p>\
         <p><a href=\"/api/auth/logout\">Sign out</a> · <a href=\"/api/auth/logout/everywhere\">Sign out everywhere</a></p>\
         </main></body></html>",
        page = escape(request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/")),
        subject = escape(&user.subject),
        email = escape(&user.email),
        groups = escape(&groups),
        tier = tier,
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}
