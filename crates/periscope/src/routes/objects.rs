//! Per-object routes under `/api/clusters/{cluster}/resources/{group}/{version}/{resource}`:
//! detail, YAML, events, meta, server-side apply, delete and Secret reveal, plus the dispatch
//! into the one-click mutations of [`super::mutations`] and [`super::rollout`].
//!
//! `…/{resource}/{a}/{b}` is either a namespaced object (`a` = namespace) or a sub-path of a
//! cluster-scoped object (`a` = name, e.g. `nodes/n1/yaml`). axum cannot tell them apart, so one
//! handler per segment count resolves the kind first and dispatches on its scope.

use std::{collections::BTreeMap, future::Future};

use axum::{
    Json,
    body::{Body, Bytes},
    extract::Request as AxumRequest,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header, request::Parts},
    response::{IntoResponse, Response},
};
use base64::Engine;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PropagationPolicy};
use serde_json::{Value, json};

use super::{
    apply::{self, FIELD_MANAGER},
    object_ops::ObjectOp,
};
use crate::{
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    error::ApiError,
    http::{
        authn::CurrentUser,
        body::{MAX_BODY_BYTES, parse_json, read_at_most, read_limited},
        extract::{Path, query_of},
    },
    identity::Identity,
    names::{Namespace, check_object_name},
    resources::{catalog::Kind, kinds::Scope},
};

/// Annotation `kubectl apply` writes; on a Secret it embeds the values, so it is never shown.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// How an audited action that ended with `error` is recorded: 401/403 are denials.
fn outcome_of_error(error: &ApiError) -> (Outcome, Option<String>) {
    let outcome = match error.status() {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Outcome::Denied,
        _ => Outcome::Failure,
    };
    (outcome, Some(error.to_string()))
}

/// What every per-object route may be asked in its query string.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectQuery {
    /// Detail/YAML: keep `metadata.managedFields` (dropped by default).
    #[serde(default)]
    pub managed_fields: bool,
    /// Apply: validate and compute only (`dryRun=All`).
    #[serde(default)]
    pub dry_run: bool,
    /// Apply: take over fields other managers own.
    #[serde(default)]
    pub force: bool,
    /// Delete: how dependents go (`Background` when absent).
    pub propagation_policy: Option<Propagation>,
}

/// `?propagationPolicy=` of a delete, as the apiserver names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub enum Propagation {
    Foreground,
    /// The default; an empty value means it too.
    #[default]
    #[serde(alias = "")]
    Background,
    Orphan,
}

impl From<Propagation> for PropagationPolicy {
    fn from(p: Propagation) -> Self {
        match p {
            Propagation::Foreground => PropagationPolicy::Foreground,
            Propagation::Background => PropagationPolicy::Background,
            Propagation::Orphan => PropagationPolicy::Orphan,
        }
    }
}

/// The object a route addresses, with a client acting as the caller.
pub struct Target {
    pub cluster: String,
    pub kind: Kind,
    pub client: kube::Client,
    pub namespace: Option<Namespace>,
    pub name: String,
}

