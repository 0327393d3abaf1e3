//! Sessions as the rest of the server sees them: start and finish a login, resolve a cookie
//! to an identity (enforcing idle and absolute expiry and refreshing tokens before they
//! expire, once per session however many requests race), and end sessions.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde_json::{Map, Value};

use super::AuthError;
use super::{
    crypto::{TokenCipher, pkce_challenge, random_token, sha256_hex},
    oidc::{OidcClient, OidcError, TokenResponse, groups_from_claims},
    store::{PendingLogin, SessionRecord, SessionStore, StoreError, TokenUpdate},
};
use crate::{authz::AuthzConfig, identity::Identity};

/// How long a started login may take before its state expires.
pub const LOGIN_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a refresh claim blocks other refreshes of the same session.
const REFRESH_CLAIM: i64 = 15;
/// How long a request waits for another request's refresh when its own token has expired.
const REFRESH_WAIT: Duration = Duration::from_secs(5);

/// Session timing and cookie settings.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub cookie_name: String,
    pub cookie_domain: Option<String>,
    /// Set the `Secure` attribute on cookies (the public URL is https).
    pub secure_cookies: bool,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// Refresh this long before the access token expires (capped at half its lifetime).
    pub refresh_before: Duration,
    /// Claim holding the user name to impersonate (default `sub`).
    pub subject_claim: String,
    pub groups_claim: String,
}

/// A resolved, valid session.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub identity: Identity,
    /// Absolute expiry, unix seconds.
    pub expires_at: i64,
    pub id_hash: String,
}

/// The outcome of a finished login.
pub struct LoginOutcome {
    /// The new session cookie value (never reused from before the login).
    pub cookie_value: String,
    pub identity: Identity,
    pub return_to: String,
    pub expires_at: i64,
}

/// Sessions backed by a store, with the OIDC client they refresh through.
pub struct Sessions {
    store: Arc<dyn SessionStore>,
    cipher: TokenCipher,
    oidc: Arc<OidcClient>,
    pub settings: SessionSettings,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn store_error(e: StoreError) -> AuthError {
    AuthError::StoreUnavailable(e.to_string())
}

impl Sessions {
    /// Sessions over `store`, sealing tokens with `cipher`.
    pub fn new(
        store: Arc<dyn SessionStore>,
        cipher: TokenCipher,
        oidc: Arc<OidcClient>,
        settings: SessionSettings,
    ) -> Self {
        Sessions { store, cipher, oidc, settings }
    }

    /// Whether the store answers: one lookup of an id no session has.
    pub async fn ping(&self) -> Result<(), AuthError> {
        self.store.get("readiness-probe").await.map(|_| ()).map_err(store_error)
    }

    /// The OIDC client.
    pub fn oidc(&self) -> &OidcClient {
        &self.oidc
    }

    /// Starts a login: stores state, nonce and PKCE verifier; returns the login cookie value
    /// and the IdP URL to send the browser to.
    pub async fn start_login(&self, return_to: String) -> Result<(String, String), AuthError> {
        let cookie_value = random_token(32);
        let state = random_token(16);
        let nonce = random_token(16);
        let verifier = random_token(48);
        let login = PendingLogin {
            id_hash: sha256_hex(&cookie_value),
            state: state.clone(),
            nonce: nonce.clone(),
            verifier: self.cipher.seal(&verifier),
            return_to,
            expires_at: unix_now() + LOGIN_TTL.as_secs() as i64,
        };
        self.store.put_login(&login).await.map_err(store_error)?;
        Ok((cookie_value, self.oidc.authorize_url(&state, &nonce, &pkce_challenge(&verifier))))
    }

