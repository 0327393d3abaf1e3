//! The one error type every handler returns, and its mapping to the JSON error envelope
//! `{"code":"E_…","message":"…","details":{…}}`.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// An error answered to an API client. Every non-2xx JSON answer is built from one of these.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The request itself is malformed (bad query, bad path, bad body).
    #[error("{0}")]
    BadRequest(String),
    /// No authenticated session.
    #[error("authentication required")]
    Unauthenticated,
    /// The sign-in callback does not belong to a login in progress (bad, expired or replayed state).
    #[error("{0}")]
    LoginInvalid(String),
    /// The identity provider or its tokens did not authenticate the user.
    #[error("sign-in failed: {0}")]
    LoginFailed(String),
    /// Authenticated, but not in a group allowed to use Periscope.
    #[error("{0}")]
    NotAllowed(String),
    /// A mutating request or WebSocket upgrade came from another origin.
    #[error("cross-origin request refused: {0}")]
    OriginRejected(String),
    /// The identity provider could not be reached.
    #[error("identity provider unreachable: {0}")]
    IdpUnreachable(String),
    /// The audit trail cannot take the row, so the privileged action is refused (fail closed)
    /// or — after the fact — its outcome could not be recorded.
    #[error("audit trail unavailable: {0}")]
    AuditUnavailable(String),
    /// A backing service of Periscope itself (session store, …) is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Periscope itself refuses (the cluster's RBAC answers come as [`ApiError::Kube`]).
    #[error("{0}")]
    Forbidden(String),
    /// The cluster name in the URL is not in the registry.
    #[error("cluster {0:?} is not in the registry")]
    ClusterNotFound(String),
    /// The resource kind in the URL is not one Periscope serves.
    #[error("unknown resource {0}")]
    UnknownResource(String),
    /// No durable audit store is configured.
    #[error("the audit trail is not enabled on this server")]
    AuditDisabled,
    /// A paging position that no longer exists (the snapshot it pointed into expired).
    #[error("{0}")]
    Gone(String),
    /// No route matches the path.
    #[error("no route for {0}")]
    RouteNotFound(String),
    /// The route exists but not for this method.
    #[error("method {0} is not allowed here")]
    MethodNotAllowed(String),
    /// A server-side apply hit fields owned by other field managers: 409 listing each field and
    /// its manager in `details.conflicts`.
    #[error("{}", .0.message)]
    ApplyConflict(Box<kube::core::Status>),
    /// The request body is larger than the route accepts (413).
    #[error("the body is larger than {} KiB", .0 / 1024)]
    TooLarge(usize),
    /// The helm binary ran and failed: 502 with its output.
    #[error("helm failed: {0}")]
    HelmFailed(String),
    /// Helm writes need the helm binary, which this server does not have: 501.
    #[error("{0}")]
    HelmUnavailable(String),
    /// The user may not touch some objects a Helm write would change: 403 listing them.
    #[error("{message}")]
    PreflightDenied { message: String, denied: Vec<String> },
    /// A chart could not be fetched from its repository (blocked by the SSRF guard, missing,
    /// unreachable, not a chart).
    #[error(transparent)]
    Chart(#[from] crate::helm::repo::ChartError),
    /// Stored data Periscope will not read (a Helm release too large or not Helm's format): 422.
    #[error("{0}")]
    Unreadable(String),
    /// Something inside an existing object (a Secret key, a revision) does not exist.
    #[error("{0}")]
    NotFound(String),

    /// Exec is switched off for the cluster (`exec.enabled: false`).
    #[error("exec is disabled on cluster {0}")]
    ExecDisabled(String),

    /// The user holds the most exec sessions allowed (429, `details.activeSessions`).
    #[error("at most {limit} terminal sessions per user; end one first")]
    CapUser { limit: usize, active: Value },

    /// The cluster has the most exec sessions allowed.
    #[error("the cluster has its limit of {limit} terminal sessions open; try again later")]
    CapCluster { limit: usize },

    /// A log request named a container the pod does not have (400, `details.containers`).
    #[error("{message}")]
    UnknownContainer { message: String, containers: Vec<String> },
    /// The apiserver answered with a `Status` (403, 404, 409, 422, …); its status code is kept.
    #[error("{}", .0.message)]
    Kube(Box<kube::core::Status>),
    /// The apiserver could not be reached or answered something that is not a `Status`.
    #[error("cluster {cluster} is unreachable: {reason}")]
    ClusterUnreachable { cluster: String, reason: String },
    /// The request took longer than the server's request timeout (504).
    #[error("{0}")]
    Timeout(String),
    /// The request body did not arrive within the body timeout (408).
    #[error("{0}")]
    BodyTimeout(String),
    /// A per-user limit of Periscope's own (e.g. live streams) is reached.
    #[error("{0}")]
    TooManyRequests(String),
    /// A live stream or subscription of the caller that does not exist (or is not theirs).
    #[error("{0}")]
    StreamNotFound(String),
    /// A bug or an unexpected condition on our side; the message is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::LoginInvalid(m) => ApiError::LoginInvalid(m),
            AuthError::LoginFailed(m) => ApiError::LoginFailed(m),
            AuthError::NotAllowed(m) => ApiError::NotAllowed(m),
            AuthError::IdpUnreachable(m) => ApiError::IdpUnreachable(m),
            AuthError::StoreUnavailable(m) => ApiError::Unavailable(m),
            AuthError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl From<crate::audit::AuditUnavailable> for ApiError {
    fn from(e: crate::audit::AuditUnavailable) -> Self {
        ApiError::AuditUnavailable(e.0)
    }
}

impl From<crate::names::InvalidName> for ApiError {
    fn from(e: crate::names::InvalidName) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

/// How the apiserver begins the message of an apply whose values do not fit the schema.
const UNTYPABLE_APPLY: &str = "failed to create typed patch object";

impl ApiError {
    /// Maps a kube client error from a call to `cluster` into an API error.
    pub fn from_kube(cluster: &str, err: kube::Error) -> Self {
        match err {
            kube::Error::Api(status) if status.code == 409 && !field_conflicts(&status).is_empty() => {
                ApiError::ApplyConflict(status)
            }
            // A server-side apply whose values do not fit the schema (a string where a number
            // belongs) fails to type the patch, which the apiserver reports as a 500; the fault
            // is the document's, so it is answered as the validation error it is.
            kube::Error::Api(mut status) if status.code == 500 && status.message.starts_with(UNTYPABLE_APPLY) => {
                status.code = 422;
                status.reason = "Invalid".into();
                ApiError::Kube(status)
            }
            kube::Error::Api(status) => ApiError::Kube(status),
            other => ApiError::ClusterUnreachable { cluster: cluster.to_string(), reason: other.to_string() },
        }
    }

    /// A 400 `E_BAD_REQUEST` with `message`.
    pub fn bad(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::LoginInvalid(_) | ApiError::UnknownContainer { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthenticated | ApiError::LoginFailed(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotAllowed(_) | ApiError::OriginRejected(_) => StatusCode::FORBIDDEN,
            ApiError::IdpUnreachable(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) | ApiError::AuditUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Forbidden(_) | ApiError::ExecDisabled(_) => StatusCode::FORBIDDEN,
            ApiError::CapUser { .. } | ApiError::CapCluster { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ClusterNotFound(_)
            | ApiError::UnknownResource(_)
            | ApiError::RouteNotFound(_)
            | ApiError::AuditDisabled => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::ApplyConflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Chart(e) => chart_status(e),
            ApiError::HelmUnavailable(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::HelmFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::PreflightDenied { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Kube(status) => kube_status_code(status),
            ApiError::ClusterUnreachable { .. } => StatusCode::BAD_GATEWAY,
            ApiError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::StreamNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of the envelope.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) | ApiError::UnknownContainer { .. } => "E_BAD_REQUEST",
            ApiError::Unauthenticated => "E_UNAUTHENTICATED",
            ApiError::LoginInvalid(_) => "E_LOGIN_INVALID",
            ApiError::LoginFailed(_) => "E_LOGIN_FAILED",
            ApiError::NotAllowed(_) => "E_NOT_ALLOWED",
            ApiError::OriginRejected(_) => "E_ORIGIN",
            ApiError::IdpUnreachable(_) => "E_IDP_UNREACHABLE",
            ApiError::Unavailable(_) => "E_UNAVAILABLE",
            ApiError::AuditUnavailable(_) => "E_AUDIT_UNAVAILABLE",
            ApiError::Forbidden(_) => "E_FORBIDDEN",
            ApiError::ExecDisabled(_) => "E_EXEC_DISABLED",
            ApiError::CapUser { .. } => "E_CAP_USER",
            ApiError::CapCluster { .. } => "E_CAP_CLUSTER",
            ApiError::ClusterNotFound(_) => "E_CLUSTER_NOT_FOUND",
            ApiError::UnknownResource(_) => "E_UNKNOWN_RESOURCE",
            ApiError::RouteNotFound(_) => "E_NOT_FOUND",
            ApiError::AuditDisabled => "E_AUDIT_DISABLED",
            ApiError::MethodNotAllowed(_) => "E_METHOD_NOT_ALLOWED",
            ApiError::Gone(_) => "E_GONE",
            ApiError::ApplyConflict(_) => "E_CONFLICT",
            ApiError::TooLarge(_) => "E_TOO_LARGE",
            ApiError::Unreadable(_) => "E_UNREADABLE",
            ApiError::Chart(e) => chart_code(e),
            ApiError::HelmUnavailable(_) => "E_HELM_UNAVAILABLE",
            ApiError::HelmFailed(_) => "E_HELM_FAILED",
            ApiError::PreflightDenied { .. } => "E_HELM_PREFLIGHT_DENIED",
            ApiError::NotFound(_) => "E_NOT_FOUND",
            ApiError::Kube(status) => code_for_status(kube_status_code(status)),
            ApiError::ClusterUnreachable { .. } => "E_CLUSTER_UNREACHABLE",
            ApiError::Timeout(_) => "E_TIMEOUT",
            ApiError::BodyTimeout(_) => "E_BODY_TIMEOUT",
            ApiError::TooManyRequests(_) => "E_TOO_MANY_REQUESTS",
            ApiError::StreamNotFound(_) => "E_NOT_FOUND",
            ApiError::Internal(_) => "E_INTERNAL",
        }
    }

    fn details(&self) -> Value {
        match self {
            ApiError::Kube(status) => json!({ "status": status }),
            ApiError::ApplyConflict(status) => json!({ "conflicts": field_conflicts(status), "status": status }),
            ApiError::TooLarge(limit) => json!({ "limitBytes": limit }),
            ApiError::PreflightDenied { denied, .. } => json!({ "denied": denied }),
            ApiError::UnknownContainer { containers, .. } => json!({ "containers": containers }),
            ApiError::CapUser { limit, active } => json!({ "limit": limit, "activeSessions": active }),
            ApiError::CapCluster { limit } => json!({ "limit": limit }),
            ApiError::ExecDisabled(cluster) => json!({ "cluster": cluster }),
            ApiError::ClusterNotFound(name) | ApiError::ClusterUnreachable { cluster: name, .. } => {
                json!({ "cluster": name })
            }
            _ => json!({}),
        }
    }
}

fn chart_status(e: &crate::helm::repo::ChartError) -> StatusCode {
    use crate::helm::repo::ChartError as C;
    match e {
        C::Blocked(_) | C::UnsupportedRef(_) => StatusCode::BAD_REQUEST,
        C::NotFound(_) | C::VersionNotFound(_) => StatusCode::NOT_FOUND,
        C::Unauthorized(_) | C::Unreachable(_) => StatusCode::BAD_GATEWAY,
        C::Invalid(_) | C::UnsupportedDeps(_) => StatusCode::UNPROCESSABLE_ENTITY,
        C::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
    }
}

fn chart_code(e: &crate::helm::repo::ChartError) -> &'static str {
    use crate::helm::repo::ChartError as C;
    match e {
        C::Blocked(_) => "E_CHART_BLOCKED",
        C::UnsupportedRef(_) => "E_CHART_UNSUPPORTED_REF",
        C::NotFound(_) => "E_CHART_NOT_FOUND",
        C::VersionNotFound(_) => "E_CHART_VERSION_NOT_FOUND",
        C::Unauthorized(_) => "E_CHART_UNAUTHORIZED",
        C::Unreachable(_) => "E_CHART_UNREACHABLE",
        C::Invalid(_) => "E_CHART_INVALID",
        C::UnsupportedDeps(_) => "E_CHART_UNSUPPORTED_DEPS",
        C::Timeout(_) => "E_CHART_TIMEOUT",
    }
}

/// One field another manager owns, from a 409 of a server-side apply.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldConflict {
    pub field: String,
    pub manager: String,
    pub message: String,
    /// Who the manager is and what taking the field over means.
    #[serde(flatten)]
    pub who: crate::edit::managers::Classified,
}

/// The field-manager conflicts in an apiserver Status (empty if it is another kind of 409).
pub fn field_conflicts(status: &kube::core::Status) -> Vec<FieldConflict> {
    let Some(details) = &status.details else { return Vec::new() };
    details
        .causes
        .iter()
        .filter(|c| c.reason == "FieldManagerConflict" || c.message.starts_with("conflict with "))
        .map(|c| {
            // The message reads `conflict with "<manager>" [using <apiVersion>][: <field>]`.
            let manager = c.message.split('"').nth(1).unwrap_or_default().to_string();
            let field = if c.field.is_empty() {
                c.message.rsplit_once(": ").map(|(_, f)| f.to_string()).unwrap_or_default()
            } else {
                c.field.clone()
            };
            FieldConflict { who: crate::edit::managers::classify(&manager), field, manager, message: c.message.clone() }
        })
        .collect()
}

/// The HTTP status an apiserver `Status` asks for, falling back on its reason when `code` is unset.
fn kube_status_code(status: &kube::core::Status) -> StatusCode {
    if let Ok(code) = StatusCode::from_u16(status.code)
        && (400..600).contains(&status.code)
    {
        return code;
    }
    match status.reason.as_str() {
        "Forbidden" => StatusCode::FORBIDDEN,
        "Unauthorized" => StatusCode::UNAUTHORIZED,
        "NotFound" => StatusCode::NOT_FOUND,
        "AlreadyExists" | "Conflict" => StatusCode::CONFLICT,
        "Invalid" => StatusCode::UNPROCESSABLE_ENTITY,
        "BadRequest" => StatusCode::BAD_REQUEST,
        "TooManyRequests" => StatusCode::TOO_MANY_REQUESTS,
        "Timeout" | "ServerTimeout" => StatusCode::GATEWAY_TIMEOUT,
        "Gone" | "Expired" => StatusCode::GONE,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// The envelope code for an HTTP status that came from the apiserver.
fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "E_BAD_REQUEST",
        401 => "E_UNAUTHENTICATED",
        403 => "E_FORBIDDEN",
        404 => "E_NOT_FOUND",
        405 => "E_METHOD_NOT_ALLOWED",
        409 => "E_CONFLICT",
        410 => "E_GONE",
        413 => "E_TOO_LARGE",
        422 => "E_INVALID",
        429 => "E_TOO_MANY_REQUESTS",
        504 => "E_TIMEOUT",
        500..=599 => "E_UPSTREAM",
        _ => "E_UPSTREAM",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(reason) => tracing::error!(reason = %reason, "internal error"),
            ApiError::Unavailable(reason) => tracing::error!(reason = %reason, "dependency unavailable"),
            ApiError::ClusterUnreachable { cluster, reason } => {
                tracing::warn!(cluster = %cluster, reason = %reason, "cluster unreachable")
            }
            _ => {}
        }
        let body = json!({ "code": self.code(), "message": self.to_string(), "details": self.details() });
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body stays unread, so this connection cannot carry another request.
            response.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Cookie realm=\"periscope\""));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, reason: &str) -> kube::core::Status {
        serde_json::from_value(json!({"code": code, "reason": reason, "message": "m"})).expect("valid status")
    }

    #[test]
    fn apiserver_forbidden_stays_forbidden() {
        let err = ApiError::Kube(Box::new(status(403, "Forbidden")));
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(err.code(), "E_FORBIDDEN");
    }

    #[test]
    fn status_without_code_falls_back_on_reason() {
        let err = ApiError::Kube(Box::new(status(0, "Conflict")));
        assert_eq!(err.status(), StatusCode::CONFLICT);
        assert_eq!(err.code(), "E_CONFLICT");
    }

    #[test]
    fn an_apply_that_does_not_fit_the_schema_is_422_and_other_500s_stay() {
        let untypable = |message: &str| {
            let status: kube::core::Status =
                serde_json::from_value(json!({"code": 500, "message": message})).expect("valid status");
            ApiError::from_kube("c", kube::Error::Api(Box::new(status)))
        };
        let err = untypable("failed to create typed patch object (ns/w1; x/v1, Kind=W): .spec.size: expected numeric");
        assert_eq!((err.status(), err.code()), (StatusCode::UNPROCESSABLE_ENTITY, "E_INVALID"));
        assert_eq!(untypable("etcd is down").status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn internal_errors_hide_their_reason() {
        let err = ApiError::Internal("disk on fire".into());
        assert_eq!(err.to_string(), "internal error");
    }
}
