//! Extractors whose rejections are answered in the error envelope instead of axum's plain text.

use axum::extract::{FromRequestParts, rejection::QueryRejection};
use axum::http::{Uri, request::Parts};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::extract::Query`, but a malformed query string is a 400 `E_BAD_REQUEST`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        query_of(&parts.uri).map(Query)
    }
}

/// The query string of `uri` as `T`; malformed is a 400 `E_BAD_REQUEST` (for routes whose
/// query type depends on what the path turns out to address).
pub fn query_of<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e: QueryRejection| ApiError::BadRequest(format!("invalid query string: {}", e.body_text())))
}

/// Like `axum::extract::Path`, but a path that does not fit is a 400 `E_BAD_REQUEST`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| ApiError::BadRequest(format!("invalid path: {}", e.body_text())))
    }
}