    /// Finishes a login from the callback's query and the login cookie. Each login is
    /// single-use: a second callback with the same cookie or state finds nothing.
    pub async fn finish_login(
        &self,
        login_cookie: Option<&str>,
        query: &CallbackQuery,
        authz: &AuthzConfig,
    ) -> Result<LoginOutcome, AuthError> {
        let login_cookie = login_cookie.ok_or_else(|| login_invalid("no_login_cookie", "no login in progress"))?;
        let login = self
            .store
            .take_login(&sha256_hex(login_cookie))
            .await
            .map_err(store_error)?
            .ok_or_else(|| login_invalid("bad_login_cookie", "this login has expired or was already used"))?;
        if login.expires_at <= unix_now() {
            return Err(login_invalid("login_expired", "this login has expired"));
        }
        if let Some(error) = &query.error {
            return Err(login_failed("idp_error", format!("the identity provider answered {error}")));
        }
        let state_matches = query.state.as_deref().is_some_and(|s| {
            use subtle::ConstantTimeEq;
            bool::from(s.as_bytes().ct_eq(login.state.as_bytes()))
        });
        if !state_matches {
            return Err(login_invalid("state_mismatch", "state does not match this login"));
        }
        let code =
            query.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| login_invalid("no_code", "no code"))?;
        let verifier = self.cipher.open(&login.verifier).map_err(|e| AuthError::Internal(e.to_string()))?;
        let tokens =
            self.oidc.exchange_code(code, &verifier).await.map_err(|e| idp_error("code_exchange_failed", e))?;
        let id_token = tokens
            .id_token
            .clone()
            .ok_or_else(|| login_failed("no_id_token", "the identity provider sent no ID token"))?;
        let claims = self
            .oidc
            .verify_id_token(&id_token, Some(&login.nonce))
            .await
            .map_err(|e| login_failed("invalid_id_token", e.to_string()))?;
        let (identity, _) = self.identity_from(&claims, &tokens, None).await?;
        if !authz.allowed_groups.is_empty() && !identity.groups.iter().any(|g| authz.allowed_groups.contains(g)) {
            tracing::warn!(event = "auth.login_failed", reason = "not_in_allowed_groups", subject = %identity.subject);
            return Err(AuthError::NotAllowed(format!(
                "{} is not in a group allowed to use Periscope",
                identity.subject
            )));
        }
        let cookie_value = random_token(32);
        let created = unix_now();
        let record = SessionRecord {
            id_hash: sha256_hex(&cookie_value),
            subject: identity.subject.clone(),
            email: identity.email.clone(),
            groups: identity.groups.clone(),
            id_token: Some(self.cipher.seal(&id_token)),
            refresh_token: tokens.refresh_token.as_deref().map(|t| self.cipher.seal(t)),
            access_expires_at: tokens.expires_in.map(|s| created + s),
            access_lifetime: tokens.expires_in.unwrap_or(0),
            created_at: created,
            absolute_expires_at: created + self.settings.absolute_timeout.as_secs() as i64,
            last_seen_at: created,
        };
        self.store.insert(&record).await.map_err(store_error)?;
        tracing::info!(event = "auth.login", subject = %identity.subject, groups = ?identity.groups);
        Ok(LoginOutcome { cookie_value, identity, return_to: login.return_to, expires_at: record.absolute_expires_at })
    }

