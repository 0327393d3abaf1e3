//! `GET {pod}/exec` (WebSocket) and the session list, `GET /api/exec/sessions`,
//! `DELETE /api/exec/sessions/{id}`, `GET /api/exec/recordings[/{id}]` (docs/api.md, "Exec").
//!
//! Everything that can refuse a session is checked before the upgrade, so refusals come in
//! the JSON envelope: the pod and container (404), the command (400), the cluster's switch
//! (403 `E_EXEC_DISABLED`), the caps (429 `E_CAP_USER` / `E_CAP_CLUSTER`), the intent audit row
//! (503, fail-closed) and the apiserver's RBAC as the user (403) — the container's process is
//! started, as the user, before the browser's connection is upgraded.

use axum::{
    Json,
    extract::{FromRequestParts, State, ws::WebSocketUpgrade},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use serde::Deserialize;
use serde_json::json;

use super::objects::{Request, Target};
use crate::{
    app::AppState,
    audit::{Action, AuditContext, Outcome, Verb},
    authz::AuditScope,
    error::ApiError,
    exec::{
        DEFAULT_COMMAND, new_session_id,
        protocol::CloseReason,
        recording::RecordingInfo,
        registry::{CapRefusal, SessionMeta},
        session::Pump,
    },
    http::{
        authn::CurrentUser,
        extract::{Path, query_of},
    },
    logs::source::choose_container,
    server::connection::ConnectionSlot,
};

/// Longest command accepted (decoded JSON).
const MAX_COMMAND: usize = 16 * 1024;

/// The query of `{pod}/exec`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecQuery {
    pub container: Option<String>,
    /// A JSON array of strings, base64url (or standard base64) encoded.
    pub command: Option<String>,
    /// Default true.
    pub tty: Option<bool>,
}

/// Decodes `command=`: base64url or standard base64 of a non-empty JSON string array.
pub fn parse_command(raw: &str) -> Result<Vec<String>, ApiError> {
    let bad = |why: &str| ApiError::bad(format!("command must be a base64-encoded JSON array of strings: {why}"));
    let trimmed = raw.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
        .map_err(|_| bad("not base64"))?;
    if bytes.len() > MAX_COMMAND {
        return Err(bad(&format!("longer than {MAX_COMMAND} bytes")));
    }
    let command: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| bad("not a JSON array of strings"))?;
    if command.is_empty() || command[0].is_empty() {
        return Err(bad("empty"));
    }
    if command.iter().any(|arg| arg.contains('\0')) {
        return Err(bad("an argument holds a NUL byte"));
    }
    Ok(command)
}

