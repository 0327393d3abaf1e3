//! Which kinds a cluster serves: the built-in table first, then the apiserver's discovery for
//! any other group/version (CRDs and aggregated APIs), cached per cluster: discovery is open to
//! every authenticated user. A custom resource's printer columns come from its CRD read as the
//! caller and are cached per `Audience`, so a caller who may not read CRDs always gets the
//! generic columns, whoever read the CRD before.

use std::{sync::Arc, time::Duration};

use kube::{
    api::{Api, DynamicObject},
    discovery::ApiResource,
};
use moka::sync::Cache;
use serde_json::Value;

use super::{
    kinds::{KindSpec, Scope, find_kind},
    printer::{PrinterColumn, columns_of_crd},
    projection::{Column, GENERIC, project, project_printed},
};
use crate::{audience::Audience, error::ApiError};

/// A kind resolved for one cluster.
#[derive(Clone)]
pub struct Kind {
    /// Group, version, kind and plural for dynamic calls.
    pub api: ApiResource,
    pub scope: Scope,
    /// The built-in row (with its list projection), when the kind is in the table.
    pub spec: Option<&'static KindSpec>,
    /// Verbs the apiserver lists for the resource (empty for built-ins resolved from the table).
    pub verbs: Vec<String>,
    /// A custom resource's printer columns from its CRD (when the caller may read the CRD).
    pub printer: Option<Arc<Vec<PrinterColumn>>>,
}

impl Kind {
    /// A built-in kind from its table row.
    pub fn builtin(spec: &'static KindSpec) -> Kind {
        Kind { api: spec.api_resource(), scope: spec.scope, spec: Some(spec), verbs: Vec::new(), printer: None }
    }

    /// The list columns: the table's projection, the CRD's printer columns, or name/namespace/age.
    pub fn columns(&self) -> Vec<Column> {
        if let Some(spec) = self.spec {
            return spec.columns().to_vec();
        }
        let mut columns: Vec<Column> = GENERIC.columns.iter().filter(|c| c.key != "createdAt").cloned().collect();
        if self.scope == Scope::Cluster {
            columns.retain(|c| c.key != "namespace");
        }
        for printed in self.printer.iter().flat_map(|p| p.iter()).filter(|c| c.key != "createdAt") {
            columns.push(Column { key: printed.key.clone().into(), label: printed.label.clone().into() });
        }
        columns.push(GENERIC.columns[GENERIC.columns.len() - 1].clone());
        columns
    }

    /// The list row of `obj`, the same for lists and live deltas.
    pub fn project(&self, obj: &DynamicObject) -> Value {
        match (self.spec, &self.printer) {
            (Some(spec), _) => project(&spec.projection, obj),
            (None, Some(printer)) => project_printed(printer, obj),
            (None, None) => project(&GENERIC, obj),
        }
    }

    /// Whether the watch engine records writes to this kind for object history: every kind but
    /// those whose objects change all the time on their own (Pods' status, Events, Leases,
    /// Endpoints), where a history would be all churn and its memory a second copy of the list.
    pub fn records_history(&self) -> bool {
        !NO_HISTORY.contains(&(self.api.group.as_str(), self.api.plural.as_str()))
    }

    /// Whether this is the core group's Secrets, whose values leave the server only through an
    /// audited reveal.
    pub fn is_secret(&self) -> bool {
        self.api.group.is_empty() && self.api.plural == "secrets"
    }

    /// `group/version/plural` with `core` for the core group, as in URLs and messages.
    pub fn path(&self) -> String {
        let group = if self.api.group.is_empty() { "core" } else { &self.api.group };
        format!("{group}/{}/{}", self.api.version, self.api.plural)
    }
}

/// One group/version's resources as discovery reported them.
type GroupVersion = Arc<Vec<Kind>>;

/// How long a discovery answer is trusted before it is asked again.
const DISCOVERY_TTL: Duration = Duration::from_secs(60);
/// A lookup that misses asks again once the cached answer is this old (a CRD just created).
const MISS_REFRESH_AFTER: Duration = Duration::from_secs(2);

