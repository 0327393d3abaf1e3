//! Authorization modes: how a signed-in identity becomes the Kubernetes identity Periscope
//! impersonates. The cluster's RBAC makes every actual decision.

use std::{collections::BTreeMap, time::Duration};

use serde::Serialize;

use crate::identity::Identity;

/// The prefix of every group impersonated in tier mode.
pub const TIER_GROUP_PREFIX: &str = "periscope-tier:";

/// `authorization.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthzMode {
    /// No impersonation: every user acts with the backend's own credential.
    Shared,
    /// IdP groups map to one of five tiers, impersonated as `periscope-tier:<tier>`.
    Tier,
    /// The user's own groups, each prefixed, are impersonated.
    Raw,
}

impl AuthzMode {
    /// The name used in configuration and in whoami.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthzMode::Shared => "shared",
            AuthzMode::Tier => "tier",
            AuthzMode::Raw => "raw",
        }
    }
}

/// Tiers, ordered from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Tier {
    /// Parses a tier name as written in configuration.
    pub fn parse(raw: &str) -> Option<Tier> {
        match raw {
            "read" => Some(Tier::Read),
            "triage" => Some(Tier::Triage),
            "write" => Some(Tier::Write),
            "maintain" => Some(Tier::Maintain),
            "admin" => Some(Tier::Admin),
            _ => None,
        }
    }

    /// The tier's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Read => "read",
            Tier::Triage => "triage",
            Tier::Write => "write",
            Tier::Maintain => "maintain",
            Tier::Admin => "admin",
        }
    }
}

/// Whose audit rows a user may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AuditScope {
    /// Only their own.
    #[serde(rename = "self")]
    Own,
    /// Everyone's.
    All,
}

/// The validated `authorization:` section.
#[derive(Debug, Clone)]
pub struct AuthzConfig {
    pub mode: AuthzMode,
    /// Non-empty: a user must hold one of these groups to sign in.
    pub allowed_groups: Vec<String>,
    pub group_tiers: BTreeMap<String, Tier>,
    pub default_tier: Option<Tier>,
    /// Prefix for every group impersonated in raw mode.
    pub group_prefix: String,
    pub can_i_cache_ttl: Duration,
    /// Non-empty: members read everyone's audit rows (overrides the per-mode rule).
    pub audit_admin_groups: Vec<String>,
}

/// The Kubernetes identity to impersonate; `None` from [`AuthzConfig::impersonation`] means
/// the backend's own credential is used (shared mode).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Impersonation {
    pub user: String,
    /// Sorted and de-duplicated, so equal identities share one cached client.
    pub groups: Vec<String>,
}

impl AuthzConfig {
    /// The tier an identity resolves to: the highest-ranked tier among its groups, else `defaultTier`.
    pub fn tier_for(&self, identity: &Identity) -> Option<Tier> {
        identity.groups.iter().filter_map(|g| self.group_tiers.get(g).copied()).max().or(self.default_tier)
    }

    /// The identity to impersonate for this user, per the configured mode.
    pub fn impersonation(&self, identity: &Identity) -> Option<Impersonation> {
        let mut groups: Vec<String> = match self.mode {
            AuthzMode::Shared => return None,
            // No tier: impersonate the bare user, so RBAC bound to the user name still applies
            // and nothing else does.
            AuthzMode::Tier => {
                self.tier_for(identity).map(|t| format!("{TIER_GROUP_PREFIX}{}", t.as_str())).into_iter().collect()
            }
            AuthzMode::Raw => identity
                .groups
                .iter()
                .map(|g| g.trim())
                .filter(|g| !g.is_empty())
                .map(|g| format!("{}{g}", self.group_prefix))
                .collect(),
        };
        groups.sort();
        groups.dedup();
        Some(Impersonation { user: identity.subject.clone(), groups })
    }

    /// Whose audit rows this identity may read.
    pub fn audit_scope(&self, identity: &Identity) -> AuditScope {
        let member_of = |list: &[String]| identity.groups.iter().any(|g| list.contains(g));
        let all = if !self.audit_admin_groups.is_empty() {
            member_of(&self.audit_admin_groups)
        } else {
            match self.mode {
                AuthzMode::Tier => self.tier_for(identity) == Some(Tier::Admin),
                AuthzMode::Shared => !self.allowed_groups.is_empty() && member_of(&self.allowed_groups),
                AuthzMode::Raw => false,
            }
        };
        if all { AuditScope::All } else { AuditScope::Own }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: AuthzMode) -> AuthzConfig {
        AuthzConfig {
            mode,
            allowed_groups: vec![],
            group_tiers: [("devs", Tier::Write), ("sre", Tier::Admin), ("support", Tier::Triage)]
                .into_iter()
                .map(|(g, t)| (g.to_string(), t))
                .collect(),
            default_tier: None,
            group_prefix: "periscope:".into(),
            can_i_cache_ttl: Duration::from_secs(30),
            audit_admin_groups: vec![],
        }
    }

    fn who(groups: &[&str]) -> Identity {
        Identity {
            subject: "alice".into(),
            email: "a@x".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn shared_mode_never_impersonates() {
        assert_eq!(config(AuthzMode::Shared).impersonation(&who(&["sre"])), None);
    }

    #[test]
    fn tier_mode_picks_the_highest_tier() {
        let imp = config(AuthzMode::Tier).impersonation(&who(&["support", "sre", "devs"])).expect("some");
        assert_eq!(imp, Impersonation { user: "alice".into(), groups: vec!["periscope-tier:admin".into()] });
    }

    #[test]
    fn tier_mode_without_a_tier_impersonates_the_bare_user_or_the_default() {
        let mut cfg = config(AuthzMode::Tier);
        assert_eq!(cfg.impersonation(&who(&["nobody"])).expect("some").groups, Vec::<String>::new());
        cfg.default_tier = Some(Tier::Read);
        assert_eq!(cfg.impersonation(&who(&[])).expect("some").groups, vec!["periscope-tier:read".to_string()]);
    }

    #[test]
    fn raw_mode_prefixes_every_group_and_cannot_reach_system_masters() {
        let imp = config(AuthzMode::Raw).impersonation(&who(&["system:masters", " ", "b", "a", "a"])).expect("some");
        assert_eq!(imp.groups, vec!["periscope:a", "periscope:b", "periscope:system:masters"]);
    }

    #[test]
    fn audit_scope_rules() {
        let tier = config(AuthzMode::Tier);
        assert_eq!(tier.audit_scope(&who(&["sre"])), AuditScope::All);
        assert_eq!(tier.audit_scope(&who(&["devs"])), AuditScope::Own);
        assert_eq!(config(AuthzMode::Raw).audit_scope(&who(&["sre"])), AuditScope::Own);
        let mut shared = config(AuthzMode::Shared);
        assert_eq!(shared.audit_scope(&who(&["ops"])), AuditScope::Own);
        shared.allowed_groups = vec!["ops".into()];
        assert_eq!(shared.audit_scope(&who(&["ops"])), AuditScope::All);
        let mut explicit = config(AuthzMode::Tier);
        explicit.audit_admin_groups = vec!["auditors".into()];
        assert_eq!(explicit.audit_scope(&who(&["sre"])), AuditScope::Own);
        assert_eq!(explicit.audit_scope(&who(&["auditors"])), AuditScope::All);
    }
}
