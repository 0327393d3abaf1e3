//! The OpenID Connect relying party: discovery, the authorization request (code + PKCE S256,
//! state, nonce), code and refresh grants, ID-token verification against the IdP's JWKS,
//! userinfo, and RP-initiated logout. Tokens never leave the server.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::RwLock;

use crate::config::auth::OidcConfig;

/// Why an exchange with the IdP failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery or JWKS could not be loaded.
    #[error("OIDC discovery at {issuer} failed: {reason}")]
    Discovery { issuer: String, reason: String },
    /// The IdP answered with an OAuth error (e.g. `invalid_grant` for a replayed code).
    #[error("identity provider refused: {error}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rejected { error: String, description: Option<String> },
    /// The IdP could not be reached or answered garbage.
    #[error("identity provider unreachable: {0}")]
    Unreachable(String),
    /// The ID token failed verification.
    #[error("ID token rejected: {0}")]
    InvalidToken(String),
}

#[derive(Debug, Clone, Deserialize)]
struct ProviderMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
}

/// Tokens from the token endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: Option<i64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    error_description: Option<String>,
}

/// A discovered OIDC provider plus this client's registration.
pub struct OidcClient {
    http: reqwest::Client,
    config: OidcConfig,
    metadata: ProviderMetadata,
    jwks: RwLock<(JwkSet, Instant)>,
}

/// How often an unknown signing key may trigger a JWKS reload.
const JWKS_RELOAD_MIN_INTERVAL: Duration = Duration::from_secs(30);

impl OidcClient {
    /// Runs discovery and loads the signing keys; failures here stop start-up.
    pub async fn discover(config: OidcConfig) -> Result<OidcClient, OidcError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let discovery_error = |reason: String| OidcError::Discovery { issuer: config.issuer.clone(), reason };
        let url = format!("{}/.well-known/openid-configuration", config.issuer.trim_end_matches('/'));
        let metadata: ProviderMetadata = http
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| discovery_error(e.to_string()))?
            .json()
            .await
            .map_err(|e| discovery_error(format!("bad discovery document: {e}")))?;
        if metadata.issuer.trim_end_matches('/') != config.issuer.trim_end_matches('/') {
            return Err(discovery_error(format!("discovery names issuer {:?}", metadata.issuer)));
        }
        let jwks = fetch_jwks(&http, &metadata.jwks_uri).await.map_err(discovery_error)?;
        Ok(OidcClient { http, config, metadata, jwks: RwLock::new((jwks, Instant::now())) })
    }

    /// The configured client settings.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The authorization request URL for one login attempt.
    pub fn authorize_url(&self, state: &str, nonce: &str, code_challenge: &str) -> String {
        let mut url = url::Url::parse(&self.metadata.authorization_endpoint)
            .unwrap_or_else(|_| url::Url::parse("http://invalid.invalid/").expect("static URL parses"));
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", &self.config.redirect_url)
                .append_pair("scope", &self.config.scopes.join(" "))
                .append_pair("state", state)
                .append_pair("nonce", nonce)
                .append_pair("code_challenge", code_challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(audience) = &self.config.audience {
                q.append_pair("audience", audience);
            }
            if self.config.scopes.iter().any(|s| s == "offline_access") {
                // OIDC Core §11: offline_access is only honoured with prompt=consent.
                q.append_pair("prompt", "consent");
            }
        }
        url.into()
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(&self, code: &str, verifier: &str) -> Result<TokenResponse, OidcError> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.config.redirect_url),
            ("code_verifier", verifier),
        ])
        .await
    }

    /// Uses a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, OidcError> {
        self.token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenResponse, OidcError> {
        // The serializer is not Send, so the body is finished before any await.
        let (body, basic) = {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                body.append_pair(k, v);
            }
            let basic = match &self.config.client_secret {
                Some(secret) => Some((form_encode(&self.config.client_id), form_encode(secret))),
                None => {
                    body.append_pair("client_id", &self.config.client_id);
                    None
                }
            };
            (body.finish(), basic)
        };
        let mut request = self
            .http
            .post(&self.metadata.token_endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.body(body).send().await.map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| OidcError::Unreachable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_str(&text)
                .map_err(|e| OidcError::Unreachable(format!("token endpoint answered {status} with bad JSON: {e}")));
        }
        match serde_json::from_str::<OAuthErrorBody>(&text) {
            Ok(e) => Err(OidcError::Rejected { error: e.error, description: e.error_description }),
            Err(_) => Err(OidcError::Unreachable(format!("token endpoint answered {status}"))),
        }
    }

    /// Verifies an ID token's signature, issuer, audience and expiry, and the nonce when given.
    pub async fn verify_id_token(&self, token: &str, nonce: Option<&str>) -> Result<Map<String, Value>, OidcError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| OidcError::InvalidToken(e.to_string()))?;
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(OidcError::InvalidToken("symmetric signatures are not accepted".into()));
        }
        let key = self.decoding_key(header.kid.as_deref(), header.alg).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[self.metadata.issuer.as_str()]);
        validation.set_audience(&[self.config.client_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
        if let Some(expected) = nonce
            && data.claims.get("nonce").and_then(Value::as_str) != Some(expected)
        {
            return Err(OidcError::InvalidToken("nonce does not match this login".into()));
        }
        Ok(data.claims)
    }

    async fn decoding_key(&self, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, OidcError> {
        if let Some(key) = find_key(&self.jwks.read().await.0, kid, alg) {
            return key;
        }
        // Unknown key: the IdP may have rotated. Reload, but not more often than the interval.
        let mut guard = self.jwks.write().await;
        if guard.1.elapsed() >= JWKS_RELOAD_MIN_INTERVAL {
            let fresh = fetch_jwks(&self.http, &self.metadata.jwks_uri).await.map_err(OidcError::Unreachable)?;
            *guard = (fresh, Instant::now());
        }
        find_key(&guard.0, kid, alg)
            .unwrap_or_else(|| Err(OidcError::InvalidToken(format!("no signing key {kid:?} for {alg:?}"))))
    }

    /// Claims from the userinfo endpoint, if the IdP has one.
    pub async fn userinfo(&self, access_token: &str) -> Result<Option<Map<String, Value>>, OidcError> {
        let Some(endpoint) = &self.metadata.userinfo_endpoint else { return Ok(None) };
        let response = self
            .http
            .get(endpoint)
            .bearer_auth(access_token)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        response.json().await.map(Some).map_err(|e| OidcError::Unreachable(e.to_string()))
    }

    /// The IdP's end-session URL for RP-initiated logout, when it advertises one.
    pub fn end_session_url(&self, id_token_hint: Option<&str>, post_logout_redirect: &str) -> Option<String> {
        let endpoint = self.metadata.end_session_endpoint.as_deref()?;
        let mut url = url::Url::parse(endpoint).ok()?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(hint) = id_token_hint {
                q.append_pair("id_token_hint", hint);
            }
            q.append_pair("client_id", &self.config.client_id);
            q.append_pair("post_logout_redirect_uri", post_logout_redirect);
        }
        Some(url.into())
    }
}

