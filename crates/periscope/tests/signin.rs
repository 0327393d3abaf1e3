//! Sign-in against a real OpenID provider (oidc-provider), the real control plane, and a
//! real browser: the flow, its refusals, expiry, refresh, logout, and shared sessions.

mod common;

use std::time::Duration;

use common::*;
use periscope_testkit::{
    Idp, IdpOptions, Server, ServerOptions, UserAgent, agent::set_cookie_value, browser, cluster, free_port, postgres,
};
use reqwest::StatusCode;
use serde_json::json;

async fn whoami(agent: &UserAgent, server: &Server) -> (StatusCode, serde_json::Value) {
    let hop = agent.get(&server.url("/api/auth/whoami")).await;
    (hop.status, serde_json::from_str(&hop.body).unwrap_or(serde_json::Value::Null))
}

fn assert_no_session(hop: &periscope_testkit::agent::Hop) {
    let value = set_cookie_value(hop, "periscope_session").unwrap_or("");
    assert!(value.is_empty(), "no session cookie may be set: {:?}", hop.set_cookies);
}

#[tokio::test]
async fn sign_in_then_the_cluster_view_follows_rbac() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");

    let alice = UserAgent::new();
    let done = alice.sign_in(&server.base_url, "/clusters/alpha?tab=pods", "alice").await;
    assert_eq!(done.status, StatusCode::FOUND, "{done:?}");
    assert_eq!(done.location.as_deref(), Some("/clusters/alpha?tab=pods"), "back where the user started");
    let cookie = done.set_cookies.iter().find(|c| c.starts_with("periscope_session=")).expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http on loopback: {cookie}");
    let value = set_cookie_value(&done, "periscope_session").expect("value");
    assert!(value.len() >= 43 && !value.contains('.'), "opaque id, not a token: {value}");

    let (status, me) = whoami(&alice, &server).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["subject"], "alice");
    assert_eq!(me["email"], "alice@example.test");
    assert_eq!(me["groups"], json!(["developers"]));
    assert_eq!(me["mode"], "oidc");
    assert_eq!(me["tier"], serde_json::Value::Null);
    assert!(me["expiresAt"].as_i64().is_some_and(|t| t > 0), "{me}");

    let pods = alice.get(&server.url("/api/clusters/alpha/resources/core/v1/pods?namespace=team-a")).await;
    assert_eq!(pods.status, StatusCode::OK, "{}", pods.body);
    assert!(pods.body.contains("\"web-"), "{}", pods.body);
    let denied = alice.get(&server.url("/api/clusters/alpha/resources/core/v1/pods?namespace=team-b")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert!(denied.body.contains("\\\"alice\\\"") || denied.body.contains("User \\\"alice\\\""), "{}", denied.body);

    // bob's IdP group `viewers` maps to the read tier: cluster-wide reads.
    let bob = UserAgent::new();
    bob.sign_in(&server.base_url, "/", "bob").await;
    let (_, me) = whoami(&bob, &server).await;
    assert_eq!(me["tier"], "read");
    let all = bob.get(&server.url("/api/clusters/alpha/resources/core/v1/pods")).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body.contains("team-a") && all.body.contains("team-b"));
}

#[tokio::test]
async fn real_browser_is_sent_to_the_idp_and_back_to_the_page_it_asked_for() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let start = server.url("/clusters/alpha/pods?namespace=team-a");
    let shot = browser::artifact_path("signin-dave.png");
    let result = tokio::task::spawn_blocking(move || browser::login(&start, "dave", Some(&shot), &[]))
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("browser sign-in failed: {e}"));
    assert_eq!(result["finalUrl"], server.url("/clusters/alpha/pods?namespace=team-a"), "{result}");
    assert_eq!(result["status"], 200, "{result}");
    let text = result["bodyText"].as_str().unwrap_or_default();
    assert!(text.contains("Signed in as dave (dave@example.test)"), "{text}");
    assert!(text.contains("Groups: sre") && text.contains("Tier: admin"), "{text}");
    assert!(text.contains("Page: /clusters/alpha/pods?namespace=team-a"), "{text}");
    let cookies = result["cookies"].as_array().expect("cookies");
    let session = cookies.iter().find(|c| c["name"] == "periscope_session").expect("session cookie in the browser");
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Lax");
    assert!(browser::artifact_path("signin-dave.png").is_file(), "screenshot kept as an artifact");
}