/// A kind a cluster serves, as discovery reports it (for the kinds list, not for requests).
#[derive(Debug, Clone)]
pub struct Served {
    pub api: ApiResource,
    pub scope: Scope,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
}

/// How long the list of every served kind is trusted: short, so a new CRD shows up soon.
const SERVED_TTL: Duration = Duration::from_secs(15);

/// Resolves URL segments to kinds, per cluster.
pub struct KindCatalog {
    discovered: Cache<(String, String), (GroupVersion, std::time::Instant)>,
    /// Printer columns by (audience, CRD name): only those who may read the CRD get them.
    printers: Cache<(Audience, String), Arc<Vec<PrinterColumn>>>,
    /// Every listable kind by cluster (discovery is the same for every caller).
    served: Cache<String, Arc<Vec<Served>>>,
}

impl Default for KindCatalog {
    fn default() -> Self {
        KindCatalog {
            discovered: Cache::builder().max_capacity(10_000).time_to_live(DISCOVERY_TTL).build(),
            printers: Cache::builder().max_capacity(10_000).time_to_live(DISCOVERY_TTL).build(),
            served: Cache::builder().max_capacity(1_000).time_to_live(SERVED_TTL).build(),
        }
    }
}

/// `(group, plural)` of the kinds without recorded history (see [`Kind::records_history`]).
const NO_HISTORY: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "events"),
    ("events.k8s.io", "events"),
    ("coordination.k8s.io", "leases"),
    ("", "endpoints"),
    ("discovery.k8s.io", "endpointslices"),
];