impl Target {
    /// A dynamic API for the object's kind, in its namespace.
    pub fn api(&self) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &self.kind.api),
            None => Api::all_with(self.client.clone(), &self.kind.api),
        }
    }

    /// A typed API in the object's namespace (for related kinds: ReplicaSets, Jobs, …).
    pub fn typed<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), self.namespace.as_deref().unwrap_or_default())
    }

    /// Whether the kind is `group`/`plural` (`""` for core).
    pub fn is(&self, group: &str, plural: &str) -> bool {
        self.kind.api.group == group && self.kind.api.plural == plural
    }

    /// The object as recorded in audit rows.
    pub fn audited(&self) -> ResourceRef {
        ResourceRef {
            group: Some(self.kind.api.group.clone()).filter(|g| !g.is_empty()),
            version: Some(self.kind.api.version.clone()),
            resource: Some(self.kind.api.plural.clone()),
            namespace: self.namespace.clone().map(String::from),
            name: Some(self.name.clone()),
        }
    }

    /// What a write changed on this object, for its audit outcome row (`{"diff": …}`), with
    /// the resourceVersion it made, which ties the row to the write the watch engine saw.
    pub fn diff(&self, before: &impl serde::Serialize, after: &impl serde::Serialize) -> Option<Value> {
        let (before, after) = (serde_json::to_value(before).ok()?, serde_json::to_value(after).ok()?);
        Some(json!({
            "diff": crate::audit::diff::summary(&before, &after, self.kind.is_secret()),
            "resourceVersion": after.pointer("/metadata/resourceVersion"),
        }))
    }

    /// What an apply document for this object must name.
    pub fn identity(&self) -> apply::Identity<'_> {
        apply::Identity {
            api_version: &self.kind.api.api_version,
            kind: &self.kind.api.kind,
            scope: self.kind.scope,
            namespace: self.namespace.as_deref(),
            name: &self.name,
        }
    }

    /// The identity-only apply document of this object.
    pub fn skeleton(&self) -> Value {
        apply::skeleton(&self.kind.api.api_version, &self.kind.api.kind, self.namespace.as_deref(), &self.name)
    }

    /// An object a mutation returned, as answered: `managedFields` dropped and, since the
    /// answer of a Secret mutation holds every value, a Secret redacted as in its detail.
    pub fn answer(&self, object: impl serde::Serialize) -> Result<Value, ApiError> {
        let mut value = to_json(object)?;
        strip_managed_fields(&mut value);
        Ok(self.redacted(value))
    }

    /// `object` itself, or its redaction when this is a Secret.
    fn redacted(&self, object: Value) -> Value {
        if self.kind.is_secret() { redact_secret(object) } else { object }
    }

    /// Maps a kube error from a call on this object's cluster.
    pub fn err(&self, e: kube::Error) -> ApiError {
        ApiError::from_kube(&self.cluster, e)
    }
}

/// The request as the dispatcher hands it on.
pub struct Request {
    pub state: AppState,
    pub ctx: AuditContext,
    /// Who asks (the audience of streams, the owner of stream permits).
    pub user: std::sync::Arc<Identity>,
    pub method: Method,
    /// The request URI; its query string is read as the operation's own query type.
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The request's extensions (a WebSocket upgrade's connection, the connection slot).
    pub extensions: axum::http::Extensions,
    /// The query of every operation but the log ones (which read `uri` themselves).
    pub query: ObjectQuery,
    /// The body, read up front (bounded by `http::body::MAX_BODY_BYTES`) for operations that take one.
    pub body: Bytes,
}

impl Request {
    fn new(
        state: AppState,
        ctx: AuditContext,
        user: std::sync::Arc<Identity>,
        method: Method,
        parts: Parts,
    ) -> Request {
        Request {
            state,
            ctx,
            user,
            method,
            uri: parts.uri,
            headers: parts.headers,
            extensions: parts.extensions,
            query: ObjectQuery::default(),
            body: Bytes::new(),
        }
    }

    /// Reads the JSON body into `T` (400 naming the problem otherwise).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse_json(&self.body)
    }

    /// Runs `action` between an intent and an outcome audit row; the intent is written first and
    /// its failure refuses the action. `action` may return extra outcome details.
    pub async fn audited<T, F>(
        &self,
        verb: Verb,
        target: &Target,
        extra: Option<Value>,
        action: F,
    ) -> Result<T, ApiError>
    where
        F: Future<Output = Result<(T, Option<Value>), ApiError>>,
    {
        let record =
            self.state.audit.begin(self.ctx.clone(), verb, Some(&target.cluster), target.audited(), extra).await?;
        match action.await {
            Ok((value, details)) => {
                self.state.audit.finish(&record, Outcome::Success, None, details).await?;
                Ok(value)
            }
            Err(e) => {
                let (outcome, reason) = outcome_of_error(&e);
                self.state.audit.finish(&record, outcome, reason, None).await?;
                Err(e)
            }
        }
    }
}

