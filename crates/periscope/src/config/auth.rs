//! `auth.yaml`: authentication mode, sessions, authorization mode and the dev identity,
//! in the Go original's shape.

use std::{collections::BTreeMap, path::Path, time::Duration};

use serde::Deserialize;

use super::{ConfigError, parse_yaml, secret};
use crate::authz::{AuthzConfig, AuthzMode, Tier};
use crate::identity::Identity;

/// How users authenticate (`--auth-mode` / `PERISCOPE_AUTH_MODE`, else inferred from the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Every request runs as the fixed identity from `dev:`; for local use only.
    Dev,
    /// OpenID Connect (authorization code + PKCE) as a backend-for-frontend.
    Oidc,
}

impl AuthMode {
    /// The name used in configuration and in `/api/auth/config`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Dev => "dev",
            AuthMode::Oidc => "oidc",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthFile {
    oidc: Option<RawOidc>,
    session: Option<RawSession>,
    authorization: Option<RawAuthorization>,
    dev: Option<RawDev>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOidc {
    issuer: Option<String>,
    #[serde(rename = "clientID")]
    client_id: Option<String>,
    #[serde(rename = "clientSecret")]
    client_secret: Option<String>,
    #[serde(rename = "redirectURL")]
    redirect_url: Option<String>,
    scopes: Option<Vec<String>>,
    audience: Option<String>,
    #[serde(rename = "providerName")]
    provider_name: Option<String>,
    #[serde(rename = "postLogoutRedirect")]
    post_logout_redirect: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSession {
    cookie_name: Option<String>,
    idle_timeout: Option<String>,
    absolute_timeout: Option<String>,
    cookie_domain: Option<String>,
    store: Option<StoreName>,
    #[serde(rename = "postgresDSN")]
    postgres_dsn: Option<String>,
    encryption_key: Option<String>,
    refresh_before: Option<String>,
}

/// `session.store` as written; the PostgreSQL store also needs `session.postgresDSN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StoreName {
    Memory,
    Postgres,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawAuthorization {
    mode: Option<AuthzMode>,
    #[serde(default)]
    allowed_groups: Vec<String>,
    groups_claim: Option<String>,
    subject_claim: Option<String>,
    #[serde(default)]
    group_tiers: BTreeMap<String, String>,
    default_tier: Option<String>,
    group_prefix: Option<String>,
    #[serde(rename = "canICacheTTL")]
    can_i_cache_ttl: Option<String>,
    #[serde(default)]
    audit_admin_groups: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDev {
    subject: Option<String>,
    email: Option<String>,
    groups: Option<Vec<String>>,
}

/// OIDC client settings (used from the sign-in issue on).
#[derive(Debug, Clone, Default)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_url: String,
    pub scopes: Vec<String>,
    pub audience: Option<String>,
    pub provider_name: Option<String>,
    pub post_logout_redirect: Option<String>,
}

/// Where sessions are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStoreKind {
    /// Process memory: single replica, lost on restart (the default).
    Memory,
    /// PostgreSQL at this DSN: shared by replicas, survives restarts.
    Postgres(String),
}

/// Session cookie, timeout and storage settings.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub cookie_name: String,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub cookie_domain: Option<String>,
    pub store: SessionStoreKind,
    /// Key material for sealing refresh and ID tokens at rest (required with PostgreSQL).
    pub encryption_key: Option<String>,
    /// Refresh the access token this long before it expires.
    pub refresh_before: Duration,
}

/// The validated content of the auth file plus the resolved mode.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    pub oidc: Option<OidcConfig>,
    pub session: SessionConfig,
    pub authz: AuthzConfig,
    /// Claim that carries the user's groups.
    pub groups_claim: String,
    /// Claim whose value is the impersonated user name (default `sub`).
    pub subject_claim: String,
    /// The identity every request runs as in dev mode.
    pub dev_identity: Identity,
}

impl AuthConfig {
    /// The provider label shown on the sign-in page.
    pub fn provider_name(&self) -> String {
        match &self.oidc {
            Some(oidc) => oidc.provider_name.clone().unwrap_or_else(|| provider_name_for_issuer(&oidc.issuer)),
            None => String::new(),
        }
    }
}

/// Loads the auth file (if any) and resolves the mode; `forced_mode` is `PERISCOPE_AUTH_MODE`.
pub fn load(path: Option<&Path>, forced_mode: Option<AuthMode>) -> Result<AuthConfig, ConfigError> {
    let (path_for_msgs, raw) = match path {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.to_path_buf(), source })?;
            (p.to_path_buf(), parse_yaml::<RawAuthFile>(p, &text)?)
        }
        None => (Path::new("<no auth file>").to_path_buf(), RawAuthFile::default()),
    };
    resolve(&path_for_msgs, raw, path.is_some(), forced_mode)
}

