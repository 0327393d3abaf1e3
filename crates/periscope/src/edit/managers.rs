//! Who a field manager is: one table from manager names to a class (GitOps, Helm, controller,
//! human, Periscope, unknown) with what taking a field over from it means. The editor's
//! ownership glyphs (`GET {obj}/meta`) and the apply conflict view (409) both read it.

use serde::Serialize;
use serde_json::Value;

use super::path::{FieldPath, fields_v1_leaves};

/// The kind of writer behind a field manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Gitops,
    Helm,
    Controller,
    Human,
    Periscope,
    Unknown,
}

impl Class {
    /// What taking a field over from a manager of this class means.
    pub fn consequence(self) -> &'static str {
        match self {
            Class::Gitops => {
                "A GitOps controller applies this field from Git: taking it over lasts until its next sync puts it back. Change it in Git instead."
            }
            Class::Helm => {
                "Helm renders this field from a chart: the next upgrade puts it back. Change the release's values instead."
            }
            Class::Controller => {
                "A controller sets this field as it runs (an autoscaler, a rollout, an operator): it will set it again. Change what drives the controller instead."
            }
            Class::Human => {
                "A person set this field with kubectl: taking it over is usually safe, but they may not expect it."
            }
            Class::Periscope => "Another Periscope action owns this field: taking it over moves it to the editor.",
            Class::Unknown => "An unrecognised manager owns this field and may set it again.",
        }
    }
}

