//! Reading `metrics.k8s.io` as the caller: the PodMetrics/NodeMetrics lists (or one object)
//! decoded into [`Usage`] rows, and the failures that mean "no usage here" told apart from
//! "this object has no sample yet".

use std::time::Duration;

use serde::Deserialize;

use super::{ContainerUsage, Usage, UsageKind, quantity};

/// How long a metrics read may take: a hung metrics-server must not hold a list page.
pub const READ_TIMEOUT: Duration = Duration::from_secs(3);

/// Why there is no usage to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The apiserver does not serve metrics.k8s.io (no metrics-server installed).
    NotServed,
    /// metrics.k8s.io is registered but metrics-server does not answer (503, timeout).
    Down(String),
    /// The caller may not read metrics.k8s.io.
    Forbidden,
    /// Anything else (the cluster unreachable, an answer that does not decode).
    Failed(String),
}

impl Unavailable {
    /// One line a person can read.
    pub fn reason(&self) -> String {
        match self {
            Unavailable::NotServed => "metrics.k8s.io is not served (is metrics-server installed?)".into(),
            Unavailable::Down(why) => format!("metrics-server is not answering: {why}"),
            Unavailable::Forbidden => "you may not read metrics.k8s.io here".into(),
            Unavailable::Failed(why) => format!("usage could not be read: {why}"),
        }
    }
}

/// What one read found: samples (`window`, newest `timestamp`) or why there are none.
pub struct Read {
    pub items: Vec<Usage>,
    pub window: Option<String>,
    pub timestamp: Option<String>,
}

#[derive(Deserialize)]
struct List<T> {
    items: Vec<T>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize, Default)]
struct Quantities {
    #[serde(default)]
    cpu: Option<String>,
    #[serde(default)]
    memory: Option<String>,
}

#[derive(Deserialize)]
struct Container {
    name: String,
    #[serde(default)]
    usage: Quantities,
}

/// A PodMetrics or NodeMetrics object (containers for pods, usage for nodes).
#[derive(Deserialize)]
struct Sample {
    metadata: Meta,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    usage: Option<Quantities>,
    #[serde(default)]
    containers: Option<Vec<Container>>,
}

fn cpu(q: &Quantities) -> u64 {
    q.cpu.as_deref().and_then(quantity::millicores).unwrap_or(0)
}

fn memory(q: &Quantities) -> u64 {
    q.memory.as_deref().and_then(quantity::bytes).unwrap_or(0)
}

impl Sample {
    fn into_usage(self) -> Usage {
        match self.containers {
            Some(containers) => {
                let containers: Vec<ContainerUsage> = containers
                    .iter()
                    .map(|c| ContainerUsage { name: c.name.clone(), cpu: cpu(&c.usage), memory: memory(&c.usage) })
                    .collect();
                Usage {
                    namespace: self.metadata.namespace,
                    name: self.metadata.name,
                    cpu: containers.iter().map(|c| c.cpu).sum(),
                    memory: containers.iter().map(|c| c.memory).sum(),
                    containers: Some(containers),
                }
            }
            None => {
                let usage = self.usage.unwrap_or_default();
                Usage {
                    namespace: self.metadata.namespace,
                    name: self.metadata.name,
                    cpu: cpu(&usage),
                    memory: memory(&usage),
                    containers: None,
                }
            }
        }
    }
}

/// The metrics.k8s.io path of `kind` in `namespace` (all when `None`), one object when `name`.
pub fn path(kind: UsageKind, namespace: Option<&str>, name: Option<&str>) -> String {
    let mut path = String::from("/apis/metrics.k8s.io/v1beta1");
    if let (UsageKind::Pods, Some(ns)) = (kind, namespace) {
        path.push_str("/namespaces/");
        path.push_str(ns);
    }
    path.push('/');
    path.push_str(kind.plural());
    if let Some(name) = name {
        path.push('/');
        path.push_str(name);
    }
    path
}