/// Parses auth-file text; for tests.
pub fn parse(text: &str, forced_mode: Option<AuthMode>) -> Result<AuthConfig, ConfigError> {
    let path = Path::new("auth.yaml");
    let raw: RawAuthFile = parse_yaml(path, text)?;
    resolve(path, raw, true, forced_mode)
}

/// Turns the parsed file into the configuration, one section at a time.
fn resolve(
    path: &Path,
    raw: RawAuthFile,
    have_file: bool,
    forced_mode: Option<AuthMode>,
) -> Result<AuthConfig, ConfigError> {
    let invalid = Invalid(path);
    let mode = resolve_mode(invalid, raw.oidc.as_ref(), have_file, forced_mode)?;
    let oidc = resolve_oidc(invalid, mode, raw.oidc)?;
    let session = resolve_session(invalid, raw.session.unwrap_or_default())?;
    let a = raw.authorization.unwrap_or_default();
    let groups_claim = a.groups_claim.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "groups".into());
    let subject_claim = a.subject_claim.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "sub".into());
    let authz = resolve_authorization(invalid, a)?;
    let dev_identity = resolve_dev(raw.dev.unwrap_or_default());
    Ok(AuthConfig { mode, oidc, session, authz, groups_claim, subject_claim, dev_identity })
}

/// Makes the "content not acceptable" errors of one file.
#[derive(Clone, Copy)]
struct Invalid<'a>(&'a Path);

impl Invalid<'_> {
    fn because(self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.0.to_path_buf(), message: message.into() }
    }
}

/// The forced mode, else `oidc` when the file names an issuer, else `dev`.
fn resolve_mode(
    invalid: Invalid<'_>,
    oidc: Option<&RawOidc>,
    have_file: bool,
    forced_mode: Option<AuthMode>,
) -> Result<AuthMode, ConfigError> {
    let has_issuer = oidc.and_then(|o| o.issuer.as_deref()).is_some_and(|s| !s.is_empty());
    match forced_mode {
        Some(AuthMode::Oidc) if !have_file => {
            Err(invalid.because("PERISCOPE_AUTH_MODE=oidc needs an auth file with an oidc: section"))
        }
        Some(mode) => Ok(mode),
        None if has_issuer => Ok(AuthMode::Oidc),
        None => Ok(AuthMode::Dev),
    }
}

/// `oidc:`, required (issuer, client id, redirect URL) in OIDC mode and ignored in dev mode.
fn resolve_oidc(invalid: Invalid<'_>, mode: AuthMode, raw: Option<RawOidc>) -> Result<Option<OidcConfig>, ConfigError> {
    let o = match (mode, raw) {
        (AuthMode::Dev, _) => return Ok(None),
        (AuthMode::Oidc, None) => return Err(invalid.because("oidc mode needs an oidc: section")),
        (AuthMode::Oidc, Some(o)) => o,
    };
    let require = |field: &str, v: Option<String>| {
        v.filter(|s| !s.is_empty()).ok_or_else(|| invalid.because(format!("oidc.{field} is required in oidc mode")))
    };
    Ok(Some(OidcConfig {
        issuer: require("issuer", o.issuer)?,
        client_id: require("clientID", o.client_id)?,
        redirect_url: require("redirectURL", o.redirect_url)?,
        client_secret: secret_field(invalid, "oidc.clientSecret", o.client_secret)?,
        scopes: o
            .scopes
            .unwrap_or_else(|| ["openid", "profile", "email", "offline_access", "groups"].map(String::from).to_vec()),
        audience: o.audience.filter(|s| !s.is_empty()),
        provider_name: o.provider_name.filter(|s| !s.is_empty()),
        post_logout_redirect: o.post_logout_redirect.filter(|s| !s.is_empty()),
    }))
}

/// A secret reference (`${ENV}`, `file://…` or a literal) at `field`, resolved; empty is unset.
fn secret_field(invalid: Invalid<'_>, field: &str, raw: Option<String>) -> Result<Option<String>, ConfigError> {
    raw.filter(|s| !s.is_empty())
        .map(|raw| secret::resolve(&raw).map_err(|why| invalid.because(format!("{field}: {why}"))))
        .transpose()
}

