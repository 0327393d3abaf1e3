//! `GET /api/metrics`: Prometheus text exposition of the watch engine (authenticated like
//! every `/api` route; aggregates only, no names).

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::{app::AppState, http::authn::CurrentUser};

/// The metrics in Prometheus text format 0.0.4.
pub async fn metrics(State(state): State<AppState>, CurrentUser(_user): CurrentUser) -> Response {
    let (rows, bytes) = state.watch.store_totals();
    let mut text = state.watch.metrics.render(rows, bytes);
    text.push_str(&state.lists.render_metrics());
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}