/// How a manager name is matched.
enum Match {
    Exact(&'static str),
    Prefix(&'static str),
    Contains(&'static str),
}

impl Match {
    fn hits(&self, name: &str) -> bool {
        match self {
            Match::Exact(s) => name == *s,
            Match::Prefix(s) => name.starts_with(s),
            Match::Contains(s) => name.contains(s),
        }
    }
}

/// Known managers, first match wins: `(how the name matches, class, label)`.
const MANAGERS: &[(Match, Class, &str)] = &[
    (Match::Prefix("periscope"), Class::Periscope, "Periscope"),
    (Match::Exact("kustomize-controller"), Class::Gitops, "GitOps (Flux)"),
    (Match::Exact("source-controller"), Class::Gitops, "GitOps (Flux)"),
    (Match::Exact("image-automation-controller"), Class::Gitops, "GitOps (Flux)"),
    (Match::Exact("image-reflector-controller"), Class::Gitops, "GitOps (Flux)"),
    (Match::Contains("argocd"), Class::Gitops, "GitOps (Argo CD)"),
    (Match::Contains("argo-cd"), Class::Gitops, "GitOps (Argo CD)"),
    (Match::Contains("flux"), Class::Gitops, "GitOps (Flux)"),
    (Match::Contains("gitops"), Class::Gitops, "GitOps"),
    (Match::Exact("helm-controller"), Class::Helm, "Helm (Flux helm-controller)"),
    (Match::Prefix("helm"), Class::Helm, "Helm"),
    (
        Match::Exact("kube-controller-manager"),
        Class::Controller,
        "controller (kube-controller-manager: HPA, deployments, …)",
    ),
    (Match::Exact("kube-scheduler"), Class::Controller, "controller (scheduler)"),
    (Match::Exact("kubelet"), Class::Controller, "controller (kubelet)"),
    (Match::Exact("kube-apiserver"), Class::Controller, "controller (apiserver)"),
    (Match::Prefix("cert-manager"), Class::Controller, "controller (cert-manager)"),
    (Match::Prefix("external-secrets"), Class::Controller, "controller (external-secrets)"),
    (Match::Exact("notification-controller"), Class::Controller, "controller (Flux notifications)"),
    (Match::Prefix("vpa-"), Class::Controller, "controller (vertical pod autoscaler)"),
    (Match::Exact("cluster-autoscaler"), Class::Controller, "controller (cluster autoscaler)"),
    (Match::Exact("karpenter"), Class::Controller, "controller (Karpenter)"),
    (Match::Prefix("kubectl"), Class::Human, "human (kubectl)"),
    (Match::Exact("k9s"), Class::Human, "human (k9s)"),
];

/// Who `manager` is.
#[derive(Debug, Clone, Serialize)]
pub struct Classified {
    pub class: Class,
    pub label: String,
    pub consequence: &'static str,
}

/// Classifies a field manager by name.
pub fn classify(manager: &str) -> Classified {
    let (class, label) = MANAGERS
        .iter()
        .find(|(m, _, _)| m.hits(manager))
        .map(|(_, class, label)| (*class, label.to_string()))
        .unwrap_or((Class::Unknown, "unknown".to_string()));
    Classified { class, label, consequence: class.consequence() }
}

/// One `managedFields` entry as the editor shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerFields {
    pub manager: String,
    pub operation: Option<String>,
    pub subresource: Option<String>,
    pub time: Option<String>,
    #[serde(flatten)]
    pub who: Classified,
    pub fields: Vec<FieldPath>,
}

/// The object's `metadata.managedFields`, classified, with their leaf paths.
pub fn managers_of(object: &Value) -> Vec<ManagerFields> {
    let entries = object.pointer("/metadata/managedFields").and_then(Value::as_array);
    let text = |entry: &Value, key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
    entries
        .into_iter()
        .flatten()
        .map(|entry| {
            let manager = text(entry, "manager").unwrap_or_default();
            ManagerFields {
                who: classify(&manager),
                operation: text(entry, "operation"),
                subresource: text(entry, "subresource"),
                time: text(entry, "time"),
                fields: entry.get("fieldsV1").map(fields_v1_leaves).unwrap_or_default(),
                manager,
            }
        })
        .collect()
}

/// The leaf paths `manager` owns in `object` (its `Apply` entry on the main resource).
pub fn owned_by(object: &Value, manager: &str) -> Vec<FieldPath> {
    managers_of(object)
        .into_iter()
        .filter(|m| m.manager == manager && m.operation.as_deref() == Some("Apply") && m.subresource.is_none())
        .flat_map(|m| m.fields)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn managers_are_classified_by_the_table() {
        for (name, class) in [
            ("kustomize-controller", Class::Gitops),
            ("argocd-controller", Class::Gitops),
            ("gitops-sim", Class::Gitops),
            ("helm", Class::Helm),
            ("helm-controller", Class::Helm),
            ("kube-controller-manager", Class::Controller),
            ("cert-manager-certificates-issuing", Class::Controller),
            ("kubectl-client-side-apply", Class::Human),
            ("kubectl-edit", Class::Human),
            ("periscope", Class::Periscope),
            ("periscope-scale", Class::Periscope),
            ("something-else", Class::Unknown),
        ] {
            assert_eq!(classify(name).class, class, "{name}");
        }
        assert!(classify("helm").consequence.contains("chart"));
    }

    #[test]
    fn managed_fields_become_classified_paths_and_owned_leaves() {
        let object = json!({"metadata": {"managedFields": [
            {"manager": "periscope", "operation": "Apply", "time": "t",
             "fieldsV1": {"f:data": {"f:a": {}}}},
            {"manager": "periscope", "operation": "Update", "subresource": "status",
             "fieldsV1": {"f:status": {"f:x": {}}}},
            {"manager": "kubectl-create", "operation": "Update", "fieldsV1": {"f:data": {".": {}, "f:b": {}}}}
        ]}});
        let managers = managers_of(&object);
        assert_eq!(managers.len(), 3);
        let json = serde_json::to_value(&managers[2]).expect("json");
        assert_eq!(json["class"], "human");
        assert_eq!(json["fields"], json!([["data", "b"]]));
        assert_eq!(owned_by(&object, "periscope").len(), 1, "only the Apply entry on the object itself");
    }
}
