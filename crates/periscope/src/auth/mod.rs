//! Sign-in: OIDC as a backend-for-frontend. The browser only ever holds an opaque session
//! cookie; tokens stay on the server, refresh tokens sealed at rest.

//!
//! Plain types and functions only: no HTTP framework here. `http/` reads the session cookie
//! and `routes/auth.rs` answers the browser; errors are [`AuthError`]s, which `error.rs` maps
//! to the envelope.

pub mod crypto;
pub mod oidc;
pub mod pg_store;
pub mod sessions;
pub mod store;
pub mod tokens;

/// Why a sign-in, a session lookup or a logout failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The callback does not belong to a login in progress (bad, expired or replayed state).
    #[error("{0}")]
    LoginInvalid(String),
    /// The identity provider or its tokens did not authenticate the user.
    #[error("{0}")]
    LoginFailed(String),
    /// Authenticated, but not in a group allowed to use Periscope.
    #[error("{0}")]
    NotAllowed(String),
    /// The identity provider could not be reached.
    #[error("{0}")]
    IdpUnreachable(String),
    /// The session store is down.
    #[error("{0}")]
    StoreUnavailable(String),
    /// A bug or an unexpected condition (e.g. a sealed token that does not open).
    #[error("{0}")]
    Internal(String),
}
