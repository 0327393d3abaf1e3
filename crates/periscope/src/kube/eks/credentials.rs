//! The AWS identity the `eks` backend signs with, found the way AWS SDKs find it: static keys
//! in the environment, IRSA (a projected web identity token exchanged at STS), or EKS Pod
//! Identity (the node agent's container-credentials endpoint). Temporary keys are cached and
//! fetched again five minutes before they expire, never per request.

use std::{
    path::PathBuf,
    time::{Duration, SystemTime},
};

use serde::Deserialize;
use tokio::sync::Mutex;

use super::sigv4::AccessKey;

/// How long before their expiry temporary keys are replaced.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// Upper bound for one credentials request (STS or the Pod Identity agent).
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no AWS key could be had.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The environment names no credential source.
    #[error(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or IRSA's AWS_ROLE_ARN and \
         AWS_WEB_IDENTITY_TOKEN_FILE, or EKS Pod Identity's AWS_CONTAINER_CREDENTIALS_FULL_URI"
    )]
    NoSource,
    /// The source exists but did not give a key.
    #[error("AWS credentials from {source_name}: {message}")]
    Fetch { source_name: &'static str, message: String },
}

/// Where keys come from, decided once from the environment.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Static(AccessKey),
    WebIdentity { role_arn: String, token_file: PathBuf, session_name: String, sts_url: String },
    Container { url: String, token: Option<String>, token_file: Option<PathBuf> },
}

impl Source {
    fn name(&self) -> &'static str {
        match self {
            Source::Static(_) => "the environment",
            Source::WebIdentity { .. } => "IRSA (STS AssumeRoleWithWebIdentity)",
            Source::Container { .. } => "the container credentials endpoint (EKS Pod Identity)",
        }
    }
}

/// A key and, for temporary keys, when it stops working.
#[derive(Clone)]
struct Held {
    key: AccessKey,
    expires_at: Option<SystemTime>,
}

/// The process's AWS identity with its cached key.
pub struct CredentialChain {
    source: Option<Source>,
    http: reqwest::Client,
    held: Mutex<Option<Held>>,
}

