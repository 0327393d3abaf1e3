//! The audit event model: a closed verb taxonomy, phases, outcomes, and the row as stored,
//! including its place in a tamper-evident hash chain.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Declares the closed verb taxonomy: adding a verb is one line here.
macro_rules! verbs {
    ($($variant:ident => $name:literal, mutating: $mutating:literal, $doc:literal;)*) => {
        /// Every action Periscope audits. Documented in docs/audit.md.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Verb {
            $(#[doc = $doc] $variant,)*
        }

        impl Verb {
            /// Every verb, for documentation and validation.
            pub const ALL: &'static [Verb] = &[$(Verb::$variant,)*];

            /// The verb's stable name in rows and filters.
            pub fn as_str(self) -> &'static str {
                match self { $(Verb::$variant => $name,)* }
            }

            /// Whether the verb changes a cluster or Periscope's state (fail-closed by default).
            pub fn mutating(self) -> bool {
                match self { $(Verb::$variant => $mutating,)* }
            }

            /// Parses a stored or filtered verb name.
            pub fn parse(name: &str) -> Option<Verb> {
                match name { $($name => Some(Verb::$variant),)* _ => None }
            }
        }
    };
}

verbs! {
    Login => "auth.login", mutating: false, "A sign-in attempt (outcome failure/denied for refused logins).";
    Logout => "auth.logout", mutating: false, "A sign-out (extra.kind: local or everywhere).";
    Delete => "delete", mutating: true, "Deleting a Kubernetes object.";
    Apply => "apply", mutating: true, "Server-side apply of an edited object (extra: dryRun, force).";
    Scale => "scale", mutating: true, "Setting spec.replicas of a Deployment, StatefulSet or ReplicaSet.";
    Restart => "restart", mutating: true, "Rollout restart of a Deployment, StatefulSet or DaemonSet.";
    Cordon => "cordon", mutating: true, "Marking a Node unschedulable.";
    Uncordon => "uncordon", mutating: true, "Marking a Node schedulable again.";
    Suspend => "suspend", mutating: true, "Suspending a CronJob.";
    Resume => "resume", mutating: true, "Resuming a suspended CronJob.";
    Labels => "labels", mutating: true, "Replacing the labels Periscope manages on an object.";
    Trigger => "trigger", mutating: true, "Creating a Job from a CronJob (extra: jobName).";
    Rollback => "rollback", mutating: true, "Rolling a workload back to an earlier revision (extra: revision).";
    SecretReveal => "secret_reveal", mutating: true, "Reading Secret values (extra: via key or yaml); fails closed.";
    ExecOpen => "exec_open", mutating: true, "Opening a terminal in a container (extra: session_id, container, tty, command); fails closed.";
    ExecClose => "exec_close", mutating: false, "A terminal session ended (extra: duration, bytes, exit code, transport, recording; reason).";
    ExecTerminate => "exec_terminate", mutating: true, "Ending another open terminal session from the session list (extra: session_id).";
    BulkDownload => "bulk_download", mutating: true, "One file of many objects' YAML taken from a list (extra: kind, count, ids, failureCount, reveal); fails closed.";
    LogOpen => "log_open", mutating: false, "Opening or downloading logs (extra: container, filters, follow, download); fails open.";
    Proxy => "proxy", mutating: true, "A change through the Kubernetes API proxy (extra: via proxy, the Kubernetes verb, subresource, status); reads only with PERISCOPE_PROXY_AUDIT_READS.";
    TokenCreate => "token_create", mutating: true, "Issuing a personal access token (extra: token id, name, clusters, expiresAt; kubeconfig when for a download).";
    HelmRollback => "helm_rollback", mutating: true, "Rolling a Helm release back through the helm binary (extra: release, from, to; outcome: revision after, helm's output on failure).";
    HelmUninstall => "helm_uninstall", mutating: true, "Uninstalling a Helm release through the helm binary (extra: release, revision, keepHistory; outcome: helm's output on failure).";
    HelmInstall => "helm_install", mutating: true, "Installing a Helm chart from a repository through the helm binary (extra: release, repo, chart, version; outcome: revision, helm's output on failure).";
    HelmUpgrade => "helm_upgrade", mutating: true, "Upgrading a Helm release through the helm binary (extra: release, from revision, chartVersion from/to, repo; outcome: revision, helm's output on failure).";
    AgentTokenCreate => "agent_token_create", mutating: true, "Minting a single-use agent registration token (cluster; extra: expiresAt).";
    AgentRenew => "agent_renew", mutating: true, "An agent renewing its client certificate over its tunnel (actor agent:<cluster>; outcome: expiresAt).";
    AgentRegister => "agent_register", mutating: true, "An agent redeeming a registration token for a client certificate (cluster; outcome: expiresAt, or the refusal's reason).";
    TokenRevoke => "token_revoke", mutating: true, "Revoking a personal access token (extra: token id, owner).";
    AuditExport => "audit_export", mutating: true, "Downloading audit rows as a file (extra: format, filters; outcome: rows, capped); fails closed.";
}