type Segments5 = (String, String, String, String, String);
type Segments6 = (String, String, String, String, String, String);
type Segments7 = (String, String, String, String, String, String, String);
type Segments8 = (String, String, String, String, String, String, String, String);

/// `…/{resource}/{name}`: a cluster-scoped object.
#[allow(clippy::too_many_arguments)] // axum extractors, one per argument
pub async fn object(
    method: Method,
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, group, version, resource, name)): Path<Segments5>,
    http: AxumRequest,
) -> Result<Response, ApiError> {
    let (parts, body) = http.into_parts();
    let (kind, client) = state.kind_and_client(&cluster, &user, &group, &version, &resource).await?;
    if kind.scope == Scope::Namespaced {
        return Err(ApiError::bad(format!(
            "{} are namespaced: use …/{}/{{namespace}}/{{name}}",
            kind.path(),
            kind.path()
        )));
    }
    let target = target(cluster, kind, client, None, name)?;
    serve(Request::new(state, ctx, user, method, parts), target, &[], body).await
}

/// `…/{resource}/{namespace}/{name}` or `…/{resource}/{name}/{sub}` (cluster-scoped kinds).
#[allow(clippy::too_many_arguments)] // axum extractors, one per argument
pub async fn object_or_sub(
    method: Method,
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, group, version, resource, a, b)): Path<Segments6>,
    http: AxumRequest,
) -> Result<Response, ApiError> {
    let (parts, body) = http.into_parts();
    let (kind, client) = state.kind_and_client(&cluster, &user, &group, &version, &resource).await?;
    let request = Request::new(state, ctx, user, method, parts);
    match kind.scope {
        Scope::Namespaced => serve(request, target(cluster, kind, client, Some(a), b)?, &[], body).await,
        Scope::Cluster => serve(request, target(cluster, kind, client, None, a)?, &[&b], body).await,
    }
}

/// `…/{resource}/{namespace}/{name}/{sub}` (namespaced kinds only).
#[allow(clippy::too_many_arguments)] // axum extractors, one per argument
pub async fn namespaced_sub(
    method: Method,
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, group, version, resource, namespace, name, sub)): Path<Segments7>,
    http: AxumRequest,
) -> Result<Response, ApiError> {
    let (parts, body) = http.into_parts();
    let (kind, client) = state.kind_and_client(&cluster, &user, &group, &version, &resource).await?;
    if kind.scope == Scope::Cluster {
        return Err(ApiError::RouteNotFound(format!("{}/{namespace}/{name}/{sub}", kind.path())));
    }
    let target = target(cluster, kind, client, Some(namespace), name)?;
    serve(Request::new(state, ctx, user, method, parts), target, &[&sub], body).await
}

/// `…/{resource}/{namespace}/{name}/{sub}/{key}`: `GET …/secrets/{namespace}/{name}/data/{key}`,
/// one decoded Secret value (audited reveal).
#[allow(clippy::too_many_arguments)] // axum extractors, one per argument
pub async fn secret_key(
    method: Method,
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, group, version, resource, namespace, name, sub, key)): Path<Segments8>,
    http: AxumRequest,
) -> Result<Response, ApiError> {
    let (parts, body) = http.into_parts();
    let (kind, client) = state.kind_and_client(&cluster, &user, &group, &version, &resource).await?;
    let target = target(cluster, kind, client, Some(namespace), name)?;
    serve(Request::new(state, ctx, user, method, parts), target, &[&sub, &key], body).await
}

fn target(
    cluster: String,
    kind: Kind,
    client: kube::Client,
    namespace: Option<String>,
    name: String,
) -> Result<Target, ApiError> {
    let namespace = namespace.map(Namespace::parse).transpose()?;
    check_object_name(&name)?;
    Ok(Target { cluster, kind, client, namespace, name })
}

