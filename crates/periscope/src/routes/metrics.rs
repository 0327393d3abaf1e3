//! `GET /api/metrics`: Prometheus text exposition of the whole server (authenticated like
//! every `/api` route; aggregates only, no names): the watch engine, the audit queue, and
//! every family registered in `crate::telemetry` (HTTP, apiserver, audit writes, sessions, …).

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::{app::AppState, http::authn::CurrentUser, telemetry};

/// The metrics in Prometheus text format 0.0.4.
pub async fn metrics(State(state): State<AppState>, CurrentUser(_user): CurrentUser) -> Response {
    let (rows, bytes) = state.watch.store_totals();
    let mut text = state.watch.metrics.render(rows, bytes);
    let (depth, capacity) = state.audit.queue_depth();
    telemetry::write_scalar(
        &mut text,
        "periscope_audit_queue_depth",
        "gauge",
        "Audit rows waiting for the writer.",
        depth,
    );
    telemetry::write_scalar(
        &mut text,
        "periscope_audit_queue_capacity",
        "gauge",
        "Audit rows the queue holds before callers wait or rows drop.",
        capacity,
    );
    telemetry::write_scalar(
        &mut text,
        "periscope_audit_dropped_rows_total",
        "counter",
        "Audit rows of fail-open actions dropped because the queue was full.",
        state.audit.dropped(),
    );
    if let Some(history) = &state.watch.history {
        history.render_metrics(&mut text);
    }
    text.push_str(&state.lists.render_metrics());
    state.logs.render_metrics(&mut text);
    telemetry::render(&mut text);
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}