/// `session:`: cookie, timeouts and the store; PostgreSQL needs a DSN and a shared key.
fn resolve_session(invalid: Invalid<'_>, s: RawSession) -> Result<SessionConfig, ConfigError> {
    let duration = |field: &str, v: Option<String>, default: Duration| match v {
        None => Ok(default),
        Some(text) => parse_duration(&text).map_err(|why| invalid.because(format!("session.{field}: {why}"))),
    };
    let store = match s.store.unwrap_or(StoreName::Memory) {
        StoreName::Memory => SessionStoreKind::Memory,
        StoreName::Postgres => {
            let dsn = secret_field(invalid, "session.postgresDSN", s.postgres_dsn)?
                .ok_or_else(|| invalid.because("session.store postgres needs session.postgresDSN"))?;
            SessionStoreKind::Postgres(dsn)
        }
    };
    let encryption_key = secret_field(invalid, "session.encryptionKey", s.encryption_key)?;
    // Replicas must open each other's sealed tokens, so the key cannot be per-process.
    if matches!(store, SessionStoreKind::Postgres(_)) && encryption_key.as_ref().is_none_or(|k| k.len() < 16) {
        return Err(invalid.because("session.store postgres needs session.encryptionKey of at least 16 characters"));
    }
    Ok(SessionConfig {
        cookie_name: s.cookie_name.filter(|c| !c.is_empty()).unwrap_or_else(|| "periscope_session".into()),
        idle_timeout: duration("idleTimeout", s.idle_timeout, Duration::from_secs(30 * 60))?,
        absolute_timeout: duration("absoluteTimeout", s.absolute_timeout, Duration::from_secs(8 * 3600))?,
        cookie_domain: s.cookie_domain.filter(|c| !c.is_empty()),
        store,
        encryption_key,
        refresh_before: duration("refreshBefore", s.refresh_before, Duration::from_secs(60))?,
    })
}

/// A tier name at `field`, naming the choices when it is not one.
fn tier(invalid: Invalid<'_>, field: &str, raw: &str) -> Result<Tier, ConfigError> {
    Tier::parse(raw).ok_or_else(|| {
        invalid.because(format!("{field}: unknown tier {raw:?}; expected read, triage, write, maintain or admin"))
    })
}

/// `authorization:`: the mode, tiers, the raw mode's group prefix and the can-i cache.
fn resolve_authorization(invalid: Invalid<'_>, a: RawAuthorization) -> Result<AuthzConfig, ConfigError> {
    let mode = a.mode.unwrap_or(AuthzMode::Shared);
    let mut group_tiers = BTreeMap::new();
    for (group, name) in a.group_tiers {
        let tier = tier(invalid, &format!("authorization.groupTiers[{group:?}]"), &name)?;
        group_tiers.insert(group, tier);
    }
    let default_tier = match a.default_tier.as_deref().unwrap_or("") {
        "" => None,
        name => Some(tier(invalid, "authorization.defaultTier", name)?),
    };
    let group_prefix = a.group_prefix.unwrap_or_else(|| "periscope:".into());
    // Without a prefix an IdP group named system:masters would become cluster-admin.
    if mode == AuthzMode::Raw && (group_prefix.is_empty() || group_prefix.starts_with("system:")) {
        return Err(invalid.because(format!(
            "authorization.groupPrefix {group_prefix:?} must be non-empty and must not start with \"system:\""
        )));
    }
    let can_i_cache_ttl = match a.can_i_cache_ttl {
        None => Duration::from_secs(30),
        Some(t) => parse_duration(&t).map_err(|why| invalid.because(format!("authorization.canICacheTTL: {why}")))?,
    };
    Ok(AuthzConfig {
        mode,
        allowed_groups: a.allowed_groups,
        group_tiers,
        default_tier,
        group_prefix,
        can_i_cache_ttl,
        audit_admin_groups: a.audit_admin_groups,
    })
}

/// `dev:`: the identity every request runs as in dev mode.
fn resolve_dev(d: RawDev) -> Identity {
    Identity {
        subject: d.subject.filter(|s| !s.is_empty()).unwrap_or_else(|| "dev@local".into()),
        email: d.email.filter(|s| !s.is_empty()).unwrap_or_else(|| "dev@local".into()),
        groups: d.groups.unwrap_or_else(|| vec!["dev".into()]),
    }
}

