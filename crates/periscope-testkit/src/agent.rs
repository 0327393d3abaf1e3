//! A scripted user agent: a cookie jar and manual redirects, enough to walk the sign-in flow
//! through Periscope and the real IdP without a browser (fast, and able to tamper with steps).

use std::time::Duration;

use reqwest::{StatusCode, header};

/// One "browser profile": its own cookie jar.
pub struct UserAgent {
    pub http: reqwest::Client,
}

/// A response reduced to what the tests look at.
#[derive(Debug)]
pub struct Hop {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Default for UserAgent {
    fn default() -> Self {
        Self::new()
    }
}

impl UserAgent {
    /// A fresh agent with an empty cookie jar.
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        UserAgent { http }
    }

    /// GET `url` (JSON accept) without following redirects.
    pub async fn get(&self, url: &str) -> Hop {
        hop(self.http.get(url).header(header::ACCEPT, "application/json").send().await.expect("request")).await
    }

    /// Starts sign-in at Periscope and walks the IdP (logging in as `account`) until the IdP
    /// redirects back to Periscope's callback; returns that callback URL without calling it.
    pub async fn authorize(&self, periscope: &str, return_to: &str, account: &str) -> String {
        let start = format!("{periscope}/api/auth/login?returnTo={}", urlencode(return_to));
        let first = self.get(&start).await;
        assert_eq!(first.status, StatusCode::FOUND, "login start: {first:?}");
        let mut url = first.location.expect("login redirects to the IdP");
        for _ in 0..20 {
            if url.starts_with(&format!("{periscope}/api/auth/callback")) {
                return url;
            }
            let page = self.get(&url).await;
            if let Some(next) = page.location {
                url = absolute(&url, &next);
                continue;
            }
            assert_eq!(page.status, StatusCode::OK, "IdP page {url}: {page:?}");
            let action = form_action(&page.body).unwrap_or_else(|| panic!("no login form at {url}: {}", page.body));
            let posted = hop(self
                .http
                .post(absolute(&url, &action))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(format!("login={}&password=test", urlencode(account)))
                .send()
                .await
                .expect("post login"))
            .await;
            url = absolute(
                &url,
                &posted.location.unwrap_or_else(|| panic!("login as {account} refused: {}", posted.body)),
            );
        }
        panic!("sign-in did not come back to {periscope}");
    }

    /// Full sign-in: authorize, then call the callback. Returns the callback's answer.
    pub async fn sign_in(&self, periscope: &str, return_to: &str, account: &str) -> Hop {
        let callback = self.authorize(periscope, return_to, account).await;
        self.get(&callback).await
    }
}

async fn hop(response: reqwest::Response) -> Hop {
    let status = response.status();
    let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let set_cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let body = response.text().await.unwrap_or_default();
    Hop { status, location, set_cookies, body }
}

/// The value of cookie `name` set by this hop, if any.
pub fn set_cookie_value<'a>(hop: &'a Hop, name: &str) -> Option<&'a str> {
    hop.set_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn form_action(html: &str) -> Option<String> {
    let form = html.find("<form")?;
    let rest = &html[form..];
    let start = rest.find("action=\"")? + "action=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].replace("&amp;", "&"))
}

fn absolute(base: &str, location: &str) -> String {
    reqwest::Url::parse(base)
        .and_then(|b| b.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_string())
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
