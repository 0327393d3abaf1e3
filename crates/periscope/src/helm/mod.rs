//! Helm releases, read as the user from their storage objects (no Helm SDK, no subprocess):
//! `storage.rs` decodes a revision, `compare.rs` diffs revisions and finds drift against the
//! live objects, this module finds and reads the storage objects. Routes: `routes/helm.rs`.

pub mod compare;
pub mod guard;
pub mod repo;
pub mod runner;
pub mod storage;
pub mod stored_chart;

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::{
    api::core::v1::{ConfigMap, Namespace, Secret},
    apimachinery::pkg::apis::meta::v1::ObjectMeta,
};
use kube::{
    Api,
    api::{ListParams, Patch, PatchParams},
};
use serde::Serialize;
use serde_json::Value;

use self::{
    repo::ChartSource,
    storage::{DecodeError, Release},
    stored_chart::{StoredChart, WithChart},
};

/// Helm settings of `periscope serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HelmArgs {
    /// Let installs and upgrades fetch charts from private addresses (RFC 1918, unique-local,
    /// carrier-grade NAT); loopback, link-local and metadata addresses stay refused.
    #[arg(long = "helm-allow-private-repos", env = "PERISCOPE_HELM_ALLOW_PRIVATE_REPOS", default_value_t = false)]
    pub allow_private_repos: bool,
    /// PEM file of extra certificate authorities trusted for chart repositories and registries
    /// (an internal registry's CA), beside the public roots.
    #[arg(long = "helm-repo-ca-file", env = "PERISCOPE_HELM_REPO_CA_FILE")]
    pub repo_ca_file: Option<std::path::PathBuf>,
}

impl HelmArgs {
    /// The chart fetcher these settings describe; an unreadable CA file stops start-up.
    pub fn fetcher(&self) -> anyhow::Result<repo::Fetcher> {
        let roots = match &self.repo_ca_file {
            Some(path) => {
                let pem =
                    std::fs::read(path).map_err(|e| anyhow::anyhow!("--helm-repo-ca-file {}: {e}", path.display()))?;
                let roots = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|e| anyhow::anyhow!("--helm-repo-ca-file {}: {e}", path.display()))?;
                anyhow::ensure!(!roots.is_empty(), "--helm-repo-ca-file {}: no certificate in it", path.display());
                roots
            }
            None => Vec::new(),
        };
        Ok(repo::Fetcher::new(self.allow_private_repos, roots))
    }
}

/// The most releases a list answers.
pub const MAX_RELEASES: usize = 500;
/// The most revisions a history reads.
pub const MAX_HISTORY: usize = 100;
/// Namespaces read at once when the user may not list Secrets cluster-wide.
const FAN_OUT: usize = 8;

/// Why Helm data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error("release {0} has no revision {1}")]
    NoRevision(String, i64),
    #[error("no release {0} in namespace {1}")]
    NoRelease(String, String),
    #[error("revision {revision} of {name}: {error}")]
    Decode { name: String, revision: i64, error: DecodeError },
}

/// One storage object's identity from its labels, before decoding.
#[derive(Debug, Clone)]
struct Stored {
    namespace: String,
    name: String,
    revision: i64,
    /// The `release` value (Helm's base64 of gzip).
    data: String,
    /// Helm's storage driver that wrote it: `secret` or `configmap`.
    driver: &'static str,
    /// The storage object's own name.
    object: String,
    /// Where Periscope installed or upgraded it from (its annotations), if it did.
    source: Option<ChartSource>,
}

impl Stored {
    fn decode(&self) -> Result<Release, HelmError> {
        storage::decode(&self.data).map_err(|error| HelmError::Decode {
            name: self.name.clone(),
            revision: self.revision,
            error,
        })
    }
}

/// A release in a list: its latest revision.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSummary {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub status: String,
    pub chart_name: String,
    pub chart_version: String,
    pub app_version: Option<String>,
    pub updated: Option<String>,
    pub description: String,
}

impl ReleaseSummary {
    /// The summary of a decoded revision.
    pub fn of(release: &Release) -> Self {
        ReleaseSummary {
            name: release.name.clone(),
            namespace: release.namespace.clone(),
            revision: release.version,
            status: release.info.status.clone(),
            chart_name: release.chart.metadata.name.clone(),
            chart_version: release.chart.metadata.version.clone(),
            app_version: release.chart.metadata.app_version.clone(),
            updated: release.info.last_deployed.clone(),
            description: release.info.description.clone(),
        }
    }
}

/// Reads Helm storage through one user's client.
pub struct HelmReader {
    client: kube::Client,
}

/// The annotation on a storage object naming the repository Periscope fetched the chart from.
pub const SOURCE_REPO_ANNOTATION: &str = "periscope.dev/chart-repo";
/// The annotation on a storage object naming the chart in that repository.
pub const SOURCE_CHART_ANNOTATION: &str = "periscope.dev/chart-name";

