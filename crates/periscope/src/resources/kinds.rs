//! The table of resource kinds Periscope serves. A kind is a row, not a handler.

use kube::discovery::ApiResource;

use super::projection::{Column, Projection};

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// One served kind: where it lives in the API and how its list rows look.
pub struct KindSpec {
    /// API group; `""` is the core group (written `core` in URLs).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Lowercase plural, as in the API path.
    pub plural: &'static str,
    pub scope: Scope,
    pub projection: Projection,
}

impl KindSpec {
    /// The kube-rs description of this kind for dynamic calls.
    pub fn api_resource(&self) -> ApiResource {
        let api_version =
            if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) };
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version,
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }

    /// The list columns of this kind.
    pub fn columns(&self) -> &'static [Column] {
        self.projection.columns
    }
}

/// Every kind served so far.
pub static KINDS: &[KindSpec] = &[
    KindSpec {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        scope: Scope::Cluster,
        projection: super::projection::NAMESPACE,
    },
    KindSpec {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
        scope: Scope::Namespaced,
        projection: super::projection::POD,
    },
];

/// Finds a kind by its URL segments; `group` is `core` for the core group.
pub fn find_kind(group: &str, version: &str, plural: &str) -> Option<&'static KindSpec> {
    let group = if group == "core" { "" } else { group };
    KINDS.iter().find(|k| k.group == group && k.version == version && k.plural == plural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_is_the_empty_group() {
        let pods = find_kind("core", "v1", "pods").expect("pods");
        assert_eq!(pods.api_resource().api_version, "v1");
        assert!(find_kind("", "v1", "pods").is_some());
        assert!(find_kind("core", "v2", "pods").is_none());
        assert!(find_kind("apps", "v1", "pods").is_none());
    }
}
