//! Request bodies: one size limit for every route that reads one, one 413 (`E_TOO_LARGE`) when
//! a body is over it, and one JSON extractor whose rejections are envelopes.

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, Request},
    http::{HeaderMap, header},
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest request body Periscope reads (the Go original's apply limit); more is 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Reads a request body, refusing more than [`MAX_BODY_BYTES`] with 413 — up front when
/// `Content-Length` says so, else as soon as the stream passes the limit.
pub async fn read_limited(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    read_at_most(headers, body, MAX_BODY_BYTES).await
}

/// [`read_limited`] with a limit of `limit` bytes.
pub async fn read_at_most(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // `to_bytes` reports the limit as a "length limit exceeded" error somewhere in its chain.
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = source {
            if err.to_string().contains("length limit") {
                return ApiError::TooLarge(limit);
            }
            source = err.source();
        }
        ApiError::bad(format!("cannot read the body: {e}"))
    })
}

/// Parses a JSON body into `T`: 400 `E_BAD_REQUEST` naming the problem when it does not fit.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("invalid JSON body: {e}")))
}

/// Extracts a JSON body of type `T`: 413 over [`MAX_BODY_BYTES`], 400 when it is not `T`.
/// Unlike `axum::Json` it does not insist on a `Content-Type`, and every rejection is an envelope.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = read_limited(&parts.headers, body).await?;
        parse_json(&bytes).map(JsonBody)
    }
}
