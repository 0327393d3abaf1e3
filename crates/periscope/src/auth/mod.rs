//! Sign-in: OIDC as a backend-for-frontend. The browser only ever holds an opaque session
//! cookie; tokens stay on the server, refresh tokens sealed at rest.

pub mod crypto;
pub mod oidc;
pub mod pg_store;
pub mod routes;
pub mod sessions;
pub mod store;