/// `GET {pod}/exec`: checks, starts the process as the user, then upgrades.
pub async fn open(mut request: Request, target: Target) -> Result<Response, ApiError> {
    let query: ExecQuery = query_of(&request.uri)?;
    let state = request.state.clone();
    let entry = state.registry.get(&target.cluster).ok_or_else(|| ApiError::ClusterNotFound(target.cluster.clone()))?;
    let settings = state.exec.args.settings(entry.config.exec.as_ref());
    if !settings.enabled {
        return Err(ApiError::ExecDisabled(target.cluster.clone()));
    }
    let (command, default_command) = match query.command.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => (parse_command(raw)?, false),
        None => (DEFAULT_COMMAND.iter().map(|s| s.to_string()).collect(), true),
    };
    let tty = query.tty.unwrap_or(true);
    let pods: Api<Pod> = target.typed();
    let pod = pods.get(&target.name).await.map_err(|e| target.err(e))?;
    let container =
        choose_container(&pod, query.container.as_deref().filter(|c| !c.is_empty())).map_err(|e| match e {
            ApiError::UnknownContainer { message, .. } => ApiError::NotFound(message),
            other => other,
        })?;
    let id = new_session_id();
    let meta = SessionMeta {
        id: id.clone(),
        user: request.user.subject.clone(),
        cluster: target.cluster.clone(),
        namespace: target.namespace.as_deref().unwrap_or_default().to_string(),
        pod: target.name.clone(),
        container: container.clone(),
        tty,
        started_at: jiff::Timestamp::now().to_string(),
    };
    let slot_in_registry =
        state.exec.registry.reserve(meta.clone(), settings.per_user, settings.per_cluster).map_err(|refusal| {
            match refusal {
                CapRefusal::User { limit, active } => {
                    ApiError::CapUser { limit, active: serde_json::to_value(active).unwrap_or_default() }
                }
                CapRefusal::Cluster { limit } => ApiError::CapCluster { limit },
            }
        })?;
    // After the caps (so a plain GET, as a browser asks why its WebSocket failed, learns of
    // them) and before anything is written or started; a connection that cannot upgrade is 400.
    let mut parts = axum::http::Request::builder()
        .method("GET")
        .uri(request.uri.clone())
        .body(())
        .map(|r| r.into_parts().0)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    parts.headers = request.headers.clone();
    parts.extensions = std::mem::take(&mut request.extensions);
    let slot = parts.extensions.get::<ConnectionSlot>().cloned();
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|e| ApiError::bad(format!("exec needs a WebSocket upgrade: {}", e.body_text())))?;
    let extra = json!({"session_id": id, "container": container, "tty": tty, "command": command});
    // The intent row comes first and fails closed: no row, no shell.
    let record = state
        .audit
        .begin(request.ctx.clone(), Verb::ExecOpen, Some(&target.cluster), target.audited(), Some(extra))
        .await?;
    let params = AttachParams {
        container: Some(container.clone()),
        stdin: true,
        stdout: true,
        stderr: !tty,
        tty,
        ..AttachParams::default()
    };
    let process = match pods.exec(&target.name, command.clone(), &params).await {
        Ok(process) => process,
        Err(e) => {
            let error = target.err(e);
            let outcome =
                if error.status() == axum::http::StatusCode::FORBIDDEN { Outcome::Denied } else { Outcome::Failure };
            state.audit.finish(&record, outcome, Some(error.to_string()), None).await?;
            return Err(error);
        }
    };
    state.audit.finish(&record, Outcome::Success, None, Some(json!({"session_id": id}))).await?;
    let recording = match &state.exec.recordings {
        Some(store) => match store.start(&meta, settings.record_input, (80, 24)).await {
            Ok(rec) => Some(rec),
            Err(e) => {
                tracing::warn!(session = %id, error = %e, "session not recorded");
                None
            }
        },
        None => None,
    };
    tracing::info!(session = %id, user = %meta.user, cluster = %meta.cluster, pod = %meta.pod, container = %meta.container, "exec.opened");
    let pump = Pump {
        id: id.clone(),
        container,
        settings,
        slot: slot_in_registry,
        recording,
        default_command,
        shutdown: state.watch.shutdown_signal(),
    };
    let ctx = request.ctx.clone();
    let resource = target.audited();
    let cluster = target.cluster.clone();
    let closing = state.exec.registry.closing();
    Ok(upgrade.on_upgrade(move |socket| async move {
        // Held for the session: an upgraded connection still counts against the cap, and
        // shutdown waits until the close row below is written.
        let _slot = slot;
        let _closing = closing;
        let (ended, recording) = pump.run(socket, process).await;
        let recorded = match recording {
            Some(rec) => Some(rec.finish(ended.reason, ended.exit_code).await),
            None => None,
        };
        let extra = json!({
            "session_id": id,
            "transport": "websocket",
            "ended_at": jiff::Timestamp::now().to_string(),
            "duration_ms": ended.duration.as_millis() as u64,
            "exit_code": ended.exit_code,
            "bytes_stdin": ended.bytes_in,
            "bytes_stdout": ended.bytes_out,
            "error": ended.error,
            "recording": recorded.as_ref().map(|r| json!({"id": r.id, "bytes": r.bytes, "truncated": r.truncated})),
        });
        let outcome = if matches!(ended.reason, CloseReason::ServerError | CloseReason::Forbidden) {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        let closed = Action::happened(ctx, Verb::ExecClose, Some(&cluster), resource);
        let _ = state.audit.finish(&closed, outcome, Some(ended.reason.as_str().to_string()), Some(extra)).await;
        tracing::info!(session = %id, reason = ended.reason.as_str(), "exec.closed");
    }))
}

