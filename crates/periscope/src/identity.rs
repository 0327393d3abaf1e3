//! Who is making a request. Produced by the authentication layer (dev mode now, OIDC sessions
//! next) and consumed by authorization and the client factory.

use serde::Serialize;

/// The signed-in human, as the identity provider (or dev config) describes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Identity {
    /// Stable subject (the OIDC `sub` or the configured claim); the name audit rows carry.
    pub subject: String,
    pub email: String,
    /// The IdP's groups, unprefixed, as received.
    pub groups: Vec<String>,
}