impl CredentialChain {
    /// The chain the process environment describes (first match wins, as in the AWS SDKs).
    pub fn from_env() -> CredentialChain {
        CredentialChain::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The chain the variables `lookup` gives describe.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> CredentialChain {
        let http = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build().unwrap_or_default();
        CredentialChain { source: source_from(&lookup), http, held: Mutex::new(None) }
    }

    /// Whether any source is configured; checked at start-up so a missing identity stops the
    /// server with a clear message instead of failing every request.
    pub fn check_configured(&self) -> Result<(), CredentialsError> {
        self.source.as_ref().map(|_| ()).ok_or(CredentialsError::NoSource)
    }

    /// A key valid for at least five more minutes.
    pub async fn key(&self) -> Result<AccessKey, CredentialsError> {
        let source = self.source.as_ref().ok_or(CredentialsError::NoSource)?;
        // One fetch at a time: concurrent callers wait for it instead of each asking STS.
        let mut held = self.held.lock().await;
        if let Some(current) = held.as_ref().filter(|h| fresh(h.expires_at)) {
            return Ok(current.key.clone());
        }
        let fetched = self
            .fetch(source)
            .await
            .map_err(|message| CredentialsError::Fetch { source_name: source.name(), message })?;
        *held = Some(fetched.clone());
        Ok(fetched.key)
    }

    async fn fetch(&self, source: &Source) -> Result<Held, String> {
        match source {
            Source::Static(key) => Ok(Held { key: key.clone(), expires_at: None }),
            Source::WebIdentity { role_arn, token_file, session_name, sts_url } => {
                let token = read_token(token_file)?;
                let response = self
                    .http
                    .get(sts_url)
                    .query(&[
                        ("Action", "AssumeRoleWithWebIdentity"),
                        ("Version", "2011-06-15"),
                        ("RoleArn", role_arn.as_str()),
                        ("RoleSessionName", session_name.as_str()),
                        ("WebIdentityToken", token.as_str()),
                    ])
                    .send()
                    .await
                    .map_err(|e| format!("STS request failed: {e}"))?;
                let status = response.status();
                let body = response.text().await.map_err(|e| format!("STS answer unreadable: {e}"))?;
                if !status.is_success() {
                    let detail = xml_text(&body, "Message").unwrap_or_else(|| body.chars().take(300).collect());
                    return Err(format!("STS answered {status}: {detail}"));
                }
                parse_assume_role(&body)
            }
            Source::Container { url, token, token_file } => {
                let mut request = self.http.get(url);
                let authorization = match token_file {
                    Some(file) => Some(read_token(file)?),
                    None => token.clone(),
                };
                if let Some(value) = authorization {
                    request = request.header(http::header::AUTHORIZATION, value);
                }
                let response = request.send().await.map_err(|e| format!("request to {url} failed: {e}"))?;
                let status = response.status();
                if !status.is_success() {
                    return Err(format!("{url} answered {status}"));
                }
                let body: ContainerCredentials = response
                    .json()
                    .await
                    .map_err(|e| format!("{url} answered something that is not credentials: {e}"))?;
                Ok(Held {
                    key: AccessKey {
                        access_key_id: body.access_key_id,
                        secret_access_key: body.secret_access_key,
                        session_token: body.token,
                    },
                    expires_at: body.expiration.as_deref().map(parse_time).transpose()?,
                })
            }
        }
    }
}

fn source_from(lookup: &impl Fn(&str) -> Option<String>) -> Option<Source> {
    if let (Some(id), Some(secret)) = (lookup("AWS_ACCESS_KEY_ID"), lookup("AWS_SECRET_ACCESS_KEY")) {
        return Some(Source::Static(AccessKey {
            access_key_id: id,
            secret_access_key: secret,
            session_token: lookup("AWS_SESSION_TOKEN"),
        }));
    }
    if let (Some(role_arn), Some(token_file)) = (lookup("AWS_ROLE_ARN"), lookup("AWS_WEB_IDENTITY_TOKEN_FILE")) {
        let sts_url = lookup("AWS_ENDPOINT_URL_STS").unwrap_or_else(|| {
            match lookup("AWS_REGION").or_else(|| lookup("AWS_DEFAULT_REGION")) {
                Some(region) => format!("https://sts.{region}.{}", super::dns_suffix(&region)),
                None => "https://sts.amazonaws.com".to_string(),
            }
        });
        return Some(Source::WebIdentity {
            role_arn,
            token_file: PathBuf::from(token_file),
            session_name: lookup("AWS_ROLE_SESSION_NAME").unwrap_or_else(|| "periscope".to_string()),
            sts_url,
        });
    }
    let url = lookup("AWS_CONTAINER_CREDENTIALS_FULL_URI").or_else(|| {
        lookup("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").map(|path| format!("http://169.254.170.2{path}"))
    })?;
    Some(Source::Container {
        url,
        token: lookup("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        token_file: lookup("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").map(PathBuf::from),
    })
}

fn fresh(expires_at: Option<SystemTime>) -> bool {
    expires_at.is_none_or(|at| at > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
}

/// Projected tokens rotate on disk: read at every fetch.
fn read_token(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|t| t.trim().to_string())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerCredentials {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
    expiration: Option<String>,
}

fn parse_assume_role(body: &str) -> Result<Held, String> {
    let field = |name: &str| xml_text(body, name).ok_or_else(|| format!("STS answer lacks <{name}>"));
    Ok(Held {
        key: AccessKey {
            access_key_id: field("AccessKeyId")?,
            secret_access_key: field("SecretAccessKey")?,
            session_token: Some(field("SessionToken")?),
        },
        expires_at: Some(parse_time(&field("Expiration")?)?),
    })
}

/// The text of the first `<name>…</name>` element. STS answers are flat and their values are
/// base64 or ISO dates, so entity decoding is not needed.
fn xml_text(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_string())
}

fn parse_time(raw: &str) -> Result<SystemTime, String> {
    raw.parse::<jiff::Timestamp>()
        .map(SystemTime::from)
        .map_err(|e| format!("expiry {raw:?} is not an RFC 3339 time: {e}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn source(vars: &[(&str, &str)]) -> Option<Source> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        source_from(&|name: &str| map.get(name).cloned())
    }

    #[test]
    fn static_keys_win_over_irsa_and_pod_identity() {
        let got = source(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
        ]);
        assert!(matches!(got, Some(Source::Static(ref k)) if k.access_key_id == "AKID" && k.session_token.is_none()));
    }

    #[test]
    fn irsa_uses_the_regional_sts_endpoint_unless_overridden() {
        let got = source(&[
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_REGION", "eu-west-1"),
        ]);
        assert!(
            matches!(got, Some(Source::WebIdentity { ref sts_url, .. }) if sts_url == "https://sts.eu-west-1.amazonaws.com")
        );
        let got = source(&[("AWS_ROLE_ARN", "r"), ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"), ("AWS_REGION", "cn-north-1")]);
        assert!(
            matches!(got, Some(Source::WebIdentity { ref sts_url, .. }) if sts_url == "https://sts.cn-north-1.amazonaws.com.cn")
        );
        let got = source(&[
            ("AWS_ROLE_ARN", "r"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_ENDPOINT_URL_STS", "https://sts.local"),
        ]);
        assert!(matches!(got, Some(Source::WebIdentity { ref sts_url, .. }) if sts_url == "https://sts.local"));
    }

    #[test]
    fn pod_identity_reads_the_full_or_relative_uri() {
        let got = source(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
            ),
        ]);
        assert!(
            matches!(got, Some(Source::Container { ref url, token_file: Some(_), .. }) if url.ends_with("/v1/credentials"))
        );
        let got = source(&[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")]);
        assert!(
            matches!(got, Some(Source::Container { ref url, .. }) if url == "http://169.254.170.2/v2/credentials/x")
        );
        assert_eq!(source(&[]), None);
    }

    #[test]
    fn an_assume_role_answer_gives_a_temporary_key() {
        let body = "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
            <AssumeRoleWithWebIdentityResult><Credentials><SessionToken>FwoG/token+x=</SessionToken>\
            <SecretAccessKey>wJal/secret</SecretAccessKey><Expiration>2026-12-01T05:00:00Z</Expiration>\
            <AccessKeyId>ASIATEST</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult>\
            </AssumeRoleWithWebIdentityResponse>";
        let held = parse_assume_role(body).expect("parsed");
        assert_eq!(held.key.access_key_id, "ASIATEST");
        assert_eq!(held.key.secret_access_key, "wJal/secret");
        assert_eq!(held.key.session_token.as_deref(), Some("FwoG/token+x="));
        assert_eq!(held.expires_at, Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_101_200)));
        assert!(parse_assume_role("<Error><Message>denied</Message></Error>").is_err());
    }

    #[test]
    fn keys_are_replaced_five_minutes_before_they_expire() {
        assert!(fresh(None));
        assert!(fresh(Some(SystemTime::now() + Duration::from_secs(600))));
        assert!(!fresh(Some(SystemTime::now() + Duration::from_secs(200))));
    }
}