/// Derives a provider label from the issuer host, as the Go original does.
fn provider_name_for_issuer(issuer: &str) -> String {
    let host = issuer.to_ascii_lowercase();
    let name = if host.contains("auth0.com") {
        "Auth0"
    } else if host.contains("okta.com") || host.contains("oktapreview.com") {
        "Okta"
    } else if host.contains("microsoftonline") || host.contains("login.microsoft") {
        "Microsoft Entra"
    } else if host.contains("accounts.google") || host.contains("googleapis") {
        "Google"
    } else if host.contains("keycloak") {
        "Keycloak"
    } else {
        "OIDC"
    };
    name.to_string()
}

/// Parses a Go-style duration such as `30s`, `15m`, `8h` or `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("{text:?} is not a duration like 30s, 15m or 8h"));
        }
        let value: u64 = rest[..digits].parse().map_err(|_| format!("{text:?}: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value * 60),
            "h" => Duration::from_secs(value * 3600),
            "" => return Err(format!("{text:?} is missing a unit (ms, s, m, h)")),
            other => return Err(format!("{text:?} has unknown unit {other:?} (use ms, s, m, h)")),
        };
        total += unit;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_means_dev_mode_with_go_defaults() {
        let cfg = load(None, None).expect("valid");
        assert_eq!(cfg.mode, AuthMode::Dev);
        assert_eq!(cfg.dev_identity.subject, "dev@local");
        assert_eq!(cfg.dev_identity.groups, vec!["dev".to_string()]);
        assert_eq!(cfg.authz.mode, AuthzMode::Shared);
        assert_eq!(cfg.session.absolute_timeout, Duration::from_secs(8 * 3600));
    }

    #[test]
    fn issuer_selects_oidc_and_requires_client_fields() {
        let err = parse("oidc:\n  issuer: https://x.okta.com\n", None).expect_err("missing clientID");
        assert!(err.to_string().contains("oidc.clientID is required"), "{err}");
        let cfg = parse(
            "oidc:\n  issuer: https://x.okta.com\n  clientID: c\n  redirectURL: https://p/api/auth/callback\n",
            None,
        )
        .expect("valid");
        assert_eq!(cfg.mode, AuthMode::Oidc);
        assert_eq!(cfg.provider_name(), "Okta");
        let forced = parse("oidc:\n  issuer: https://x\n", Some(AuthMode::Dev)).expect("forced dev");
        assert_eq!(forced.mode, AuthMode::Dev);
    }

    #[test]
    fn unknown_tiers_and_modes_are_fatal() {
        let err = parse("authorization:\n  mode: tier\n  groupTiers: {ops: god}\n", None).expect_err("bad tier");
        assert!(err.to_string().contains("unknown tier \"god\""), "{err}");
        let err = parse("authorization:\n  mode: rbac\n", None).expect_err("bad mode");
        let err = err.to_string();
        assert!(
            err.contains("line 2") && err.contains("unknown variant `rbac`, expected one of shared, tier, raw"),
            "{err}"
        );
        let err = parse("authorization:\n  mode: raw\n  groupPrefix: \"\"\n", None).expect_err("no prefix");
        assert!(err.to_string().contains("groupPrefix"), "{err}");
    }

    #[test]
    fn postgres_sessions_need_a_dsn_and_a_key() {
        let err = parse("session:\n  store: postgres\n", None).expect_err("no dsn");
        assert!(err.to_string().contains("postgresDSN"), "{err}");
        let err = parse("session:\n  store: postgres\n  postgresDSN: postgres://x/y\n", None).expect_err("no key");
        assert!(err.to_string().contains("encryptionKey"), "{err}");
        let cfg = parse(
            "session:\n  store: postgres\n  postgresDSN: postgres://x/y\n  encryptionKey: 0123456789abcdef\n",
            None,
        )
        .expect("valid");
        assert_eq!(cfg.session.store, SessionStoreKind::Postgres("postgres://x/y".into()));
        let err = parse("session:\n  store: redis\n", None).expect_err("bad store").to_string();
        assert!(
            err.contains("line 2") && err.contains("unknown variant `redis`, expected one of memory, postgres"),
            "{err}"
        );
    }

    #[test]
    fn client_secret_is_a_secret_reference() {
        let text = "oidc:\n  issuer: https://idp\n  clientID: c\n  redirectURL: https://p/cb\n  clientSecret: ${PERISCOPE_TEST_UNSET_SECRET_VAR}\n";
        let err = parse(text, None).expect_err("unset env");
        assert!(
            err.to_string()
                .contains("oidc.clientSecret: environment variable PERISCOPE_TEST_UNSET_SECRET_VAR is not set"),
            "{err}"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("3d").is_err());
        assert!(parse("session:\n  idleTimeout: soon\n", None).is_err());
    }
}
