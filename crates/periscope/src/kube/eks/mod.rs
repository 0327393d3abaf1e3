//! The `eks` backend's credential: a bearer token made as `aws eks get-token` makes it (a
//! presigned STS `GetCallerIdentity` URL naming the cluster in a signed `x-k8s-aws-id` header),
//! signed with the process's AWS identity ([`credentials`]) by SigV4 ([`sigv4`]). EKS accepts
//! such a token for 15 minutes; one is minted per cluster, reused, and replaced after ten.

pub mod credentials;
pub mod sigv4;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use base64::Engine as _;
use tokio::sync::Mutex;

pub use credentials::{CredentialChain, CredentialsError};
use sigv4::{AccessKey, EMPTY_PAYLOAD_SHA256, Presign, Scope};

/// How long a token is reused. EKS honours it for 15 minutes from its signing time; replacing
/// it at ten leaves room for clock skew and long requests.
const TOKEN_REUSE: Duration = Duration::from_secs(10 * 60);
/// What `aws eks get-token` presigns with; the cluster checks the 15-minute age itself.
const PRESIGN_EXPIRES_SECONDS: u32 = 60;
const TOKEN_PREFIX: &str = "k8s-aws-v1.";

/// The DNS suffix of AWS endpoints in `region`'s partition.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" }
}

/// An EKS cluster's token source.
pub struct EksTokens {
    /// The cluster's name, as the `x-k8s-aws-id` header carries it.
    cluster_id: String,
    region: String,
    credentials: Arc<CredentialChain>,
    current: Mutex<Option<(String, Instant)>>,
}

impl EksTokens {
    /// Tokens for the cluster named `cluster_id` in `region`.
    pub fn new(cluster_id: String, region: String, credentials: Arc<CredentialChain>) -> EksTokens {
        EksTokens { cluster_id, region, credentials, current: Mutex::new(None) }
    }

    /// The token to send now: the cached one while it is young enough, else a new one.
    pub async fn bearer(&self) -> Result<String, CredentialsError> {
        let mut current = self.current.lock().await;
        if let Some((token, _)) = current.as_ref().filter(|(_, minted)| minted.elapsed() < TOKEN_REUSE) {
            return Ok(token.clone());
        }
        let key = self.credentials.key().await?;
        let token = token_for(&key, &self.cluster_id, &self.region, jiff::Timestamp::now());
        *current = Some((token.clone(), Instant::now()));
        Ok(token)
    }
}

/// The token for `cluster_id` signed by `key` at `now`.
pub fn token_for(key: &AccessKey, cluster_id: &str, region: &str, now: jiff::Timestamp) -> String {
    let amz_date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let host = format!("sts.{region}.{}", dns_suffix(region));
    let url = Presign {
        host: &host,
        path: "/",
        query: vec![("Action".into(), "GetCallerIdentity".into()), ("Version".into(), "2011-06-15".into())],
        extra_headers: vec![("x-k8s-aws-id".into(), cluster_id.to_string())],
        expires_seconds: PRESIGN_EXPIRES_SECONDS,
        payload_sha256: EMPTY_PAYLOAD_SHA256,
    }
    .url(key, &Scope { amz_date: &amz_date, region, service: "sts" });
    format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_a_presigned_get_caller_identity_url_for_the_cluster() {
        let key = AccessKey {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("session/token+=".into()),
        };
        let now: jiff::Timestamp = "2026-12-01T03:04:05Z".parse().expect("time");
        let token = token_for(&key, "prod", "eu-west-1", now);
        let encoded = token.strip_prefix(TOKEN_PREFIX).expect("prefix");
        assert!(
            !encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'),
            "base64url without padding"
        );
        let url = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded).expect("b64"))
            .expect("utf8");
        assert!(
            url.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"),
            "{url}"
        );
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIDEXAMPLE%2F20261201%2Feu-west-1%2Fsts%2Faws4_request",
            "X-Amz-Date=20261201T030405Z",
            "X-Amz-Expires=60",
            "X-Amz-Security-Token=session%2Ftoken%2B%3D",
            "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id",
        ] {
            assert!(url.contains(part), "{part} missing from {url}");
        }
        let signature = url.rsplit_once("&X-Amz-Signature=").expect("signature last").1;
        assert_eq!(signature.len(), 64);
        // The signature covers the cluster name: another cluster gets another token.
        assert_ne!(token, token_for(&key, "staging", "eu-west-1", now));
    }
}