/// Whether a row announces an action or reports how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Intent,
    Outcome,
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    /// Refused by authorization (Kubernetes 401/403 or Periscope's own gate).
    Denied,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// The Kubernetes object an action touched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Who acted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The content of one audit row (everything the hash covers besides the chain fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    pub ts_unix_nano: i64,
    pub request_id: String,
    pub route: Option<String>,
    pub phase: Phase,
    pub verb: String,
    /// `None` on intent rows.
    pub outcome: Option<Outcome>,
    pub actor: Actor,
    pub cluster: Option<String>,
    pub resource: ResourceRef,
    pub reason: Option<String>,
    /// Verb-specific details (JSON object).
    pub extra: Option<serde_json::Value>,
}

/// A row's position in its writer's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    /// One chain per writer process (several replicas write several chains into one database).
    pub writer_id: String,
    /// 1, 2, 3, … within the writer's chain.
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub body: EventBody,
    pub link: ChainLink,
}

/// The hash that starts every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Links `bodies` onto the chain of `writer_id` that stands at `(seq, hash)`: the rows to
/// append, and where the chain stands after them.
pub fn link(
    writer_id: &str,
    (mut seq, mut prev): (i64, String),
    bodies: impl IntoIterator<Item = EventBody>,
) -> (Vec<(EventBody, ChainLink)>, (i64, String)) {
    let rows = bodies
        .into_iter()
        .map(|body| {
            seq += 1;
            let hash = chain_hash(&prev, writer_id, seq, &body);
            let link = ChainLink { writer_id: writer_id.to_string(), seq, prev_hash: prev.clone(), hash: hash.clone() };
            prev = hash;
            (body, link)
        })
        .collect();
    (rows, (seq, prev))
}

/// `hex(SHA-256(prev_hash ‖ writer_id ‖ seq ‖ canonical JSON of the body))`.
pub fn chain_hash(prev_hash: &str, writer_id: &str, seq: i64, body: &EventBody) -> String {
    // Struct serialization has a fixed field order, so the JSON is canonical for a given body.
    let json = serde_json::to_vec(body).expect("audit bodies always serialize");
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(writer_id.as_bytes());
    h.update(b"\n");
    h.update(seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(&json);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A plain intent row for unit tests of the stores and the journal.
#[cfg(test)]
pub fn sample_body(seq: i64) -> EventBody {
    EventBody {
        ts_unix_nano: seq,
        request_id: format!("r{seq}"),
        route: None,
        phase: Phase::Intent,
        verb: "delete".into(),
        outcome: None,
        actor: Actor { sub: "alice".into(), email: None, groups: vec![] },
        cluster: None,
        resource: ResourceRef::default(),
        reason: None,
        extra: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> EventBody {
        EventBody {
            ts_unix_nano: 1,
            request_id: "r".into(),
            route: None,
            phase: Phase::Intent,
            verb: "delete".into(),
            outcome: None,
            actor: Actor { sub: "alice".into(), email: None, groups: vec![] },
            cluster: Some("alpha".into()),
            resource: ResourceRef::default(),
            reason: None,
            extra: None,
        }
    }

    #[test]
    fn the_hash_covers_content_position_and_predecessor() {
        let h = chain_hash(GENESIS, "w", 1, &body());
        assert_eq!(h.len(), 64);
        assert_eq!(h, chain_hash(GENESIS, "w", 1, &body()));
        let mut changed = body();
        changed.actor.sub = "mallory".into();
        assert_ne!(h, chain_hash(GENESIS, "w", 1, &changed));
        assert_ne!(h, chain_hash(GENESIS, "w", 2, &body()));
        assert_ne!(h, chain_hash(&h, "w", 1, &body()));
        assert_ne!(h, chain_hash(GENESIS, "v", 1, &body()));
    }

    #[test]
    fn verbs_round_trip_and_delete_is_mutating() {
        for verb in Verb::ALL {
            assert_eq!(Verb::parse(verb.as_str()), Some(*verb));
        }
        assert!(Verb::Delete.mutating());
        assert!(!Verb::Login.mutating());
        assert_eq!(Verb::parse("drop_database"), None);
    }
}
