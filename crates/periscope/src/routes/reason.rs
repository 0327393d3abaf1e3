//! Reason codes for failures that aggregating routes (fleet, can-i, search, dashboard) report
//! per item instead of failing the whole call. One classification, so every route names the
//! same failure the same way: `denied`, `auth_failed`, `timeout`, `apiserver_unreachable`,
//! `agent_disconnected`, `unknown`.

use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;

/// Error messages are cut to their first line and this many characters: enough to act on,
/// short enough that a misbehaving apiserver cannot bloat aggregate answers.
const MAX_MESSAGE_CHARS: usize = 200;

/// Why one part of an aggregate answer is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The apiserver's RBAC refused the user (403).
    Denied,
    /// The apiserver did not accept the credentials (401) or they could not be produced.
    AuthFailed,
    /// No answer in time (our deadline or the apiserver's own 504).
    Timeout,
    /// Connection failures and 5xx answers.
    ApiserverUnreachable,
    /// The cluster is reached through an agent that is not connected.
    AgentDisconnected,
    /// Anything else (bad answers, unexpected statuses).
    Unknown,
}

impl Reason {
    /// The wire name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Denied => "denied",
            Reason::AuthFailed => "auth_failed",
            Reason::Timeout => "timeout",
            Reason::ApiserverUnreachable => "apiserver_unreachable",
            Reason::AgentDisconnected => "agent_disconnected",
            Reason::Unknown => "unknown",
        }
    }

    /// Classifies a kube client error.
    pub fn of_kube(err: &kube::Error) -> Reason {
        match err {
            kube::Error::Api(status) => match (status.code, status.reason.as_str()) {
                (403, _) | (_, "Forbidden") => Reason::Denied,
                (401, _) | (_, "Unauthorized") => Reason::AuthFailed,
                (504, _) | (_, "Timeout") | (_, "ServerTimeout") => Reason::Timeout,
                (500..=599, _) => Reason::ApiserverUnreachable,
                _ => Reason::Unknown,
            },
            kube::Error::Auth(_) => Reason::AuthFailed,
            kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::RustlsTls(_) => {
                // Connect and read timeouts of the HTTP stack surface as transport errors;
                // their text is the only place that tells them apart from a refused connection.
                let text = crate::error::with_causes(err);
                if text.contains(AGENT_DISCONNECTED) {
                    Reason::AgentDisconnected
                } else if looks_like_timeout(&text) {
                    Reason::Timeout
                } else {
                    Reason::ApiserverUnreachable
                }
            }
            _ => Reason::Unknown,
        }
    }

    /// Classifies an error that already went through [`ApiError`] (e.g. building a client).
    pub fn of_api_error(err: &ApiError) -> Reason {
        match err {
            ApiError::Kube(status) => Reason::of_kube(&kube::Error::Api(status.clone())),
            ApiError::ClusterUnreachable { reason, .. } if reason.contains(AGENT_DISCONNECTED) => {
                Reason::AgentDisconnected
            }
            ApiError::ClusterUnreachable { reason, .. } if looks_like_timeout(reason) => Reason::Timeout,
            ApiError::ClusterUnreachable { .. } => Reason::ApiserverUnreachable,
            ApiError::Forbidden(_) | ApiError::NotAllowed(_) => Reason::Denied,
            ApiError::Unauthenticated => Reason::AuthFailed,
            _ => Reason::Unknown,
        }
    }
}

/// How the agent tunnel's "not connected" error begins (`agent::tunnel::TunnelError`).
const AGENT_DISCONNECTED: &str = "agent_disconnected:";

fn looks_like_timeout(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("timed out") || text.contains("timeout") || text.contains("deadline")
}

/// A classified failure as it appears in aggregate answers: `{code, message}`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Failure {
    pub code: Reason,
    pub message: String,
}

impl Failure {
    /// A failure with `code` and a message trimmed for the wire.
    pub fn new(code: Reason, message: &str) -> Self {
        Failure { code, message: trim_message(message) }
    }

    /// A kube client error, classified.
    pub fn from_kube(err: &kube::Error) -> Self {
        let message = match err {
            kube::Error::Api(status) => status.message.clone(),
            other => other.to_string(),
        };
        Failure::new(Reason::of_kube(err), &message)
    }

    /// An [`ApiError`], classified.
    pub fn from_api_error(err: &ApiError) -> Self {
        // Internal errors keep their reason out of client answers, as the envelope does.
        Failure::new(Reason::of_api_error(err), &err.to_string())
    }

    /// Our own deadline of `after` passed.
    pub fn timeout(after: Duration) -> Self {
        Failure::new(Reason::Timeout, &format!("no answer within {} ms", after.as_millis()))
    }
}

/// First line, at most [`MAX_MESSAGE_CHARS`] characters.
pub fn trim_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    first.chars().take(MAX_MESSAGE_CHARS).collect()
}

/// Runs `fut` with a deadline; a late answer becomes a timeout failure, an error is classified.
pub async fn within<T>(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(Failure::from_kube(&err)),
        Err(_) => Err(Failure::timeout(limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str) -> kube::Error {
        let status = serde_json::from_value(serde_json::json!({"code": code, "reason": reason, "message": "m"}))
            .expect("valid status");
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn statuses_map_to_codes() {
        assert_eq!(Reason::of_kube(&api(403, "Forbidden")), Reason::Denied);
        assert_eq!(Reason::of_kube(&api(401, "Unauthorized")), Reason::AuthFailed);
        assert_eq!(Reason::of_kube(&api(504, "Timeout")), Reason::Timeout);
        assert_eq!(Reason::of_kube(&api(503, "ServiceUnavailable")), Reason::ApiserverUnreachable);
        assert_eq!(Reason::of_kube(&api(404, "NotFound")), Reason::Unknown);
    }

    #[test]
    fn messages_are_one_short_line() {
        let long = format!("{}\nsecond line", "x".repeat(500));
        let trimmed = trim_message(&long);
        assert_eq!(trimmed.chars().count(), MAX_MESSAGE_CHARS);
        assert!(!trimmed.contains('\n'));
    }

    #[tokio::test]
    async fn late_answers_time_out() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, kube::Error>(())
        };
        let err = within(Duration::from_millis(20), slow).await.expect_err("times out");
        assert_eq!(err.code, Reason::Timeout);
    }
}
