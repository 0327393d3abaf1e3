//! Periscope's cookies: reading one from a request, and the `Set-Cookie` values of the
//! session cookie and the one-shot login cookie (HttpOnly, SameSite=Lax, Secure behind TLS).

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite, time::Duration as CookieDuration};

use crate::auth::sessions::{LOGIN_TTL, SessionSettings};

/// The one-shot cookie that binds a login to the browser that started it.
pub const LOGIN_COOKIE: &str = "periscope_login";
/// The login cookie is only sent to the sign-in routes.
pub const LOGIN_COOKIE_PATH: &str = "/api/auth";

/// The value of cookie `name` in the request, if any.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn base_cookie(name: &str, value: String, path: &str, settings: &SessionSettings) -> Cookie<'static> {
    let mut c = Cookie::build((name.to_string(), value))
        .path(path.to_string())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies)
        .build();
    if let Some(domain) = &settings.cookie_domain {
        c.set_domain(domain.clone());
    }
    c
}

/// The `Set-Cookie` value for a new session cookie, expiring with the session.
pub fn session_cookie(settings: &SessionSettings, value: String, max_age_secs: i64) -> HeaderValue {
    let mut c = base_cookie(&settings.cookie_name, value, "/", settings);
    c.set_max_age(CookieDuration::seconds(max_age_secs.max(0)));
    header_value(c)
}

/// The `Set-Cookie` value for the login cookie of a login just started (lives as long as the login).
pub fn login_cookie(settings: &SessionSettings, value: String) -> HeaderValue {
    let mut c = base_cookie(LOGIN_COOKIE, value, LOGIN_COOKIE_PATH, settings);
    c.set_max_age(CookieDuration::seconds(LOGIN_TTL.as_secs() as i64));
    header_value(c)
}

/// The `Set-Cookie` value that deletes cookie `name` at `path`.
pub fn clear_cookie(settings: &SessionSettings, name: &str, path: &str) -> HeaderValue {
    let mut c = base_cookie(name, String::new(), path, settings);
    c.set_max_age(CookieDuration::ZERO);
    header_value(c)
}

fn header_value(c: Cookie<'static>) -> HeaderValue {
    // Cookie names and values here are base64url or fixed strings: always valid header text.
    HeaderValue::from_str(&c.to_string()).expect("cookie renders as a valid header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; periscope_session=abc"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read_cookie(&headers, "periscope_session"), Some("abc"));
        assert_eq!(read_cookie(&headers, "b"), Some("2"));
        assert_eq!(read_cookie(&headers, "missing"), None);
    }
}