#[tokio::test]
async fn forged_replayed_and_unauthorized_logins_are_refused_without_a_session() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "  allowedGroups: [developers, viewers, sre]\n");

    // Bad state: the callback's state does not belong to this login.
    let agent = UserAgent::new();
    let callback = agent.authorize(&server.base_url, "/", "alice").await;
    let forged = regex_replace_state(&callback, "forged-state");
    let hop = agent.get(&forged).await;
    assert_eq!(hop.status, StatusCode::BAD_REQUEST, "{hop:?}");
    assert!(hop.body.contains("E_LOGIN_INVALID"), "{}", hop.body);
    assert_no_session(&hop);
    // The login is consumed even by the failed attempt: the genuine callback now fails too.
    let hop = agent.get(&callback).await;
    assert_eq!(hop.status, StatusCode::BAD_REQUEST, "{hop:?}");
    assert_no_session(&hop);
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::UNAUTHORIZED);

    // Replayed state: the same callback twice.
    let agent = UserAgent::new();
    let callback = agent.authorize(&server.base_url, "/", "alice").await;
    assert_eq!(agent.get(&callback).await.status, StatusCode::FOUND);
    let fresh = UserAgent::new();
    let replay = fresh.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "no login cookie in another browser: {replay:?}");
    let replay = agent.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "state is single-use: {replay:?}");
    assert_no_session(&replay);

    // Replayed code: a new login whose callback carries an already-redeemed code.
    let old_code = query_param(&callback, "code");
    let agent = UserAgent::new();
    let callback2 = agent.authorize(&server.base_url, "/", "alice").await;
    let replayed_code = replace_param(&callback2, "code", &old_code);
    let hop = agent.get(&replayed_code).await;
    assert_eq!(hop.status, StatusCode::UNAUTHORIZED, "{hop:?}");
    assert!(hop.body.contains("E_LOGIN_FAILED"), "{}", hop.body);
    assert_no_session(&hop);

    // A user whose ID token and userinfo carry no groups claim at all.
    let agent = UserAgent::new();
    let hop = agent.sign_in(&server.base_url, "/", "nogroups").await;
    assert_eq!(hop.status, StatusCode::UNAUTHORIZED, "{hop:?}");
    assert!(hop.body.contains("groups"), "{}", hop.body);
    assert_no_session(&hop);

    // A user outside allowedGroups.
    let agent = UserAgent::new();
    let hop = agent.sign_in(&server.base_url, "/", "erin").await;
    assert_eq!(hop.status, StatusCode::FORBIDDEN, "{hop:?}");
    assert!(hop.body.contains("E_NOT_ALLOWED"), "{}", hop.body);
    assert_no_session(&hop);
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::UNAUTHORIZED);

    // Tampered and unknown session cookies.
    let agent = UserAgent::new();
    let done = agent.sign_in(&server.base_url, "/", "alice").await;
    let value = set_cookie_value(&done, "periscope_session").expect("cookie").to_string();
    let mut tampered = value.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    for cookie in [String::from_utf8(tampered).expect("ascii"), "unknown".to_string(), String::new()] {
        let response = reqwest::Client::new()
            .get(server.url("/api/auth/whoami"))
            .header("Cookie", format!("periscope_session={cookie}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "cookie {cookie:?}");
        let body: serde_json::Value = response.json().await.expect("envelope");
        assert_eq!(body["code"], "E_UNAUTHENTICATED");
    }
}

fn query_param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

fn replace_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name { value.to_string() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

fn regex_replace_state(url: &str, state: &str) -> String {
    replace_param(url, "state", state)
}

#[tokio::test]
async fn idle_and_absolute_expiry_end_the_session() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let idle = oidc_server(&idp, &alpha, "  idleTimeout: 2s\n", "");
    let agent = UserAgent::new();
    agent.sign_in(&idle.base_url, "/", "alice").await;
    assert_eq!(whoami(&agent, &idle).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(whoami(&agent, &idle).await.0, StatusCode::UNAUTHORIZED, "idle for longer than idleTimeout");
    assert!(idle.wait_for_log("\"reason\":\"idle\""), "expiry is logged with its reason");

    let absolute = oidc_server(&idp, &alpha, "  absoluteTimeout: 4s\n", "");
    let agent = UserAgent::new();
    let done = agent.sign_in(&absolute.base_url, "/", "alice").await;
    let signed_in = std::time::Instant::now();
    let cookie = set_cookie_value(&done, "periscope_session").expect("cookie").to_string();
    let cookie_line = done.set_cookies.iter().find(|c| c.starts_with("periscope_session=")).expect("cookie");
    assert!(
        cookie_line.contains("Max-Age=4") || cookie_line.contains("Max-Age=3"),
        "cookie expires with the session: {cookie_line}"
    );
    // Sent by hand, so the server (not the cookie jar) is what enforces the lifetime.
    let raw = || {
        reqwest::Client::new()
            .get(absolute.url("/api/auth/whoami"))
            .header("Cookie", format!("periscope_session={cookie}"))
            .send()
    };
    // Activity does not extend an absolute lifetime.
    for _ in 0..3 {
        assert_eq!(raw().await.expect("request").status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Whole seconds on the server: past 4 s for sure after 5 s.
    tokio::time::sleep(Duration::from_secs(5).saturating_sub(signed_in.elapsed())).await;
    assert_eq!(raw().await.expect("request").status(), StatusCode::UNAUTHORIZED, "past absoluteTimeout");
    assert!(absolute.wait_for_log("\"reason\":\"absolute\""), "{}", absolute.logs());
}

#[tokio::test]
async fn tokens_refresh_once_before_expiry_and_a_failed_refresh_ends_the_session() {
    let alpha = cluster("alpha");
    // Access tokens live 8 s; Periscope refreshes when fewer than 4 s remain (half the lifetime).
    let idp = Idp::start(IdpOptions { access_token_ttl: 8, ..Default::default() });
    let server = oidc_server(&idp, &alpha, "  refreshBefore: 6s\n", "");
    let agent = UserAgent::new();
    agent.sign_in(&server.base_url, "/", "alice").await;
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::OK);
    assert_eq!(idp.refresh_grants("alice").await, 0, "fresh token: no refresh");

    tokio::time::sleep(Duration::from_millis(4500)).await;
    // Ten requests at once, all inside the refresh window: exactly one refresh.
    let requests: Vec<_> = (0..10).map(|_| whoami(&agent, &server)).collect();
    for (status, body) in futures::future::join_all(requests).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(idp.refresh_grants("alice").await, 1, "single-flight refresh");
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::OK);
    assert_eq!(idp.refresh_grants("alice").await, 1, "the refreshed token is fresh again");

    idp.fail_refresh("alice", true).await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let (status, body) = whoami(&agent, &server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "refresh failure ends the session: {body}");
    idp.fail_refresh("alice", false).await;
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::UNAUTHORIZED, "and it stays ended");
    assert!(server.wait_for_log("auth.refresh_failed"));
}

#[tokio::test]
async fn logout_and_logout_everywhere() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");

    let agent = UserAgent::new();
    agent.sign_in(&server.base_url, "/", "alice").await;
    let hop = agent.get(&server.url("/api/auth/logout")).await;
    assert_eq!(hop.status, StatusCode::FOUND);
    assert_eq!(hop.location.as_deref(), Some("/api/auth/loggedout"));
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::UNAUTHORIZED);

    // Two browsers of alice and one of bob; "everywhere" ends both of alice's only.
    let laptop = UserAgent::new();
    let phone = UserAgent::new();
    let bob = UserAgent::new();
    laptop.sign_in(&server.base_url, "/", "alice").await;
    phone.sign_in(&server.base_url, "/", "alice").await;
    bob.sign_in(&server.base_url, "/", "bob").await;
    let hop = laptop.get(&server.url("/api/auth/logout/everywhere")).await;
    assert_eq!(hop.status, StatusCode::FOUND);
    let location = hop.location.expect("redirect");
    assert!(location.starts_with(&idp.issuer), "RP-initiated logout at the IdP: {location}");
    assert!(location.contains("id_token_hint=") && location.contains("post_logout_redirect_uri="), "{location}");
    assert_eq!(whoami(&laptop, &server).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&phone, &server).await.0, StatusCode::UNAUTHORIZED, "the other browser is signed out too");
    assert_eq!(whoami(&bob, &server).await.0, StatusCode::OK, "other users are untouched");
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_return_targets_stay_on_site() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let agent = UserAgent::new();
    let first = agent.sign_in(&server.base_url, "/", "alice").await;
    let first_id = set_cookie_value(&first, "periscope_session").expect("cookie").to_string();
    let second = agent.sign_in(&server.base_url, "/", "alice").await;
    let second_id = set_cookie_value(&second, "periscope_session").expect("cookie").to_string();
    assert_ne!(first_id, second_id, "a new id at every login");
    let old = reqwest::Client::new()
        .get(server.url("/api/auth/whoami"))
        .header("Cookie", format!("periscope_session={first_id}"))
        .send()
        .await
        .expect("request");
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED, "the pre-login session is ended");

    for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let hop = UserAgent::new()
            .get(&server.url(&format!("/api/auth/login?returnTo={}", periscope_testkit::agent::urlencode(target))))
            .await;
        assert_eq!(hop.status, StatusCode::BAD_REQUEST, "{target}: {hop:?}");
        assert!(hop.location.is_none());
    }

    // A browser navigation without a session goes to sign-in and remembers where it was.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(server.url("/clusters/alpha?ns=team-a"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/api/auth/login?returnTo=%2Fclusters%2Falpha%3Fns%3Dteam-a");

    // Mutations from another origin are refused before anything happens.
    let response = agent
        .http
        .post(server.url("/api/auth/logout"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.json::<serde_json::Value>().await.expect("json")["code"], "E_ORIGIN");
    assert_eq!(whoami(&agent, &server).await.0, StatusCode::OK, "the refused logout did nothing");
}