/// RFC 6749 §2.3.1: client credentials are form-encoded before HTTP Basic.
fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn find_key(jwks: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<Result<DecodingKey, OidcError>> {
    let jwk = match kid {
        Some(kid) => jwks.find(kid)?,
        // No kid: only unambiguous with a single key.
        None if jwks.keys.len() == 1 => &jwks.keys[0],
        None => return None,
    };
    if let Some(key_alg) = jwk.common.key_algorithm
        && format!("{key_alg:?}") != format!("{alg:?}")
    {
        return Some(Err(OidcError::InvalidToken(format!("key {kid:?} is for {key_alg:?}, token says {alg:?}"))));
    }
    Some(DecodingKey::from_jwk(jwk).map_err(|e| OidcError::InvalidToken(e.to_string())))
}

async fn fetch_jwks(http: &reqwest::Client, uri: &str) -> Result<JwkSet, String> {
    http.get(uri)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("JWKS {uri}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("JWKS {uri}: bad document: {e}"))
}

/// Reads the groups claim: an array of strings or a single string. `None` when absent.
pub fn groups_from_claims(claims: &Map<String, Value>, claim: &str) -> Option<Vec<String>> {
    match claims.get(claim)? {
        Value::Array(items) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        Value::String(s) => Some(vec![s.clone()]),
        Value::Null => None,
        _ => Some(vec![]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn groups_claim_shapes() {
        let claims = |v: Value| v.as_object().cloned().expect("object");
        assert_eq!(
            groups_from_claims(&claims(json!({"groups": ["a", "b"]})), "groups"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(groups_from_claims(&claims(json!({"groups": "a"})), "groups"), Some(vec!["a".into()]));
        assert_eq!(groups_from_claims(&claims(json!({"groups": []})), "groups"), Some(vec![]));
        assert_eq!(groups_from_claims(&claims(json!({"sub": "x"})), "groups"), None);
        assert_eq!(
            groups_from_claims(&claims(json!({"https://example.com/groups": ["x"]})), "https://example.com/groups"),
            Some(vec!["x".into()])
        );
    }
}