/// The CustomResourceDefinition kind, for dynamic calls.
pub fn crd_resource() -> ApiResource {
    find_kind("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        .map(KindSpec::api_resource)
        // The CRD kind is a row of the built-in table; its absence is a bug worth crashing for.
        .expect("customresourcedefinitions are in the kinds table")
}

impl KindCatalog {
    /// The kind at `group/version/plural` in the audience's cluster (`core` is the core group).
    /// Built-ins come from the table without a round trip; anything else from discovery, asked
    /// with `client` (the audience's own: discovery is open to every authenticated user).
    pub async fn resolve(
        &self,
        audience: &Audience,
        client: &kube::Client,
        group: &str,
        version: &str,
        plural: &str,
    ) -> Result<Kind, ApiError> {
        if let Some(spec) = find_kind(group, version, plural) {
            return Ok(Kind::builtin(spec));
        }
        let unknown = || ApiError::UnknownResource(format!("{group}/{version}/{plural}"));
        let group = if group == "core" { "" } else { group };
        if group.contains('/') || version.contains('/') || plural.contains('/') {
            return Err(unknown());
        }
        let key = (audience.cluster().to_string(), format!("{group}/{version}"));
        let mut found = self.group_version(&key, client, false).await?;
        if !found.0.iter().any(|k| k.api.plural == plural) && found.1.elapsed() >= MISS_REFRESH_AFTER {
            found = self.group_version(&key, client, true).await?;
        }
        let mut kind = found.0.iter().find(|k| k.api.plural == plural).cloned().ok_or_else(unknown)?;
        if !group.is_empty() {
            kind.printer = self.printer_columns(audience, client, &kind.api).await;
        }
        Ok(kind)
    }

    /// The printer columns of a custom resource, from its CRD read as the caller. Not a CRD
    /// (an aggregated API), or not readable by this caller: none, and the generic columns apply.
    async fn printer_columns(
        &self,
        audience: &Audience,
        client: &kube::Client,
        api: &ApiResource,
    ) -> Option<Arc<Vec<PrinterColumn>>> {
        let crd_name = format!("{}.{}", api.plural, api.group);
        let key = (audience.clone(), crd_name.clone());
        if let Some(hit) = self.printers.get(&key) {
            return Some(hit);
        }
        let crds: Api<DynamicObject> = Api::all_with(client.clone(), &crd_resource());
        let crd = crds.get_opt(&crd_name).await.ok().flatten()?;
        let columns = Arc::new(columns_of_crd(&serde_json::to_value(&crd).unwrap_or(Value::Null), &api.version));
        // Only what was read successfully is kept; a denied read is asked again next time.
        self.printers.insert(key, columns.clone());
        Some(columns)
    }

    async fn group_version(
        &self,
        key: &(String, String),
        client: &kube::Client,
        refresh: bool,
    ) -> Result<(GroupVersion, std::time::Instant), ApiError> {
        if !refresh && let Some(hit) = self.discovered.get(key) {
            return Ok(hit);
        }
        let (cluster, gv) = key;
        let (group, version) = gv.split_once('/').unwrap_or(("", gv));
        let list = if group.is_empty() {
            client.list_core_api_resources(version).await
        } else {
            client.list_api_group_resources(gv).await
        };
        let list = match list {
            Ok(list) => list,
            // An unknown group/version is an unknown resource, not an upstream failure.
            Err(kube::Error::Api(s)) if s.code == 404 => Default::default(),
            Err(e) => return Err(ApiError::from_kube(cluster, e)),
        };
        let api_version = if group.is_empty() { version.to_string() } else { gv.clone() };
        let kinds = list
            .resources
            .into_iter()
            // Subresources (pods/log, deployments/scale) are not kinds.
            .filter(|r| !r.name.contains('/'))
            .map(|r| Kind {
                api: ApiResource {
                    group: group.to_string(),
                    version: version.to_string(),
                    api_version: api_version.clone(),
                    kind: r.kind,
                    plural: r.name,
                },
                scope: if r.namespaced { Scope::Namespaced } else { Scope::Cluster },
                spec: None,
                verbs: r.verbs,
                printer: None,
            })
            .collect();
        let entry = (Arc::new(kinds), std::time::Instant::now());
        self.discovered.insert(key.clone(), entry.clone());
        Ok(entry)
    }

    /// Every listable kind `cluster` serves, from aggregated discovery (`/api` and `/apis`:
    /// two requests, Kubernetes 1.26+), asked with `client` (the caller's own). A resource
    /// is listed once per group, in the most preferred version that serves it.
    pub async fn served(&self, cluster: &str, client: &kube::Client) -> Result<Arc<Vec<Served>>, kube::Error> {
        if let Some(hit) = self.served.get(cluster) {
            return Ok(hit);
        }
        let (core, groups) =
            futures::try_join!(client.list_core_api_versions_aggregated(), client.list_api_groups_aggregated())?;
        let mut served = Vec::new();
        for group in core.items.iter().chain(&groups.items) {
            let group_name = group.metadata.as_ref().and_then(|m| m.name.clone()).unwrap_or_default();
            let mut seen = std::collections::HashSet::new();
            // Versions come most preferred first.
            for version in &group.versions {
                let Some(version_name) = &version.version else { continue };
                for resource in &version.resources {
                    let (Some(plural), Some(kind)) =
                        (&resource.resource, resource.response_kind.as_ref().and_then(|k| k.kind.clone()))
                    else {
                        continue;
                    };
                    // Subresources are not kinds, and a kind that cannot be listed has no list page.
                    if plural.contains('/') || !resource.verbs.iter().any(|v| v == "list") || !seen.insert(plural) {
                        continue;
                    }
                    let api_version = if group_name.is_empty() {
                        version_name.clone()
                    } else {
                        format!("{group_name}/{version_name}")
                    };
                    served.push(Served {
                        api: ApiResource {
                            group: group_name.clone(),
                            version: version_name.clone(),
                            api_version,
                            kind,
                            plural: plural.clone(),
                        },
                        scope: if resource.scope.as_deref() == Some("Cluster") {
                            Scope::Cluster
                        } else {
                            Scope::Namespaced
                        },
                        verbs: resource.verbs.clone(),
                        short_names: resource.short_names.clone(),
                    });
                }
            }
        }
        let served = Arc::new(served);
        self.served.insert(cluster.to_string(), served.clone());
        Ok(served)
    }
}