#[tokio::test]
async fn every_api_route_but_the_allow_list_needs_a_session() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut checked = 0;
    for route in periscope::app::api_routes() {
        let full = format!("/api{}", route.path);
        if periscope::http::authn::is_public(&full) {
            continue;
        }
        let path =
            full.split('/').map(|seg| if seg.starts_with('{') { "x" } else { seg }).collect::<Vec<_>>().join("/");
        for method in route.methods {
            let response = client.request(method.clone(), server.url(&path)).send().await.expect("request");
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
            checked += 1;
            if method == reqwest::Method::HEAD {
                continue; // a HEAD answer has no body
            }
            let body: serde_json::Value = response.json().await.expect("envelope");
            assert_eq!(body["code"], "E_UNAUTHENTICATED", "{method} {path}");
        }
    }
    assert!(checked >= 5, "the table has authenticated routes: {checked}");
    // Unknown API paths are no way around it either.
    let response = client.get(server.url("/api/not/a/route")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_in_postgres_are_shared_by_replicas_and_survive_restarts() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let dsn = postgres::fresh_database("sessions");
    let session = format!("  store: postgres\n  postgresDSN: {dsn}\n  encryptionKey: test-key-0123456789abcdef\n");
    let (port_a, port_b) = (free_port(), free_port());
    let start = |port: u16| {
        Server::start(
            binary(),
            ServerOptions {
                clusters_yaml: Some(format!("clusters:\n{}", kubeconfig_entry("alpha", &alpha.bridge_kubeconfig()))),
                auth_yaml: Some(oidc_auth(&idp.issuer, port, &session, "")),
                env: vec![],
                port: Some(port),
            },
        )
    };
    let mut a = start(port_a);
    let mut b = start(port_b);
    let agent = UserAgent::new();
    let done = agent.sign_in(&a.base_url, "/", "alice").await;
    let cookie = set_cookie_value(&done, "periscope_session").expect("cookie").to_string();
    let on = |server: &Server| {
        let request = reqwest::Client::new()
            .get(server.url("/api/auth/whoami"))
            .header("Cookie", format!("periscope_session={cookie}"));
        async move {
            let response = request.send().await.expect("request");
            (response.status(), response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let (status, me) = on(&b).await;
    assert_eq!(status, StatusCode::OK, "a session made on A is valid on B: {me}");
    assert_eq!(me["subject"], "alice");

    assert_eq!(a.terminate(Duration::from_secs(10)), Some(0));
    assert_eq!(b.terminate(Duration::from_secs(10)), Some(0));
    drop((a, b));
    let a = start(port_a);
    let b = start(port_b);
    for server in [&a, &b] {
        let (status, me) = on(server).await;
        assert_eq!(status, StatusCode::OK, "after a restart of both: {me}");
    }
    // Tokens are sealed at rest: no JWT (ID token) or refresh token appears in the clear.
    let dump = std::process::Command::new("psql")
        .args([&dsn, "-Atc", "SELECT id_hash, id_token, refresh_token FROM periscope_sessions"])
        .output()
        .expect("psql");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let rows = String::from_utf8_lossy(&dump.stdout).to_string();
    assert!(rows.lines().count() >= 1, "{rows}");
    assert!(!rows.contains("eyJ"), "an ID token is stored in the clear: {rows}");
    assert!(!rows.contains(&cookie), "session ids are stored hashed: {rows}");

    // Logout on one replica ends the session on the other.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(a.url("/api/auth/logout"))
        .header("Cookie", format!("periscope_session={cookie}"))
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(on(&b).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn readiness_follows_the_postgres_session_store() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let pg = postgres::PrivatePostgres::start();
    let session = format!("  store: postgres\n  postgresDSN: {}\n  encryptionKey: test-key-0123456789abcdef\n", pg.dsn);
    let server = oidc_server(&idp, &alpha, &session, "");
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"ready": true}));

    pg.stop();
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "E_UNAVAILABLE", "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("session store"), "{body}");
    // Liveness does not follow: restarting the process would not bring PostgreSQL back.
    let (status, _) = server.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}
