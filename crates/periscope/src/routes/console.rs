//! The console: every non-API page is the embedded web app (`web/`, built into `web/dist` by
//! `make web` and compiled into the binary). Hashed files under `/assets/` are immutable;
//! every other HTML GET gets `index.html` (no-cache) and the app routes in the browser.
//! A binary built without the web app serves a minimal server-rendered page instead, showing
//! who is signed in, so sign-in still works end to end.

use std::borrow::Cow;

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    response::{Html, IntoResponse, Response},
};
use rust_embed::RustEmbed;

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser, identity::Identity};

/// The built web app. `build.rs` makes sure the folder exists (empty without node).
#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct WebApp;

/// Cache policy of fingerprinted build output.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The app loads only its own scripts, styles, fonts and workers and talks only to this server.
/// Inline styles are allowed because the YAML editor (Monaco) positions its lines with `style`
/// attributes in HTML it writes, and the browser would refuse them (monaco-editor#271); scripts
/// stay `'self'` only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn asset(path: &str, cache_control: &'static str) -> Option<Response> {
    let file = WebApp::get(path)?;
    let mut mime = file.metadata.mimetype().to_string();
    if (mime.starts_with("text/") || mime == "application/javascript") && !mime.contains("charset") {
        mime.push_str("; charset=utf-8");
    }
    let body: Vec<u8> = match file.data {
        Cow::Borrowed(b) => b.to_vec(),
        Cow::Owned(b) => b,
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Some(response)
}

/// Fallback handler: the web app for browsers, the error envelope for anything else.
pub async fn shell(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let readable = request.method() == Method::GET || request.method() == Method::HEAD;
    if !readable || path.starts_with("/api/") || path == "/api" {
        return ApiError::RouteNotFound(path).into_response();
    }
    // Build output (scripts, styles, icons) is public: it holds no data and no secrets.
    if let Some(file) = path.strip_prefix("/assets/") {
        return asset(&format!("assets/{file}"), IMMUTABLE)
            .unwrap_or_else(|| ApiError::RouteNotFound(path.clone()).into_response());
    }
    let root_file = path.strip_prefix('/').filter(|p| !p.is_empty() && !p.contains('/') && p.contains('.'));
    if let Some(file) = root_file.filter(|f| *f != "index.html")
        && let Some(response) = asset(file, "no-cache")
    {
        return response;
    }
    let wants_html =
        request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if !wants_html {
        return ApiError::RouteNotFound(path).into_response();
    }
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return ApiError::Unauthenticated.into_response();
    };
    if let Some(mut response) = asset("index.html", "no-cache") {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        response.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        return response;
    }
    let here = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    placeholder(&state, &user, &here)
}

/// The page of a binary built without the web app.
fn placeholder(state: &AppState, user: &Identity, here: &str) -> Response {
    let tier = state.auth.authz.tier_for(user).map(|t| t.as_str()).unwrap_or("none");
    let groups = if user.groups.is_empty() { "(none)".to_string() } else { user.groups.join(", ") };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Periscope</title></head><body><main>\
         <h1>Periscope</h1><p id=\"page\">Page: {page}</p>\
         <p id=\"subject\">Signed in as {subject} ({email})</p><p id=\"groups\">Groups: {groups}</p>\
         <p id=\"tier\">Tier: {tier}</p><p>This binary was built without the web console \
         (build it with <code>make web</code>, then rebuild); the API under /api works.</p>\
         <p><a href=\"/api/auth/logout\">Sign out</a> · <a href=\"/api/auth/logout/everywhere\">Sign out everywhere</a></p>\
         </main></body></html>",
        page = escape(here),
        subject = escape(&user.subject),
        email = escape(&user.email),
        groups = escape(&groups),
        tier = tier,
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}