/// Routes a request for `target` (and its sub-path, e.g. `["scale"]`) to its operation.
async fn serve(mut request: Request, target: Target, sub: &[&str], body: Body) -> Result<Response, ApiError> {
    use super::{mutations as m, rollout};
    let op = ObjectOp::find(sub, &request.method, &target.kind.path())?;
    op.check_kind(&target)?;
    if !op.reads_own_query() {
        request.query = query_of(&request.uri)?;
    }
    if op.has_body() {
        request.body = match op {
            // The editor's save carries the object twice (as opened and as edited).
            ObjectOp::Edit => read_at_most(&request.headers, body, 2 * MAX_BODY_BYTES + 16 * 1024).await?,
            _ => read_limited(&request.headers, body).await?,
        };
    }
    match op {
        ObjectOp::Detail => detail(&request, &target).await,
        ObjectOp::Apply => apply_document(request, &target).await,
        ObjectOp::Edit => super::edit::edit(request, &target).await,
        ObjectOp::Delete => delete(&request, &target).await,
        ObjectOp::Yaml => yaml(&request, &target).await,
        ObjectOp::Events => events(&target).await,
        ObjectOp::History => super::history::history(&request, &target).await,
        ObjectOp::Meta => meta(&target).await,
        ObjectOp::Revisions => rollout::revisions(&target).await,
        ObjectOp::Rollback => rollout::rollback(request, &target).await,
        ObjectOp::Scale => m::scale(request, &target).await,
        ObjectOp::Restart => m::restart(request, &target).await,
        ObjectOp::Cordon => m::cordon(request, &target, true).await,
        ObjectOp::Uncordon => m::cordon(request, &target, false).await,
        ObjectOp::Suspend => m::suspend(request, &target, true).await,
        ObjectOp::Resume => m::suspend(request, &target, false).await,
        ObjectOp::Trigger => m::trigger(request, &target).await,
        ObjectOp::Labels => m::labels(request, &target).await,
        ObjectOp::Logs => super::logs::stream(request, target).await,
        ObjectOp::LogsDownload => super::logs::download(request, target).await,
        ObjectOp::Exec => super::exec::open(request, target).await,
        // `sub` matched `data/{key}`, so its second segment is the key.
        ObjectOp::RevealKey => reveal_key(&request, &target, sub[1]).await,
    }
}

/// Drops `metadata.managedFields` from an object: bulky bookkeeping clients see only on request.
pub fn strip_managed_fields(object: &mut Value) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
}

/// `object` as JSON (a failure is a bug: 500).
pub(crate) fn to_json(object: impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(object).map_err(|e| ApiError::Internal(format!("object to JSON: {e}")))
}

/// The object as JSON, with `managedFields` dropped unless asked for.
async fn fetch(target: &Target, keep_managed_fields: bool) -> Result<Value, ApiError> {
    let mut value = to_json(target.api().get(&target.name).await.map_err(|e| target.err(e))?)?;
    if !keep_managed_fields {
        strip_managed_fields(&mut value);
    }
    Ok(value)
}

