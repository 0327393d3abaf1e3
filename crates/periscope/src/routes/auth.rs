//! `/api/auth/{login,callback,logout,logout/everywhere,loggedout}`: the browser side of sign-in.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    auth::{
        AuthError,
        sessions::{CallbackQuery, unix_now},
    },
    error::ApiError,
    http::{
        cookies::{LOGIN_COOKIE, LOGIN_COOKIE_PATH, clear_cookie, login_cookie, read_cookie, session_cookie},
        extract::Query,
    },
};

/// Where the browser lands after signing out.
pub const LOGGED_OUT_PATH: &str = "/api/auth/loggedout";

/// Accepts only same-origin paths as a post-login destination (no scheme, host or `//`).
pub fn safe_return_to(raw: &str) -> Option<String> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && raw.len() <= 2048
        && !raw.chars().any(|c| c.is_control());
    ok.then(|| raw.to_string())
}

/// Query of `/api/auth/login`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginQuery {
    pub return_to: Option<String>,
}

fn redirect_with_cookies(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = Redirect::to(location).into_response();
    *response.status_mut() = StatusCode::FOUND;
    for c in cookies {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /api/auth/login[?returnTo=/path]`: starts the authorization-code flow.
pub async fn login(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Result<Response, ApiError> {
    let return_to = match query.return_to.as_deref() {
        None | Some("") => "/".to_string(),
        Some(raw) => safe_return_to(raw).ok_or_else(|| {
            ApiError::BadRequest("returnTo must be a path on this site (starting with a single /)".into())
        })?,
    };
    let Some(sessions) = &state.sessions else {
        // Dev mode: everyone is always signed in.
        return Ok(redirect_with_cookies(&return_to, vec![]));
    };
    let (cookie, authorize_url) = sessions.start_login(return_to).await?;
    Ok(redirect_with_cookies(&authorize_url, vec![login_cookie(&sessions.settings, cookie)]))
}

/// `GET /api/auth/callback?code&state`: finishes the flow and starts a fresh session.
pub async fn callback(
    State(state): State<AppState>,
    mut ctx: AuditContext,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    let sessions = state.sessions.as_ref().ok_or_else(|| ApiError::RouteNotFound("/api/auth/callback".into()))?;
    let settings = &sessions.settings;
    // Who signs in is not known until the ID token is verified.
    ctx = AuditContext::new(ctx.request_id, ctx.route, None);
    let mut action = state.audit.begin(ctx, Verb::Login, None, ResourceRef::default(), None).await?;
    let outcome = sessions.finish_login(read_cookie(&headers, LOGIN_COOKIE), &query, &state.auth.authz).await;
    let clear_login = clear_cookie(settings, LOGIN_COOKIE, LOGIN_COOKIE_PATH);
    let outcome = match outcome {
        Ok(outcome) => {
            action.ctx.set_identity(&outcome.identity);
            state.audit.finish(&action, Outcome::Success, None, None).await?;
            outcome
        }
        Err(e) => {
            let result = if matches!(e, AuthError::NotAllowed(_)) { Outcome::Denied } else { Outcome::Failure };
            let e = ApiError::from(e);
            state.audit.finish(&action, result, Some(e.to_string()), Some(json!({"code": e.code()}))).await?;
            let mut response = e.into_response();
            response.headers_mut().append(header::SET_COOKIE, clear_login);
            return Ok(response);
        }
    };
    // Whatever session this browser had before is gone: the id always changes at sign-in.
    if let Some(previous) = read_cookie(&headers, &settings.cookie_name) {
        sessions.logout(previous).await?;
    }
    let max_age = outcome.expires_at - unix_now();
    let cookies = vec![clear_login, session_cookie(settings, outcome.cookie_value, max_age)];
    Ok(redirect_with_cookies(&outcome.return_to, cookies))
}

/// `GET|POST /api/auth/logout`: ends this browser's session.
pub async fn logout(
    State(state): State<AppState>,
    ctx: AuditContext,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(sessions) = &state.sessions else { return Ok(redirect_with_cookies(LOGGED_OUT_PATH, vec![])) };
    let settings = &sessions.settings;
    if let Some(cookie) = read_cookie(&headers, &settings.cookie_name) {
        audited_logout(&state, ctx, "local", sessions.logout(cookie)).await?;
    }
    Ok(redirect_with_cookies(LOGGED_OUT_PATH, vec![clear_cookie(settings, &settings.cookie_name, "/")]))
}

/// `GET|POST /api/auth/logout/everywhere`: ends every session of this user, then signs out at the IdP.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    ctx: AuditContext,
    user: Option<axum::Extension<crate::http::authn::CurrentUser>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Everywhere includes the CLI: the user's personal access tokens go too.
    if let Some(axum::Extension(crate::http::authn::CurrentUser(user))) = &user {
        let revoked = state.tokens.revoke_all(&user.subject).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
        tracing::info!(subject = %user.subject, revoked, "tokens revoked by sign-out everywhere");
    }
    let Some(sessions) = &state.sessions else { return Ok(redirect_with_cookies(LOGGED_OUT_PATH, vec![])) };
    let settings = &sessions.settings;
    let oidc = sessions.oidc().config();
    let post_logout = oidc.post_logout_redirect.clone().unwrap_or_else(|| {
        url::Url::parse(&oidc.redirect_url)
            .map(|u| format!("{}{LOGGED_OUT_PATH}", u.origin().ascii_serialization()))
            .unwrap_or_else(|_| LOGGED_OUT_PATH.to_string())
    });
    let target = match read_cookie(&headers, &settings.cookie_name) {
        Some(cookie) => {
            audited_logout(&state, ctx, "everywhere", sessions.logout_everywhere(cookie, &post_logout)).await?
        }
        None => None,
    };
    let location = target.unwrap_or_else(|| LOGGED_OUT_PATH.to_string());
    Ok(redirect_with_cookies(&location, vec![clear_cookie(settings, &settings.cookie_name, "/")]))
}

/// Runs a logout between its intent and outcome rows (only for a signed-in caller).
async fn audited_logout<T>(
    state: &AppState,
    ctx: AuditContext,
    kind: &str,
    logout: impl std::future::Future<Output = Result<T, AuthError>>,
) -> Result<T, ApiError> {
    if ctx.is_anonymous() {
        return Ok(logout.await?);
    }
    let extra = Some(json!({ "kind": kind }));
    let action = state.audit.begin(ctx, Verb::Logout, None, ResourceRef::default(), extra).await?;
    let result = logout.await;
    let result = result.map_err(ApiError::from);
    let (outcome, reason) = match &result {
        Ok(_) => (Outcome::Success, None),
        Err(e) => (Outcome::Failure, Some(e.to_string())),
    };
    state.audit.finish(&action, outcome, reason, None).await?;
    result
}

/// `GET /api/auth/loggedout`: a static "signed out" page (public).
pub async fn logged_out() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed out · Periscope</title></head>\
             <body><main><h1>You are signed out of Periscope.</h1><p><a href=\"/api/auth/login\">Sign in again</a></p></main></body></html>",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_paths_are_return_targets() {
        assert_eq!(safe_return_to("/clusters/alpha?x=1#y"), Some("/clusters/alpha?x=1#y".into()));
        for bad in
            ["//evil.example/x", "https://evil.example/", "/\\evil.example", "evil", "/a\nb", "javascript:alert(1)"]
        {
            assert_eq!(safe_return_to(bad), None, "{bad}");
        }
    }
}