/// Reads `path` with `client` (as the caller) and decodes it; a missing single object is an
/// empty read, not a failure.
pub async fn read(client: &kube::Client, path: &str, single: bool) -> Result<Read, Unavailable> {
    let request = http::Request::get(path).body(Vec::new()).map_err(|e| Unavailable::Failed(e.to_string()))?;
    let text = match tokio::time::timeout(READ_TIMEOUT, client.request_text(request)).await {
        Err(_) => return Err(Unavailable::Down(format!("no answer within {} s", READ_TIMEOUT.as_secs()))),
        Ok(Err(kube::Error::Api(status))) => {
            let object_missing =
                single && status.code == 404 && status.details.as_ref().is_some_and(|d| !d.name.is_empty());
            return match status.code {
                404 if object_missing => Ok(Read { items: Vec::new(), window: None, timestamp: None }),
                404 => Err(Unavailable::NotServed),
                401 | 403 => Err(Unavailable::Forbidden),
                502..=504 => Err(Unavailable::Down(status.message.clone())),
                _ => Err(Unavailable::Failed(format!("{} {}", status.code, status.message))),
            };
        }
        Ok(Err(other)) => return Err(Unavailable::Failed(other.to_string())),
        Ok(Ok(text)) => text,
    };
    decode(&text, single).map_err(|e| Unavailable::Failed(format!("metrics.k8s.io answered what is not metrics: {e}")))
}

fn decode(text: &str, single: bool) -> Result<Read, serde_json::Error> {
    let samples: Vec<Sample> =
        if single { vec![serde_json::from_str(text)?] } else { serde_json::from_str::<List<Sample>>(text)?.items };
    let window = samples.iter().find_map(|s| s.window.clone());
    let timestamp = samples.iter().filter_map(|s| s.timestamp.clone()).max();
    Ok(Read { items: samples.into_iter().map(Sample::into_usage).collect(), window, timestamp })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_usage_is_the_sum_of_its_containers() {
        let text = r#"{"kind":"PodMetricsList","items":[{"metadata":{"name":"web-1","namespace":"demo"},
            "timestamp":"2026-12-02T10:00:00Z","window":"10s","containers":[
            {"name":"a","usage":{"cpu":"25000000n","memory":"40Mi"}},
            {"name":"b","usage":{"cpu":"100m","memory":"1024Ki"}}]}]}"#;
        let read = decode(text, false).expect("decodes");
        assert_eq!(read.window.as_deref(), Some("10s"));
        let pod = &read.items[0];
        assert_eq!((pod.cpu, pod.memory), (125, 41 * 1024 * 1024));
        assert_eq!(pod.namespace.as_deref(), Some("demo"));
        assert_eq!(pod.containers.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn node_usage_and_newest_timestamp() {
        let text = r#"{"items":[
            {"metadata":{"name":"n1"},"timestamp":"2026-12-02T10:00:00Z","usage":{"cpu":"1","memory":"2Gi"}},
            {"metadata":{"name":"n2"},"timestamp":"2026-12-02T10:00:05Z","usage":{"cpu":"250m"}}]}"#;
        let read = decode(text, false).expect("decodes");
        assert_eq!(read.timestamp.as_deref(), Some("2026-12-02T10:00:05Z"));
        assert_eq!((read.items[0].cpu, read.items[0].memory), (1000, 2 << 30));
        assert_eq!((read.items[1].cpu, read.items[1].memory), (250, 0));
        assert!(read.items[1].containers.is_none());
    }

    #[test]
    fn paths() {
        assert_eq!(path(UsageKind::Pods, Some("demo"), None), "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods");
        assert_eq!(path(UsageKind::Pods, None, None), "/apis/metrics.k8s.io/v1beta1/pods");
        assert_eq!(path(UsageKind::Nodes, Some("ignored"), Some("n1")), "/apis/metrics.k8s.io/v1beta1/nodes/n1");
    }
}
