//! `GET {obj}/logs` (SSE) and `GET {obj}/logs/download` (file) for pods and for the kinds whose
//! pods a selector finds (docs/api.md, "Logs"). Everything that can be refused is checked
//! before the answer starts, so refusals come in the JSON envelope: the object (404), the
//! parameters and the container (400), the user's access to the pods' logs (403), the
//! stream budget (429). Each open writes a fail-open `log_open` audit row.

use std::{collections::BTreeSet, sync::Arc};

use k8s_openapi::api::{batch::v1::Job, core::v1::Pod};
use kube::api::{Api, ListParams};
use serde::Deserialize;
use serde_json::{Value, json};

use super::objects::{Request, Target};
use crate::{
    audit::Verb,
    error::ApiError,
    http::{authn::SessionInfo, extract::query_of},
    kube::Pool,
    logs::{
        download::{self, Format},
        filter::Filter,
        source::{History, MAX_TAIL, OpenError, Reader, choose_container},
        viewer::{self, Parts, PodSet},
    },
    resources::projection::at,
    watch::{sse::SessionCheck, streams::StreamInfo},
};

/// Longest `pods=` list accepted.
const MAX_PODS_PARAM: usize = 4096;

/// The query of both log routes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogQuery {
    pub container: Option<String>,
    #[serde(default)]
    pub previous: bool,
    /// Keep streaming new lines (default true; the download never follows).
    pub follow: Option<bool>,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    /// RFC 3339.
    pub since_time: Option<String>,
    pub q: Option<String>,
    pub regex: Option<String>,
    pub level: Option<String>,
    /// Workloads: the pods to read, comma-separated.
    pub pods: Option<String>,
    /// Download: `text` or `gzip`.
    pub format: Option<Format>,
}

impl LogQuery {
    fn history(&self, default_tail: Option<i64>) -> Result<History, ApiError> {
        let tail_lines = self.tail_lines.or(default_tail);
        if let Some(tail) = tail_lines
            && !(0..=MAX_TAIL).contains(&tail)
        {
            return Err(ApiError::bad(format!("tailLines must be between 0 and {MAX_TAIL}")));
        }
        if self.since_seconds.is_some_and(|s| s <= 0) {
            return Err(ApiError::bad("sinceSeconds must be positive"));
        }
        let since_time = match self.since_time.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(
                text.parse::<jiff::Timestamp>()
                    .map_err(|e| ApiError::bad(format!("sinceTime must be an RFC 3339 time: {e}")))?,
            ),
        };
        if since_time.is_some() && self.since_seconds.is_some() {
            return Err(ApiError::bad("give sinceSeconds or sinceTime, not both"));
        }
        Ok(History { tail_lines, since_seconds: self.since_seconds, since_time, previous: self.previous })
    }

    fn only(&self) -> Result<Option<BTreeSet<String>>, ApiError> {
        let Some(list) = self.pods.as_deref().filter(|p| !p.trim().is_empty()) else { return Ok(None) };
        if list.len() > MAX_PODS_PARAM {
            return Err(ApiError::bad(format!("pods must be at most {MAX_PODS_PARAM} characters")));
        }
        Ok(Some(list.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()))
    }

    /// What the audit row records.
    fn audited(&self, download: Option<Format>) -> Value {
        json!({
            "container": self.container, "previous": self.previous, "follow": download.is_none() && self.follow.unwrap_or(true),
            "tailLines": self.tail_lines, "sinceSeconds": self.since_seconds, "sinceTime": self.since_time,
            "q": self.q, "regex": self.regex, "level": self.level, "pods": self.pods,
            "download": download.map(|f| match f { Format::Text => "text", Format::Gzip => "gzip" }),
        })
    }
}

/// The reader of `target`'s pods as the caller.
fn reader(
    request: &Request,
    target: &Target,
    query: &LogQuery,
    follow: bool,
    tail: Option<i64>,
) -> Result<Reader, ApiError> {
    let state = &request.state;
    let audience = state.audience(&target.cluster, &request.user)?;
    Ok(Reader {
        hub: state.logs.clone(),
        requests: target.client.clone(),
        watches: state.client(&audience, Pool::Watches)?,
        audience,
        user: request.user.subject.clone(),
        namespace: target.namespace.as_deref().unwrap_or_default().to_string(),
        history: query.history(tail)?,
        follow,
        filter: Filter::new(query.q.as_deref(), query.regex.as_deref(), query.level.as_deref())?,
        container: query.container.clone().filter(|c| !c.is_empty()),
    })
}