/// The key names and decoded byte sizes of a Secret's `data`, sorted by name.
fn secret_keys(secret: &Value) -> BTreeMap<String, usize> {
    let engine = base64::engine::general_purpose::STANDARD;
    secret
        .get("data")
        .and_then(Value::as_object)
        .map(|data| {
            data.iter()
                .map(|(k, v)| {
                    let size = v.as_str().and_then(|s| engine.decode(s).ok()).map_or(0, |b| b.len());
                    (k.clone(), size)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A Secret without anything that could carry a value: `data`/`stringData` become `keys`.
fn redact_secret(mut secret: Value) -> Value {
    let keys: Vec<Value> =
        secret_keys(&secret).into_iter().map(|(name, size)| json!({ "name": name, "size": size })).collect();
    if let Some(object) = secret.as_object_mut() {
        object.remove("data");
        object.remove("stringData");
        object.insert("keys".into(), Value::Array(keys));
    }
    if let Some(annotations) = secret.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        annotations.remove(LAST_APPLIED);
    }
    secret
}

/// `GET` of the object: the full object (Secrets: key names and sizes only).
async fn detail(request: &Request, target: &Target) -> Result<Response, ApiError> {
    let value = fetch(target, request.query.managed_fields).await?;
    Ok(Json(target.redacted(value)).into_response())
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET …/yaml`: the object as YAML text; for a Secret this reveals its values and is audited.
async fn yaml(request: &Request, target: &Target) -> Result<Response, ApiError> {
    let keep = request.query.managed_fields;
    let render = |value: &Value| serde_saphyr::to_string(value).map_err(|e| ApiError::Internal(format!("YAML: {e}")));
    let text = if target.kind.is_secret() {
        let text = request
            .audited(Verb::SecretReveal, target, Some(json!({ "via": "yaml" })), async {
                let value = fetch(target, keep).await?;
                let keys: Vec<String> = secret_keys(&value).into_keys().collect();
                let details = json!({ "via": "yaml", "key_count": keys.len(), "keys": keys });
                Ok((render(&value)?, Some(details)))
            })
            .await?;
        return Ok(no_store(yaml_response(text)));
    } else {
        render(&fetch(target, keep).await?)?
    };
    Ok(yaml_response(text))
}

fn yaml_response(text: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/yaml; charset=utf-8"))], text).into_response()
}

/// `GET …/secrets/{ns}/{name}/data/{key}`: the decoded value, `no-store`, audited.
async fn reveal_key(request: &Request, target: &Target, key: &str) -> Result<Response, ApiError> {
    let bytes = request
        .audited(Verb::SecretReveal, target, Some(json!({ "via": "key", "key": key })), async {
            let secret = fetch(target, false).await?;
            let encoded =
                secret.pointer("/data").and_then(|d| d.get(key)).and_then(Value::as_str).ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "secret {}/{} has no key {key:?}",
                        target.namespace.as_deref().unwrap_or(""),
                        target.name
                    ))
                })?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| ApiError::Internal(format!("secret value is not base64: {e}")))?;
            let details = json!({ "key": key, "size": bytes.len() });
            Ok((bytes, Some(details)))
        })
        .await?;
    // Text keys are shown as text; anything else is handed over as raw bytes.
    let content_type =
        if std::str::from_utf8(&bytes).is_ok() { "text/plain; charset=utf-8" } else { "application/octet-stream" };
    Ok(no_store(([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], bytes).into_response()))
}

/// `GET …/events`: core/v1 Events about the object, newest first.
async fn events(target: &Target) -> Result<Response, ApiError> {
    Ok(Json(super::Items { items: object_events(target).await? }).into_response())
}

/// The object's core/v1 Events (without `managedFields`), newest first.
pub async fn object_events(target: &Target) -> Result<Vec<Value>, ApiError> {
    // The uid tells a recreated object's events from its predecessor's; a deleted object still
    // has events worth showing, so a 404 here only drops the uid from the selector.
    let uid = match target.api().get(&target.name).await {
        Ok(object) => object.metadata.uid,
        Err(kube::Error::Api(status)) if status.code == 404 => None,
        Err(e) => return Err(target.err(e)),
    };
    let mut selector =
        vec![format!("involvedObject.name={}", target.name), format!("involvedObject.kind={}", target.kind.api.kind)];
    if let Some(ns) = &target.namespace {
        selector.push(format!("involvedObject.namespace={ns}"));
    }
    if let Some(uid) = uid {
        selector.push(format!("involvedObject.uid={uid}"));
    }
    // Events of cluster-scoped objects (Nodes) live in `default`; search every namespace for them.
    let api: Api<k8s_openapi::api::core::v1::Event> = match &target.namespace {
        Some(ns) => Api::namespaced(target.client.clone(), ns),
        None => Api::all(target.client.clone()),
    };
    let list = api.list(&ListParams::default().fields(&selector.join(","))).await.map_err(|e| target.err(e))?;
    let mut items: Vec<Value> = list
        .items
        .into_iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .map(|mut e| {
            strip_managed_fields(&mut e);
            e
        })
        .collect();
    items.sort_by_key(|e| std::cmp::Reverse(event_time(e)));
    Ok(items)
}

/// When an Event last happened (RFC 3339 UTC, which sorts as text).
pub fn event_time(e: &Value) -> String {
    ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|k| e.get(*k).and_then(Value::as_str))
        .or_else(|| e.pointer("/metadata/creationTimestamp").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

/// `GET …/meta`: what the editor polls for drift.
async fn meta(target: &Target) -> Result<Response, ApiError> {
    let object = fetch(target, true).await?;
    let metadata = object.get("metadata").cloned().unwrap_or_default();
    Ok(Json(json!({
        "resourceVersion": metadata.get("resourceVersion"),
        "generation": metadata.get("generation"),
        "managedFields": metadata.get("managedFields").cloned().unwrap_or_else(|| json!([])),
        "managers": crate::edit::managers::managers_of(&object),
    }))
    .into_response())
}

/// `PATCH` of the object: server-side apply of the YAML/JSON body as field manager `periscope`.
async fn apply_document(request: Request, target: &Target) -> Result<Response, ApiError> {
    let (dry_run, force) = (request.query.dry_run, request.query.force);
    let mut doc = apply::parse_document(&request.body).map_err(|e| ApiError::bad(format!("apply: {e}")))?;
    apply::check_identity(&mut doc, target.identity()).map_err(|e| ApiError::bad(format!("apply: {e}")))?;
    apply::strip_server_fields(&mut doc);
    let extra = json!({ "dryRun": dry_run, "force": force });
    let object = request
        .audited(Verb::Apply, target, Some(extra), async {
            let mut params = PatchParams::apply(FIELD_MANAGER);
            params.force = force;
            params.dry_run = dry_run;
            let patch = Patch::Apply(&doc);
            // The object before, for the audit row's diff; an apply may also create it.
            let before = target.api().get_opt(&target.name).await.map_err(|e| target.err(e))?;
            let object = target.api().patch(&target.name, &params, &patch).await.map_err(|e| target.err(e))?;
            let diff = match &before {
                Some(before) => target.diff(before, &object),
                None => target.diff(&json!({}), &object),
            };
            Ok((object, diff))
        })
        .await?;
    Ok(Json(json!({ "object": target.answer(object)?, "dryRun": dry_run })).into_response())
}

/// `DELETE` of the object (propagation `Background` unless asked otherwise).
async fn delete(request: &Request, target: &Target) -> Result<Response, ApiError> {
    let propagation = request.query.propagation_policy.unwrap_or_default();
    let extra = json!({ "propagationPolicy": format!("{propagation:?}") });
    request
        .audited(Verb::Delete, target, Some(extra), async {
            let params = DeleteParams { propagation_policy: Some(propagation.into()), ..Default::default() };
            target.api().delete(&target.name, &params).await.map_err(|e| target.err(e))?;
            Ok(((), None))
        })
        .await?;
    Ok(Json(json!({
        "deleted": true,
        "cluster": target.cluster,
        "namespace": target.namespace,
        "name": target.name,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Result<ObjectQuery, String> {
        let uri: axum::http::Uri = format!("http://x/?{text}").parse().map_err(|e| format!("{e}"))?;
        axum::extract::Query::<ObjectQuery>::try_from_uri(&uri).map(|q| q.0).map_err(|e| e.body_text())
    }

    #[test]
    fn propagation_policies_are_the_apiserver_names_empty_meaning_background() {
        let policy = |text: &str| query(text).map(|q| q.propagation_policy.unwrap_or_default());
        assert_eq!(policy(""), Ok(Propagation::Background));
        assert_eq!(policy("propagationPolicy="), Ok(Propagation::Background));
        assert_eq!(policy("propagationPolicy=Orphan"), Ok(Propagation::Orphan));
        assert_eq!(policy("propagationPolicy=Foreground"), Ok(Propagation::Foreground));
        let err = policy("propagationPolicy=orphan").expect_err("names are case-sensitive");
        assert!(err.contains("propagationPolicy") && err.contains("Foreground"), "{err}");
    }
}
