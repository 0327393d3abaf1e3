//! Cross-cutting HTTP behaviour, each a layer or extractor with one job: request ids and
//! access logs, request metrics, request and body timeouts, dropping client-sent
//! impersonation headers, authentication, bounded request bodies, and typed extractors whose
//! rejections use the error envelope.

pub mod audit_context;
pub mod authn;
pub mod body;
pub mod cookies;
pub mod extract;
pub mod impersonation_guard;
pub mod metrics;
pub mod origin_guard;
pub mod request_id;
pub mod timeouts;
