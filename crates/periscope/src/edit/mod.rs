//! The YAML editor's server side: what the user changed (`diff`), the requests that apply just
//! that (`plan`), the paths both speak in (`path`), and who owns which field (`managers`).

pub mod diff;
pub mod managers;
pub mod path;
pub mod plan;

/// Whether `group` is one of Kubernetes' own API groups (whose keyed lists `diff` knows), as
/// opposed to a CRD's or an aggregated API's group, which always has a dot and is not `*.k8s.io`.
pub fn is_builtin_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_groups_are_core_dotless_and_k8s_io() {
        for group in ["", "apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io"] {
            assert!(super::is_builtin_group(group), "{group}");
        }
        for group in ["periscope.dev", "cert-manager.io", "argoproj.io"] {
            assert!(!super::is_builtin_group(group), "{group}");
        }
    }
}