fn stored_of(metadata: ObjectMeta, data: Option<String>, driver: &'static str) -> Option<Stored> {
    let labels = metadata.labels.as_ref()?;
    let annotation = |key: &str| metadata.annotations.as_ref().and_then(|a| a.get(key)).cloned();
    let source = match (annotation(SOURCE_REPO_ANNOTATION), annotation(SOURCE_CHART_ANNOTATION)) {
        (Some(repo), Some(chart)) => Some(ChartSource { repo, chart }),
        _ => None,
    };
    Some(Stored {
        name: labels.get("name")?.clone(),
        revision: labels.get("version")?.parse().ok()?,
        namespace: metadata.namespace.clone().unwrap_or_default(),
        object: metadata.name.clone().unwrap_or_default(),
        data: data?,
        driver,
        source,
    })
}

fn secret_stored(secret: Secret) -> Option<Stored> {
    let data = secret.data.as_ref()?.get("release").map(|bytes| String::from_utf8_lossy(&bytes.0).into_owned());
    // `Secret.data` arrives decoded once: what is left is Helm's own base64 of gzip.
    stored_of(secret.metadata, data, "secret")
}

fn configmap_stored(map: ConfigMap) -> Option<Stored> {
    let data = map.data.as_ref()?.get("release").cloned();
    stored_of(map.metadata, data, "configmap")
}

impl HelmReader {
    /// A reader acting through `client` (the user's).
    pub fn new(client: kube::Client) -> Self {
        HelmReader { client }
    }

    /// Storage objects in `namespace` (every namespace for `None`) matching `selector`, from both
    /// drivers (Secrets, ConfigMaps). A driver the user may not read is skipped when the other answered.
    async fn stored(&self, namespace: Option<&str>, selector: &str) -> Result<Vec<Stored>, kube::Error> {
        let params = ListParams::default().labels(selector);
        let (secrets, maps): (Api<Secret>, Api<ConfigMap>) = match namespace {
            Some(ns) => (Api::namespaced(self.client.clone(), ns), Api::namespaced(self.client.clone(), ns)),
            None => (Api::all(self.client.clone()), Api::all(self.client.clone())),
        };
        let (secrets, maps) = tokio::join!(secrets.list(&params), maps.list(&params));
        let mut out = Vec::new();
        let mut refused = None;
        match secrets {
            Ok(list) => out.extend(list.items.into_iter().filter_map(secret_stored)),
            Err(e) => refused = Some(e),
        }
        match maps {
            Ok(list) => out.extend(list.items.into_iter().filter_map(configmap_stored)),
            Err(e) if refused.is_some() => return Err(e),
            Err(_) => {}
        }
        match refused {
            Some(e) if out.is_empty() && is_forbidden(&e) && namespace.is_none() => Err(e),
            _ => Ok(out),
        }
    }

