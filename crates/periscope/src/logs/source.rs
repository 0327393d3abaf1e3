//! Where a viewer's lines come from: which container of a pod, its history (one non-follow
//! read as the user) and its live lines (a share of an upstream follow stream).

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::{
    filter::Filter,
    line::{LineReader, LogLine},
    upstream::{Follow, LogHub, OverBudget, StreamKey},
};
use crate::{audience::Audience, error::ApiError};

/// The annotation that names a pod's default container (as `kubectl logs` honours it).
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";
/// Most history lines one viewer asks for (the viewer's ring holds 50,000).
pub const MAX_TAIL: i64 = 50_000;

/// What part of the past a viewer wants.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<jiff::Timestamp>,
    pub previous: bool,
}

impl History {
    fn params(&self, container: &str, follow: bool) -> LogParams {
        LogParams {
            container: Some(container.to_string()),
            follow,
            previous: self.previous,
            since_seconds: self.since_seconds,
            since_time: self.since_time,
            tail_lines: self.tail_lines,
            timestamps: true,
            ..LogParams::default()
        }
    }
}

/// Everything a viewer needs to read one pod's logs as its user.
pub struct Reader {
    pub hub: Arc<LogHub>,
    pub audience: Audience,
    pub user: String,
    /// Short requests: pod reads and history.
    pub requests: kube::Client,
    /// Long-lived follow streams.
    pub watches: kube::Client,
    pub namespace: String,
    pub history: History,
    pub follow: bool,
    pub filter: Filter,
    /// The container asked for (`None`: each pod's default).
    pub container: Option<String>,
}

/// A pod's containers: regular, init and ephemeral, in spec order.
pub fn containers_of(pod: &Pod) -> Vec<String> {
    let Some(spec) = &pod.spec else { return Vec::new() };
    let regular = spec.containers.iter().map(|c| c.name.clone());
    let init = spec.init_containers.iter().flatten().map(|c| c.name.clone());
    let ephemeral = spec.ephemeral_containers.iter().flatten().map(|c| c.name.clone());
    regular.chain(init).chain(ephemeral).collect()
}

/// The container to read: `asked` if the pod has it (else 400 naming the containers), or the
/// default-container annotation, or the first regular container.
pub fn choose_container(pod: &Pod, asked: Option<&str>) -> Result<String, ApiError> {
    let all = containers_of(pod);
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    if let Some(asked) = asked {
        if all.iter().any(|c| c == asked) {
            return Ok(asked.to_string());
        }
        return Err(ApiError::UnknownContainer {
            message: format!("pod {name} has no container {asked:?}; it has {}", all.join(", ")),
            containers: all,
        });
    }
    let annotated = pod.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CONTAINER));
    if let Some(default) = annotated.filter(|d| all.contains(d)) {
        return Ok(default.clone());
    }
    let first = pod.spec.as_ref().and_then(|s| s.containers.first()).map(|c| c.name.clone());
    first.ok_or_else(|| ApiError::bad(format!("pod {name} has no containers")))
}

/// One pod, opened: its history and, when following, its live lines.
pub struct Opened {
    pub container: String,
    pub history: Vec<LogLine>,
    pub live: Option<Follow>,
    /// Where live lines start.
    pub seam: Seam,
}

/// Why a pod could not be opened.
#[derive(Debug)]
pub enum OpenError {
    Budget(usize),
    Api(ApiError),
}

impl From<ApiError> for OpenError {
    fn from(e: ApiError) -> Self {
        OpenError::Api(e)
    }
}

impl Reader {
    /// Whether the viewer follows live lines (not for `previous`, which has ended).
    pub fn live(&self) -> bool {
        self.follow && !self.history.previous
    }

    fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.requests.clone(), &self.namespace)
    }

    fn err(&self, e: kube::Error) -> ApiError {
        ApiError::from_kube(self.audience.cluster(), e)
    }

    /// The pod, read as the user.
    pub async fn pod(&self, name: &str) -> Result<Pod, ApiError> {
        self.pods().get(name).await.map_err(|e| self.err(e))
    }

    /// Reads the pod and picks its container.
    pub async fn container_of(&self, pod: &str) -> Result<String, ApiError> {
        choose_container(&self.pod(pod).await?, self.container.as_deref())
    }

    /// Joins the live lines first (so nothing written meanwhile is missed), then reads the
    /// history; the viewer drops live lines the history already had.
    pub async fn open(&self, pod: &str, container: String) -> Result<Opened, OpenError> {
        let opened_at = jiff::Timestamp::now().as_nanosecond();
        let live = if self.live() {
            let key = StreamKey {
                audience: self.audience.clone(),
                namespace: self.namespace.clone(),
                pod: pod.to_string(),
                container: container.clone(),
            };
            match self.hub.follow(key, &self.user, self.watches.clone()) {
                Ok(follow) => Some(follow),
                Err(OverBudget(n)) => return Err(OpenError::Budget(n)),
            }
        } else {
            None
        };
        let history = self.read_history(pod, &container).await?;
        // No history asked for: nothing from before the viewer opened (node and server clocks
        // are compared here, so skew shifts the start by as much).
        let seam = if self.history.tail_lines == Some(0) { Seam::at(opened_at) } else { Seam::after(&history) };
        Ok(Opened { container, history, live, seam })
    }

    /// The pod's history as the user, filtered; at most `tailLines` (before filtering).
    async fn read_history(&self, pod: &str, container: &str) -> Result<Vec<LogLine>, ApiError> {
        if self.history.tail_lines == Some(0) {
            return Ok(Vec::new());
        }
        let stream =
            self.pods().log_stream(pod, &self.history.params(container, false)).await.map_err(|e| self.err(e))?;
        let mut reader = LineReader::new(stream);
        let mut lines = Vec::new();
        let mut last = 0;
        while let Some((raw, truncated)) = reader.next_line().await.map_err(|e| ApiError::ClusterUnreachable {
            cluster: self.audience.cluster().to_string(),
            reason: format!("reading the logs of {pod}: {e}"),
        })? {
            let line = LogLine::parse(&raw, truncated, last);
            last = line.nanos;
            if self.filter.matches(&line.text) {
                lines.push(line);
            }
        }
        Ok(lines)
    }

    /// The history read for a download: every line, streamed to `sink` as it comes.
    pub async fn stream_history(
        &self,
        pod: &str,
        container: &str,
    ) -> Result<LineReader<impl futures::AsyncBufRead + use<>>, ApiError> {
        let stream =
            self.pods().log_stream(pod, &self.history.params(container, false)).await.map_err(|e| self.err(e))?;
        Ok(LineReader::new(stream))
    }
}

/// Drops the live lines a history already holds: everything before its last instant, and at
/// that instant the lines it had (a line can repeat the same text at the same nanosecond, so
/// counts, not a set).
#[derive(Debug, Default)]
pub struct Seam {
    last: Option<i128>,
    at_last: Vec<String>,
}

impl Seam {
    /// A seam at an instant: lines written before it are dropped (a viewer that asked for no
    /// history, joining a new upstream that starts a few seconds back).
    pub fn at(nanos: i128) -> Seam {
        Seam { last: Some(nanos), at_last: Vec::new() }
    }

    /// The seam after `history`.
    pub fn after(history: &[LogLine]) -> Seam {
        let Some(last) = history.last().map(|l| l.nanos) else { return Seam::default() };
        let at_last = history.iter().rev().take_while(|l| l.nanos == last).map(|l| l.text.clone()).collect();
        Seam { last: Some(last), at_last }
    }

    /// Whether a live line is new.
    pub fn is_new(&mut self, line: &LogLine) -> bool {
        match self.last {
            None => true,
            Some(last) if line.nanos > last => {
                self.last = None;
                true
            }
            Some(last) if line.nanos < last => false,
            Some(_) => match self.at_last.iter().position(|t| *t == line.text) {
                Some(i) => {
                    self.at_last.swap_remove(i);
                    false
                }
                None => true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(nanos: i128, text: &str) -> LogLine {
        LogLine { t: "t".into(), nanos, text: text.into(), truncated: false }
    }

    #[test]
    fn the_seam_drops_what_the_history_had_and_nothing_else() {
        let history = vec![line(1, "a"), line(2, "b"), line(2, "c")];
        let mut seam = Seam::after(&history);
        assert!(!seam.is_new(&line(1, "a")));
        assert!(!seam.is_new(&line(2, "c")));
        assert!(seam.is_new(&line(2, "d")));
        assert!(!seam.is_new(&line(2, "b")));
        assert!(seam.is_new(&line(3, "e")));
        // Past the seam everything is new, even a repeat.
        assert!(seam.is_new(&line(3, "e")));
    }

    #[test]
    fn the_container_is_the_asked_one_the_annotated_one_or_the_first() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "annotations": {DEFAULT_CONTAINER: "side"}},
            "spec": {"containers": [{"name": "app"}, {"name": "side"}], "initContainers": [{"name": "init"}]}
        }))
        .unwrap();
        assert_eq!(choose_container(&pod, None).unwrap(), "side");
        assert_eq!(choose_container(&pod, Some("init")).unwrap(), "init");
        match choose_container(&pod, Some("nope")) {
            Err(ApiError::UnknownContainer { containers, message }) => {
                assert_eq!(containers, vec!["app", "side", "init"]);
                assert!(message.contains("app, side, init"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let mut plain = pod.clone();
        plain.metadata.annotations = None;
        assert_eq!(choose_container(&plain, None).unwrap(), "app");
    }
}