/// `GET {obj}/logs`.
pub async fn stream(request: Request, target: Target) -> Result<axum::response::Response, ApiError> {
    let query: LogQuery = query_of(&request.uri)?;
    let extra = Some(query.audited(None));
    request
        .audited(Verb::LogOpen, &target, extra, async {
            open_stream(&request, &target, &query).await.map(|r| (r, None))
        })
        .await
}

async fn open_stream(
    request: &Request,
    target: &Target,
    query: &LogQuery,
) -> Result<axum::response::Response, ApiError> {
    let follow = query.follow.unwrap_or(true) && !query.previous;
    let reader = reader(request, target, query, follow, Some(1000))?;
    let state = &request.state;
    let permit = state.watch.streams.acquire(&request.user.subject)?;
    let ticket = state.watch.streams.register(
        StreamInfo {
            id: format!("l{}", state.watch.next_id()),
            user: request.user.subject.clone(),
            kind: "logs",
            subscriptions: vec![format!(
                "{}/{}/{}/{}/logs",
                target.cluster,
                target.kind.path(),
                reader.namespace,
                target.name
            )],
            opened_at: jiff::Timestamp::now().to_string(),
        },
        None,
    );
    let parts = Parts {
        permit,
        ticket,
        session: session_check(request),
        shutdown: state.watch.shutdown_signal(),
        ping: state.watch.config.ping,
    };
    if target.is("", "pods") {
        let pod = reader.pod(&target.name).await?;
        let container = choose_container(&pod, reader.container.as_deref())?;
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        let opened = reader.open(&target.name, container).await.map_err(|e| match e {
            OpenError::Budget(n) => ApiError::TooManyRequests(format!(
                "at most {n} upstream log streams per user; close some log views first"
            )),
            OpenError::Api(e) => e,
        })?;
        return Ok(viewer::pod(reader, target.name.clone(), node, opened, parts));
    }
    let only = query.only()?;
    let selector = selector_of(target).await?;
    let pods = if follow {
        let watch_target = super::watch::Target {
            cluster: &target.cluster,
            group: "core",
            version: "v1",
            resource: "pods",
            namespace: Some(&reader.namespace),
            label_selector: Some(&selector),
        };
        let resolved = super::watch::resolve(state, &request.user, &watch_target).await?;
        let (sub, start) = state.watch.subscribe(resolved.key, resolved.source, None).await?;
        PodSet::Live(sub, start)
    } else {
        let pods = list_pods(target, &selector).await?;
        PodSet::Once(pods.iter().map(|p| pod_row(p).into()).collect())
    };
    Ok(viewer::workload(reader, pods, only, parts))
}

/// The session behind the request, re-checked at every ping (OIDC mode only): a stream ends
/// with `auth_expired` once its session is over.
fn session_check(request: &Request) -> Option<SessionCheck> {
    super::watch::session_check(&request.state, &request.headers, request.extensions.get::<SessionInfo>())
}

/// `GET {obj}/logs/download`.
pub async fn download(request: Request, target: Target) -> Result<axum::response::Response, ApiError> {
    let query: LogQuery = query_of(&request.uri)?;
    let format = query.format.unwrap_or_default();
    let extra = Some(query.audited(Some(format)));
    request
        .audited(Verb::LogOpen, &target, extra, async {
            let reader = Arc::new(reader(&request, &target, &query, false, None)?);
            let namespace = reader.namespace.clone();
            let file = download::file_name(
                &target.cluster,
                &namespace,
                &target.kind.api.kind.to_lowercase(),
                &target.name,
                format,
            );
            let (pods, prefixed) = if target.is("", "pods") {
                let pod = reader.pod(&target.name).await?;
                (vec![(target.name.clone(), choose_container(&pod, reader.container.as_deref())?)], false)
            } else {
                let only = query.only()?;
                let selector = selector_of(&target).await?;
                let mut pods = list_pods(&target, &selector).await?;
                pods.retain(|p| {
                    only.as_ref().is_none_or(|o| o.contains(p.metadata.name.as_deref().unwrap_or_default()))
                });
                pods.truncate(request.state.logs.limits.max_pods);
                let chosen = pods
                    .iter()
                    .filter_map(|p| {
                        let container = choose_container(p, reader.container.as_deref()).ok()?;
                        Some((p.metadata.name.clone()?, container))
                    })
                    .collect();
                (chosen, true)
            };
            download::download(reader, pods, prefixed, format, file).await.map(|r| (r, None))
        })
        .await
}

