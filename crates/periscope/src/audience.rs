//! `Audience`: whose eyes a call to a cluster is made through — the cluster plus the
//! Kubernetes identity the configured authorization mode derives for a user (or the backend's
//! own credential, or shared cache mode's reader).
//!
//! It is the only key accepted by everything that holds what one identity may see: the client
//! factory, the can-i, fleet, OpenAPI and printer-column caches, list snapshots (and so their
//! continue tokens) and the watch hub. Equality and hashing are on typed fields, so two
//! audiences that differ in one group, or in the cluster, never share an entry. Audiences are
//! built only by [`Audience::of_user`] (from the authz mode) and [`Audience::shared_reader`].

use std::{fmt, sync::Arc};

use crate::{
    authz::{AuthzConfig, Impersonation},
    identity::Identity,
};

/// The Kubernetes identity behind an audience.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// The backend's own credential (authorization mode `shared`).
    Backend,
    /// A signed-in user, impersonated as the authorization mode derives.
    User(Impersonation),
    /// Shared cache mode's reader: list and watch only, never Secrets, never a real user's
    /// entries (a user impersonated under the reader's name is still a `User`).
    SharedReader(Impersonation),
}

/// A cluster and the identity calls to it are made as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Audience {
    cluster: Arc<str>,
    principal: Principal,
}

impl Audience {
    /// The audience `user` acts as in `cluster` under `authz`'s mode.
    pub fn of_user(authz: &AuthzConfig, cluster: &str, user: &Identity) -> Audience {
        let principal = match authz.impersonation(user) {
            Some(as_user) => Principal::User(as_user),
            None => Principal::Backend,
        };
        Audience { cluster: Arc::from(cluster), principal }
    }

    /// Shared cache mode's reader identity `reader` in `cluster`.
    pub fn shared_reader(cluster: &str, reader: &str) -> Audience {
        let principal = Principal::SharedReader(Impersonation { user: reader.to_string(), groups: Vec::new() });
        Audience { cluster: Arc::from(cluster), principal }
    }

    /// The cluster's name.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// Who the calls are made as.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The impersonation headers to send; `None` for the backend's own credential.
    pub fn impersonation(&self) -> Option<&Impersonation> {
        match &self.principal {
            Principal::Backend => None,
            Principal::User(as_user) | Principal::SharedReader(as_user) => Some(as_user),
        }
    }

    /// An audience for unit tests of the caches keyed by it.
    #[cfg(test)]
    pub fn for_test(cluster: &str, user: &str, groups: &[&str]) -> Audience {
        let mut groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        groups.sort();
        Audience {
            cluster: Arc::from(cluster),
            principal: Principal::User(Impersonation { user: user.into(), groups }),
        }
    }
}

/// Names the principal in logs and debug views (`user,group,…`, `shared-cache-reader:NAME`,
/// `backend`), never used as a key.
impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Backend => f.write_str("backend"),
            Principal::User(u) => {
                f.write_str(&u.user)?;
                u.groups.iter().try_for_each(|g| write!(f, ",{g}"))
            }
            Principal::SharedReader(u) => write!(f, "shared-cache-reader:{}", u.user),
        }
    }
}

/// Names the audience in logs (`cluster/principal`), never used as a key.
impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.cluster, self.principal)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn audiences_differ_by_cluster_group_and_kind_of_principal() {
        let base = Audience::for_test("alpha", "alice", &["periscope:a", "periscope:b"]);
        let set: HashSet<Audience> = [
            base.clone(),
            Audience::for_test("alpha", "alice", &["periscope:a"]),
            Audience::for_test("beta", "alice", &["periscope:a", "periscope:b"]),
            Audience::shared_reader("alpha", "alice"),
            Audience::for_test("alpha", "alice", &[]),
        ]
        .into_iter()
        .collect();
        assert_eq!(set.len(), 5);
        assert!(set.contains(&Audience::for_test("alpha", "alice", &["periscope:b", "periscope:a"])));
    }

    #[test]
    fn a_group_name_with_a_separator_cannot_forge_another_identity() {
        // With `\0`-joined string keys these two collided; typed fields keep them apart.
        let one = Audience::for_test("alpha", "alice", &["x\u{0}y"]);
        let two = Audience::for_test("alpha", "alice", &["x", "y"]);
        assert_ne!(one, two);
    }
}