/// `GET /api/exec/sessions`: the caller's open sessions, or everyone's for audit admins.
pub async fn sessions(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Json<serde_json::Value> {
    let all = state.auth.authz.audit_scope(&user) == AuditScope::All;
    let items = state.exec.registry.list((!all).then_some(user.subject.as_str()));
    Json(json!({ "items": items }))
}

/// `DELETE /api/exec/sessions/{id}`: ends a session (one's own, or any for audit admins),
/// audited as `exec_terminate`.
pub async fn terminate(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let meta = state.exec.registry.get(&id).ok_or_else(|| ApiError::NotFound(format!("no open session {id}")))?;
    let all = state.auth.authz.audit_scope(&user) == AuditScope::All;
    if !all && meta.user != user.subject {
        // Someone else's session is not even said to exist.
        return Err(ApiError::NotFound(format!("no open session {id}")));
    }
    let resource = crate::audit::ResourceRef {
        group: None,
        version: Some("v1".into()),
        resource: Some("pods".into()),
        namespace: Some(meta.namespace.clone()),
        name: Some(meta.pod.clone()),
    };
    let record = state
        .audit
        .begin(
            ctx,
            Verb::ExecTerminate,
            Some(&meta.cluster),
            resource,
            Some(json!({"session_id": id, "owner": meta.user})),
        )
        .await?;
    let stopped = state.exec.registry.stop(&id, CloseReason::Terminated);
    state.audit.finish(&record, if stopped { Outcome::Success } else { Outcome::Failure }, None, None).await?;
    if !stopped {
        return Err(ApiError::NotFound(format!("no open session {id}")));
    }
    Ok(Json(json!({"terminated": true, "id": id})).into_response())
}

fn readable(state: &AppState, user: &crate::identity::Identity, info: &RecordingInfo) -> bool {
    state.auth.authz.audit_scope(user) == AuditScope::All || info.user == user.subject
}

/// `GET /api/exec/recordings`: recordings the caller may read, newest first.
pub async fn recordings(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state
        .exec
        .recordings
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("sessions are not recorded on this server".into()))?;
    let items: Vec<RecordingInfo> = store.list().await.into_iter().filter(|r| readable(&state, &user, r)).collect();
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/exec/recordings/{id}`: the asciicast v2 file of a session the caller may read.
pub async fn recording(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::NotFound(format!("no recording {id}"));
    let store = state.exec.recordings.as_ref().ok_or_else(missing)?;
    let info = store.info(&id).await.ok_or_else(missing)?;
    if !readable(&state, &user, &info) {
        return Err(missing());
    }
    let bytes = store.cast_bytes(&id).await.ok_or_else(missing)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-asciicast"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn commands_are_base64_json_string_arrays() {
        assert_eq!(parse_command(&b64(r#"["sh","-c","echo hi"]"#)).unwrap(), vec!["sh", "-c", "echo hi"]);
        let std = base64::engine::general_purpose::STANDARD.encode(r#"["ls"]"#);
        assert_eq!(parse_command(&std).unwrap(), vec!["ls"]);
        assert!(parse_command("!!!").is_err());
        assert!(parse_command(&b64("[]")).is_err());
        assert!(parse_command(&b64(r#"[""]"#)).is_err());
        assert!(parse_command(&b64(r#"["a", 1]"#)).is_err());
        assert!(parse_command(&b64(r#"{"a":1}"#)).is_err());
        assert!(parse_command(&b64(&format!(r#"["{}"]"#, "a".repeat(MAX_COMMAND)))).is_err());
    }
}
