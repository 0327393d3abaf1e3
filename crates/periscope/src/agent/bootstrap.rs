//! Single-use registration tokens: an admin mints one bound to a cluster name; an agent
//! redeems it once with its CSR. Redeeming with another cluster's name burns the token.
//! Tokens are kept hashed, in memory (a restart voids unredeemed ones).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant, SystemTime},
};

use sha2::{Digest, Sha256};

#[cfg(test)]
const TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// Why a redemption failed (logged only: the agent gets one uniform answer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("unknown or already used token")]
    Unknown,
    #[error("the token expired")]
    Expired,
    #[error("the token is for cluster {bound:?}, not {asked:?}; it is burned")]
    WrongCluster { bound: String, asked: String },
}

struct Pending {
    cluster: String,
    expires: Instant,
}

/// The unredeemed tokens.
#[derive(Default)]
pub struct BootstrapTokens {
    pending: Mutex<HashMap<[u8; 32], Pending>>,
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl BootstrapTokens {
    /// A new token for `cluster` and when it expires.
    pub fn mint(&self, cluster: &str, ttl: Duration) -> (String, SystemTime) {
        let token = crate::auth::crypto::random_token(32);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        pending.retain(|_, p| p.expires > now);
        pending.insert(hash(&token), Pending { cluster: cluster.to_string(), expires: now + ttl });
        (token, SystemTime::now() + ttl)
    }

    /// Redeems `token` for `cluster`: it is gone afterwards whatever the answer.
    pub fn redeem(&self, token: &str, cluster: &str) -> Result<(), Refusal> {
        let found = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&hash(token));
        let pending = found.ok_or(Refusal::Unknown)?;
        if pending.expires <= Instant::now() {
            return Err(Refusal::Expired);
        }
        if pending.cluster != cluster {
            return Err(Refusal::WrongCluster { bound: pending.cluster, asked: cluster.to_string() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_single_use_bound_to_its_cluster_and_expires() {
        let tokens = BootstrapTokens::default();
        let (token, _) = tokens.mint("beta", TOKEN_TTL);
        assert_eq!(tokens.redeem(&token, "beta"), Ok(()));
        assert_eq!(tokens.redeem(&token, "beta"), Err(Refusal::Unknown), "used once");

        let (token, _) = tokens.mint("beta", TOKEN_TTL);
        assert!(matches!(tokens.redeem(&token, "gamma"), Err(Refusal::WrongCluster { .. })));
        assert_eq!(tokens.redeem(&token, "beta"), Err(Refusal::Unknown), "a wrong cluster burns it");

        let (token, _) = tokens.mint("beta", Duration::ZERO);
        assert_eq!(tokens.redeem(&token, "beta"), Err(Refusal::Expired));
        assert_eq!(tokens.redeem("made-up", "beta"), Err(Refusal::Unknown));
    }
}