    /// Every release the user can see, latest revision each, newest first (at most
    /// [`MAX_RELEASES`]; `truncated` says so). Falls back to one namespace at a time when the
    /// user may not read Helm storage cluster-wide.
    pub async fn list(&self, namespace: Option<&str>) -> Result<(Vec<ReleaseSummary>, bool), HelmError> {
        let all = match (namespace, self.stored(namespace, "owner=helm").await) {
            (_, Ok(all)) => all,
            (None, Err(e)) if is_forbidden(&e) => self.per_namespace().await?,
            (_, Err(e)) => return Err(e.into()),
        };
        let mut latest: BTreeMap<(String, String), Stored> = BTreeMap::new();
        for stored in all {
            let key = (stored.namespace.clone(), stored.name.clone());
            if latest.get(&key).is_none_or(|s| s.revision < stored.revision) {
                latest.insert(key, stored);
            }
        }
        let truncated = latest.len() > MAX_RELEASES;
        let mut releases: Vec<ReleaseSummary> = latest
            .values()
            .take(MAX_RELEASES)
            .map(|s| s.decode().map(|r| ReleaseSummary::of(&r)))
            .collect::<Result<_, _>>()?;
        releases.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.name.cmp(&b.name)));
        Ok((releases, truncated))
    }

    /// Helm storage of every namespace the user may list, read a few namespaces at a time.
    async fn per_namespace(&self) -> Result<Vec<Stored>, kube::Error> {
        let namespaces = Api::<Namespace>::all(self.client.clone()).list(&ListParams::default()).await?;
        let names: Vec<String> = namespaces.items.into_iter().filter_map(|n| n.metadata.name).collect();
        let found: Vec<Vec<Stored>> = futures::stream::iter(names)
            .map(|ns| async move {
                match self.stored(Some(&ns), "owner=helm").await {
                    Ok(found) => Ok(found),
                    Err(e) if is_forbidden(&e) => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(FAN_OUT)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// Every stored revision of release `name` in `namespace`, newest first (at most
    /// [`MAX_HISTORY`]): one read of Helm's storage, which a request then asks what it needs.
    pub async fn revisions(&self, namespace: &str, name: &str) -> Result<Revisions, HelmError> {
        let mut all = self.stored(Some(namespace), &format!("owner=helm,name={name}")).await?;
        if all.is_empty() {
            return Err(HelmError::NoRelease(name.to_string(), namespace.to_string()));
        }
        all.sort_by_key(|s| std::cmp::Reverse(s.revision));
        all.truncate(MAX_HISTORY);
        Ok(Revisions { name: name.to_string(), stored: all })
    }

    /// Marks the latest revision of release `name` with where its chart came from, so a later
    /// upgrade can offer that repository's versions.
    pub async fn mark_source(&self, namespace: &str, name: &str, source: &ChartSource) -> Result<(), HelmError> {
        let revisions = self.revisions(namespace, name).await?;
        let latest = revisions.latest();
        let patch = serde_json::json!({"metadata": {"annotations": {
            SOURCE_REPO_ANNOTATION: source.repo, SOURCE_CHART_ANNOTATION: source.chart,
        }}});
        let params = PatchParams::default();
        if latest.driver == "configmap" {
            Api::<ConfigMap>::namespaced(self.client.clone(), namespace)
                .patch(&latest.object, &params, &Patch::Merge(&patch))
                .await?;
        } else {
            Api::<Secret>::namespaced(self.client.clone(), namespace)
                .patch(&latest.object, &params, &Patch::Merge(&patch))
                .await?;
        }
        Ok(())
    }
}

/// The stored revisions of one release, newest first (never empty), read once per request.
pub struct Revisions {
    name: String,
    stored: Vec<Stored>,
}

impl Revisions {
    fn latest(&self) -> &Stored {
        // `HelmReader::revisions` answers NoRelease instead of an empty list.
        &self.stored[0]
    }

    /// Revision `revision` (the latest for `None`).
    pub fn release(&self, revision: Option<i64>) -> Result<Release, HelmError> {
        let stored = match revision {
            None => self.latest(),
            Some(n) => self
                .stored
                .iter()
                .find(|s| s.revision == n)
                .ok_or_else(|| HelmError::NoRevision(self.name.clone(), n))?,
        };
        stored.decode()
    }

    /// The storage driver (`secret` or `configmap`), from the latest revision.
    pub fn driver(&self) -> &'static str {
        self.latest().driver
    }

    /// Where Periscope last installed or upgraded the release from (`None`: not through a
    /// repository of Periscope's, e.g. installed with the helm CLI).
    pub fn source(&self) -> Option<ChartSource> {
        self.stored.iter().find_map(|s| s.source.clone())
    }

    /// The whole chart of the latest revision (for an upgrade without a repository).
    pub fn stored_chart(&self) -> Result<StoredChart, HelmError> {
        let latest = self.latest();
        let with: WithChart = storage::decode_as(&latest.data).map_err(|error| HelmError::Decode {
            name: self.name.clone(),
            revision: latest.revision,
            error,
        })?;
        Ok(with.chart)
    }

    /// Every revision's summary, newest first.
    pub fn history(&self) -> Result<Vec<ReleaseSummary>, HelmError> {
        self.stored.iter().map(|s| s.decode().map(|r| ReleaseSummary::of(&r))).collect()
    }
}

/// Whether a kube error is the apiserver's 403.
pub fn is_forbidden(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(status) if status.code == 403)
}

/// A chart's default values with the user's values merged over them (maps merge key by key;
/// anything else is replaced), as Helm computes them.
pub fn computed_values(defaults: Option<&Value>, supplied: Option<&Value>) -> Value {
    fn merge(base: &mut Value, over: &Value) {
        match (base, over) {
            (Value::Object(b), Value::Object(o)) => {
                for (key, value) in o {
                    match b.get_mut(key) {
                        Some(slot) if slot.is_object() && value.is_object() => merge(slot, value),
                        _ => {
                            b.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
            (base, over) => *base = over.clone(),
        }
    }
    let mut values = defaults.cloned().unwrap_or_else(|| Value::Object(Default::default()));
    if let Some(supplied) = supplied {
        merge(&mut values, supplied);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn computed_values_merge_maps_and_replace_the_rest() {
        let defaults = json!({"replicas": 1, "image": {"tag": "1", "repo": "x"}, "list": [1, 2]});
        let supplied = json!({"image": {"tag": "2"}, "list": [3]});
        assert_eq!(
            computed_values(Some(&defaults), Some(&supplied)),
            json!({"replicas": 1, "image": {"tag": "2", "repo": "x"}, "list": [3]})
        );
        assert_eq!(computed_values(None, None), json!({}));
    }
}