    /// Builds the identity from verified claims, falling back on userinfo for missing groups.
    /// With `previous_groups`, a missing groups claim keeps them (refresh); without, it fails the login.
    async fn identity_from(
        &self,
        claims: &Map<String, Value>,
        tokens: &TokenResponse,
        previous_groups: Option<&[String]>,
    ) -> Result<(Identity, bool), AuthError> {
        let subject = claims
            .get(&self.settings.subject_claim)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                login_failed("no_subject", format!("the ID token has no {} claim", self.settings.subject_claim))
            })?
            .to_string();
        let mut email = claims.get("email").and_then(Value::as_str).map(str::to_string);
        let mut groups = groups_from_claims(claims, &self.settings.groups_claim);
        if groups.is_none()
            && previous_groups.is_none()
            && let Ok(Some(info)) = self.oidc.userinfo(&tokens.access_token).await
        {
            groups = groups_from_claims(&info, &self.settings.groups_claim);
            email = email.or_else(|| info.get("email").and_then(Value::as_str).map(str::to_string));
        }
        let from_token = groups.is_some();
        let groups = match (groups, previous_groups) {
            (Some(g), _) => g,
            (None, Some(prev)) => prev.to_vec(),
            (None, None) => {
                return Err(login_failed(
                    "missing_groups_claim",
                    format!("neither the ID token nor userinfo carries the {} claim", self.settings.groups_claim),
                ));
            }
        };
        Ok((Identity { subject, email: email.unwrap_or_default(), groups }, from_token))
    }

    /// Resolves a session cookie. `Ok(None)` means "not signed in" (unknown, expired or
    /// ended by a failed refresh); the reason is logged.
    pub async fn resolve(&self, cookie_value: &str) -> Result<Option<SessionView>, AuthError> {
        let id_hash = sha256_hex(cookie_value);
        let Some(mut record) = self.store.get(&id_hash).await.map_err(store_error)? else { return Ok(None) };
        let t = unix_now();
        if t >= record.absolute_expires_at {
            return self.expire(&record, "absolute").await;
        }
        if t - record.last_seen_at >= self.settings.idle_timeout.as_secs() as i64 {
            return self.expire(&record, "idle").await;
        }
        if let Some(access_expires_at) = record.access_expires_at
            && record.refresh_token.is_some()
        {
            let lead = (self.settings.refresh_before.as_secs() as i64).min(record.access_lifetime / 2);
            if t >= access_expires_at - lead {
                match self.refresh(&record, t, access_expires_at).await? {
                    Some(updated) => record = updated,
                    None => return self.expire(&record, "refresh_failed").await,
                }
            }
        }
        let touch_every = (self.settings.idle_timeout.as_secs() as i64 / 10).clamp(1, 60);
        if t - record.last_seen_at >= touch_every {
            self.store.touch(&id_hash, t).await.map_err(store_error)?;
        }
        Ok(Some(SessionView {
            identity: Identity { subject: record.subject, email: record.email, groups: record.groups },
            expires_at: record.absolute_expires_at,
            id_hash,
        }))
    }

    /// Refreshes once per session: the claimer refreshes; others carry on with the current
    /// (still valid) token, or wait briefly for the claimer if theirs has expired.
    /// `None` means the session must end.
    async fn refresh(
        &self,
        record: &SessionRecord,
        t: i64,
        access_expires_at: i64,
    ) -> Result<Option<SessionRecord>, AuthError> {
        let token_valid = t < access_expires_at;
        if !self.store.try_claim_refresh(&record.id_hash, t, t + REFRESH_CLAIM).await.map_err(store_error)? {
            return if token_valid { Ok(Some(record.clone())) } else { self.await_other_refresh(record).await };
        }
        let tokens = match self.redeem_refresh_token(record, token_valid).await? {
            Redeemed::Tokens(tokens) => tokens,
            Redeemed::Deferred => return Ok(Some(record.clone())),
            Redeemed::Refused => return Ok(None),
        };
        let Some(groups) = self.refreshed_groups(record, &tokens).await? else { return Ok(None) };
        self.store_refreshed(record, &tokens, groups).await.map(Some)
    }

    /// Waits (up to [`REFRESH_WAIT`]) for another request's refresh of an expired token; the
    /// record as it stands when that does not come, `None` when the session is gone.
    async fn await_other_refresh(&self, record: &SessionRecord) -> Result<Option<SessionRecord>, AuthError> {
        let deadline = tokio::time::Instant::now() + REFRESH_WAIT;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            match self.store.get(&record.id_hash).await.map_err(store_error)? {
                Some(r) if r.access_expires_at.is_some_and(|e| e > unix_now()) => return Ok(Some(r)),
                Some(_) => continue,
                None => return Ok(None),
            }
        }
        Ok(Some(record.clone()))
    }

    /// Redeems the session's refresh token at the IdP; `token_valid` says whether the current
    /// access token still holds (then an unreachable IdP only defers the refresh).
    async fn redeem_refresh_token(&self, record: &SessionRecord, token_valid: bool) -> Result<Redeemed, AuthError> {
        let refresh_token = record
            .refresh_token
            .as_deref()
            .map(|sealed| self.cipher.open(sealed))
            .transpose()
            .map_err(|e| AuthError::Internal(e.to_string()))?
            .unwrap_or_default();
        Ok(match self.oidc.refresh(&refresh_token).await {
            Ok(tokens) => Redeemed::Tokens(tokens),
            Err(OidcError::Unreachable(reason)) if token_valid => {
                tracing::warn!(event = "auth.refresh_deferred", subject = %record.subject, reason = %reason);
                Redeemed::Deferred
            }
            Err(e) => {
                tracing::warn!(event = "auth.refresh_failed", subject = %record.subject, error = %e);
                Redeemed::Refused
            }
        })
    }

    /// The groups after a refresh: from a new ID token when one came (it must verify and name
    /// the same subject, else `None`: the session ends), the session's groups otherwise.
    async fn refreshed_groups(
        &self,
        record: &SessionRecord,
        tokens: &TokenResponse,
    ) -> Result<Option<Vec<String>>, AuthError> {
        let Some(id_token) = &tokens.id_token else { return Ok(Some(record.groups.clone())) };
        match self.oidc.verify_id_token(id_token, None).await {
            Ok(claims) if claims.get(&self.settings.subject_claim).and_then(Value::as_str) == Some(&record.subject) => {
                Ok(Some(self.identity_from(&claims, tokens, Some(&record.groups)).await?.0.groups))
            }
            Ok(_) => {
                tracing::warn!(event = "auth.refresh_failed", subject = %record.subject, error = "subject changed");
                Ok(None)
            }
            Err(e) => {
                tracing::warn!(event = "auth.refresh_failed", subject = %record.subject, error = %e);
                Ok(None)
            }
        }
    }

    /// Seals and stores the new tokens; the session record as it now is.
    async fn store_refreshed(
        &self,
        record: &SessionRecord,
        tokens: &TokenResponse,
        groups: Vec<String>,
    ) -> Result<SessionRecord, AuthError> {
        let issued = unix_now();
        let update = TokenUpdate {
            groups,
            id_token: tokens.id_token.as_deref().map(|t| self.cipher.seal(t)),
            refresh_token: tokens.refresh_token.as_deref().map(|t| self.cipher.seal(t)),
            access_expires_at: tokens.expires_in.map(|s| issued + s),
            access_lifetime: tokens.expires_in.unwrap_or(0),
        };
        self.store.update_tokens(&record.id_hash, &update).await.map_err(store_error)?;
        tracing::info!(event = "auth.refresh", subject = %record.subject);
        let mut updated = record.clone();
        updated.groups = update.groups;
        updated.access_expires_at = update.access_expires_at;
        updated.access_lifetime = update.access_lifetime;
        updated.id_token = update.id_token.or(updated.id_token);
        updated.refresh_token = update.refresh_token.or(updated.refresh_token);
        Ok(updated)
    }

    async fn expire(&self, record: &SessionRecord, reason: &str) -> Result<Option<SessionView>, AuthError> {
        self.store.delete(&record.id_hash).await.map_err(store_error)?;
        tracing::info!(event = "auth.session_expired", subject = %record.subject, reason);
        Ok(None)
    }

    /// Ends the session behind a cookie (if any).
    pub async fn logout(&self, cookie_value: &str) -> Result<Option<String>, AuthError> {
        let id_hash = sha256_hex(cookie_value);
        let record = self.store.get(&id_hash).await.map_err(store_error)?;
        self.store.delete(&id_hash).await.map_err(store_error)?;
        if let Some(r) = &record {
            tracing::info!(event = "auth.logout", kind = "local", subject = %r.subject);
        }
        Ok(record.map(|r| r.subject))
    }

    /// Ends every session of the cookie's subject; returns the IdP's end-session URL when it has one.
    pub async fn logout_everywhere(
        &self,
        cookie_value: &str,
        post_logout_redirect: &str,
    ) -> Result<Option<String>, AuthError> {
        let id_hash = sha256_hex(cookie_value);
        let Some(record) = self.store.get(&id_hash).await.map_err(store_error)? else { return Ok(None) };
        let ended = self.store.delete_subject(&record.subject).await.map_err(store_error)?;
        tracing::info!(event = "auth.logout", kind = "everywhere", subject = %record.subject, sessions = ended);
        let hint = record.id_token.as_deref().and_then(|sealed| self.cipher.open(sealed).ok());
        Ok(self.oidc.end_session_url(hint.as_deref(), post_logout_redirect))
    }

    /// Removes expired sessions and logins; run periodically.
    pub async fn sweep(&self) -> Result<u64, StoreError> {
        self.store.sweep(unix_now()).await
    }
}

/// What the IdP made of a refresh token.
enum Redeemed {
    Tokens(TokenResponse),
    /// The IdP could not be reached but the access token still holds: keep the session, retry later.
    Deferred,
    /// The IdP refused the token, or could not be reached for an expired one: the session ends.
    Refused,
}

/// The callback's query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// Some IdPs echo the issuer (RFC 9207); accepted and ignored.
    pub iss: Option<String>,
    pub session_state: Option<String>,
}

fn login_invalid(reason: &'static str, message: &str) -> AuthError {
    tracing::warn!(event = "auth.login_failed", reason);
    AuthError::LoginInvalid(message.to_string())
}

fn login_failed(reason: &'static str, message: impl Into<String>) -> AuthError {
    let message = message.into();
    tracing::warn!(event = "auth.login_failed", reason, detail = %message);
    AuthError::LoginFailed(message)
}

fn idp_error(reason: &'static str, e: OidcError) -> AuthError {
    match e {
        OidcError::Rejected { .. } | OidcError::InvalidToken(_) => login_failed(reason, e.to_string()),
        other => {
            tracing::warn!(event = "auth.login_failed", reason, detail = %other);
            AuthError::IdpUnreachable(other.to_string())
        }
    }
}