/// A workload's pods by name.
async fn list_pods(target: &Target, selector: &str) -> Result<Vec<Pod>, ApiError> {
    let api: Api<Pod> = target.typed();
    let mut pods = api.list(&ListParams::default().labels(selector)).await.map_err(|e| target.err(e))?.items;
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(pods)
}

/// A pod as the watch hub's rows show it (the fields a viewer reads).
fn pod_row(pod: &Pod) -> String {
    json!({"name": pod.metadata.name, "node": pod.spec.as_ref().and_then(|s| s.node_name.clone())}).to_string()
}

/// The label selector of the pods behind `target`: a workload's `spec.selector`, a Service's
/// `spec.selector`, a CronJob's latest Job's.
async fn selector_of(target: &Target) -> Result<String, ApiError> {
    let object = target.api().get(&target.name).await.map_err(|e| target.err(e))?;
    if target.is("", "services") {
        let selector = at(&object.data, &["spec", "selector"]).as_object().cloned().unwrap_or_default();
        if selector.is_empty() {
            return Err(ApiError::bad(format!("service {} has no selector, so no pods of its own", target.name)));
        }
        return Ok(selector
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","));
    }
    if target.is("batch", "cronjobs") {
        let uid = object.metadata.uid.clone().unwrap_or_default();
        let jobs: Api<Job> = target.typed();
        let all = jobs.list(&ListParams::default()).await.map_err(|e| target.err(e))?.items;
        let latest = all
            .into_iter()
            .filter(|j| j.metadata.owner_references.iter().flatten().any(|o| o.uid == uid))
            .max_by(|a, b| a.metadata.creation_timestamp.cmp(&b.metadata.creation_timestamp))
            .ok_or_else(|| ApiError::NotFound(format!("cronjob {} has no jobs yet", target.name)))?;
        let selector = latest.spec.and_then(|s| s.selector);
        return label_selector(&serde_json::to_value(selector).unwrap_or_default(), &target.name);
    }
    label_selector(at(&object.data, &["spec", "selector"]), &target.name)
}

/// A `metav1.LabelSelector` as the apiserver's query syntax.
fn label_selector(selector: &Value, name: &str) -> Result<String, ApiError> {
    let mut parts = Vec::new();
    if let Some(labels) = selector.get("matchLabels").and_then(Value::as_object) {
        parts.extend(labels.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())));
    }
    for expr in selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> =
            expr.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        parts.push(match expr.get("operator").and_then(Value::as_str).unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            other => return Err(ApiError::bad(format!("{name}: unknown selector operator {other:?}"))),
        });
    }
    if parts.is_empty() {
        // An empty selector selects every pod of the namespace; no workload means that.
        return Err(ApiError::bad(format!("{name} has an empty selector")));
    }
    Ok(parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors_become_query_syntax() {
        let selector = json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "canary", "operator": "DoesNotExist"}
            ]
        });
        assert_eq!(label_selector(&selector, "w").unwrap(), "app=web,tier in (a,b),!canary");
        assert!(label_selector(&json!({}), "w").is_err());
        assert!(label_selector(&json!({"matchExpressions": [{"key": "k", "operator": "Near"}]}), "w").is_err());
    }

    #[test]
    fn log_queries_are_checked() {
        let q = LogQuery { tail_lines: Some(MAX_TAIL + 1), ..LogQuery::default() };
        assert!(q.history(None).is_err());
        let q = LogQuery { since_seconds: Some(0), ..LogQuery::default() };
        assert!(q.history(None).is_err());
        let q = LogQuery { since_time: Some("yesterday".into()), ..LogQuery::default() };
        assert!(q.history(None).is_err());
        let q = LogQuery { pods: Some("a, b,,c".into()), ..LogQuery::default() };
        assert_eq!(q.only().unwrap().unwrap().into_iter().collect::<Vec<_>>(), vec!["a", "b", "c"]);
        assert_eq!(LogQuery::default().history(Some(1000)).unwrap().tail_lines, Some(1000));
    }
}
