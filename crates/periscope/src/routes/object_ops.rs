//! What a request to one object may ask for: the object itself (detail, apply, delete) and
//! every sub-path after it (`yaml`, `events`, `scale`, …). One enum is the single source of
//! truth: `routes::objects` dispatches on it, the route table takes its methods from it, and
//! the table in docs/api.md is rendered from it (a unit test keeps the two verbatim equal).

use axum::http::Method;

use super::objects::Target;
use crate::{
    audit::Verb,
    error::ApiError,
    // The one place that says which kinds each one-click action applies to (also served to
    // the web app through `/kinds`); revisions go where rollback does.
    resources::kinds::{Action, WITH_LOGS},
};

/// One operation on an object, addressed by its sub-path and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectOp {
    Detail,
    Apply,
    Edit,
    Delete,
    Yaml,
    Events,
    History,
    Meta,
    Revisions,
    Rollback,
    Scale,
    Restart,
    Cordon,
    Uncordon,
    Suspend,
    Resume,
    Trigger,
    Labels,
    RevealKey,
    Logs,
    LogsDownload,
    Exec,
}

/// The kinds an operation applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// Every kind.
    Any,
    /// Only these `(group, plural)` kinds; any other is 400 `E_BAD_REQUEST` naming them.
    Kinds(&'static [(&'static str, &'static str)]),
    /// The path exists only under Secrets; under any other kind it is 404.
    Secrets,
}

/// When an operation writes audit rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audited {
    Never,
    Always(Verb),
    /// Only when the object is a Secret (reading it reveals its values).
    ForSecrets(Verb),
}

/// Everything known about one operation.
struct Spec {
    /// The sub-path after the object, `/`-separated; `""` is the object itself, `{key}` any segment.
    path: &'static str,
    method: Method,
    applies: Applies,
    audited: Audited,
    /// The request body, when there is one.
    body: Option<&'static str>,
    /// The answer, one line of markdown.
    doc: &'static str,
}

impl ObjectOp {
    /// Every operation, in the order of the docs table.
    pub const ALL: &'static [ObjectOp] = &[
        ObjectOp::Detail,
        ObjectOp::Apply,
        ObjectOp::Edit,
        ObjectOp::Delete,
        ObjectOp::Yaml,
        ObjectOp::Events,
        ObjectOp::History,
        ObjectOp::Meta,
        ObjectOp::Revisions,
        ObjectOp::Rollback,
        ObjectOp::Scale,
        ObjectOp::Restart,
        ObjectOp::Cordon,
        ObjectOp::Uncordon,
        ObjectOp::Suspend,
        ObjectOp::Resume,
        ObjectOp::Trigger,
        ObjectOp::Labels,
        ObjectOp::RevealKey,
        ObjectOp::Logs,
        ObjectOp::LogsDownload,
        ObjectOp::Exec,
    ];

    fn spec(self) -> Spec {
        use Applies::{Any, Kinds, Secrets};
        let spec = |path, method, applies, audited, body, doc| Spec { path, method, applies, audited, body, doc };
        let of = |action: Action| action.kinds().map_or(Any, Kinds);
        match self {
            ObjectOp::Detail => spec(
                "",
                Method::GET,
                Any,
                Audited::Never,
                None,
                "the object without `metadata.managedFields` (`?managedFields=true` keeps them). Secrets: no \
                 `data`/`stringData` and no `kubectl.kubernetes.io/last-applied-configuration`; instead \
                 `keys: [{name, size}]` (decoded bytes)",
            ),
            ObjectOp::Apply => spec(
                "",
                Method::PATCH,
                Any,
                Audited::Always(Verb::Apply),
                Some("YAML or JSON object"),
                "server-side apply as field manager `periscope` (`?dryRun=true`, `?force=true`), see \
                 [Apply](#apply) → `{object, dryRun}` (Secrets redacted as in GET)",
            ),
            ObjectOp::Edit => spec(
                "edit",
                Method::POST,
                Any,
                Audited::Always(Verb::Apply),
                Some("`{opened, edited, dryRun?, force?}` (YAML texts)"),
                "the YAML editor's save: applies only what changed from `opened` to `edited`, see [Edit](#edit) \
                 → `{changed, dryRun, apply, remove, object, live?}`",
            ),
            ObjectOp::Delete => spec(
                "",
                Method::DELETE,
                Any,
                Audited::Always(Verb::Delete),
                None,
                "`?propagationPolicy=Foreground\\|Background\\|Orphan` (default `Background`) → \
                 `{deleted:true,cluster,namespace,name}`",
            ),
            ObjectOp::Yaml => spec(
                "yaml",
                Method::GET,
                Any,
                Audited::ForSecrets(Verb::SecretReveal),
                None,
                "the object as `text/yaml` (same `managedFields` rule). For a Secret this reveals the values: \
                 audited (`via: yaml`, `keys`, `key_count`), `Cache-Control: no-store`",
            ),
            ObjectOp::Events => spec(
                "events",
                Method::GET,
                Any,
                Audited::Never,
                None,
                "`{items}`: core/v1 Events whose `involvedObject` is the object (name, namespace, kind, and uid \
                 while the object exists), newest first",
            ),
            ObjectOp::History => spec(
                "history",
                Method::GET,
                Any,
                Audited::Never,
                None,
                "`?limit=1..1000&before=` → `{items, next, recording}`: the object's audit rows, the writes the \
                 watch engine saw (field manager, changed paths) and its Events, merged newest first, see \
                 [Object history](#object-history)",
            ),
            ObjectOp::Meta => spec(
                "meta",
                Method::GET,
                Any,
                Audited::Never,
                None,
                "`{resourceVersion, generation, managedFields, managers}` (drift, ownership glyphs), see \
                 [Edit](#edit)",
            ),
            ObjectOp::Revisions => spec(
                "revisions",
                Method::GET,
                of(Action::Rollback),
                Audited::Never,
                None,
                "`{items: [{revision, name, createdAt, changeCause, current, template}]}`, newest first: a \
                 Deployment's ReplicaSets (`deployment.kubernetes.io/revision`), else ControllerRevisions",
            ),
            ObjectOp::Rollback => spec(
                "rollback",
                Method::POST,
                of(Action::Rollback),
                Audited::Always(Verb::Rollback),
                Some("`{\"revision\": n}`"),
                "puts revision `n`'s pod template back (strategic-merge `$patch: replace` of `spec.template`) → \
                 `{rolledBackTo}`; unknown revision 404 `E_NOT_FOUND`",
            ),
            ObjectOp::Scale => spec(
                "scale",
                Method::POST,
                of(Action::Scale),
                Audited::Always(Verb::Scale),
                Some("`{\"replicas\": n}`"),
                "sets `spec.replicas` → `{object}`",
            ),
            ObjectOp::Restart => spec(
                "restart",
                Method::POST,
                of(Action::Restart),
                Audited::Always(Verb::Restart),
                None,
                "sets the pod template annotation `kubectl.kubernetes.io/restartedAt` → `{object}`",
            ),
            ObjectOp::Cordon => spec(
                "cordon",
                Method::POST,
                of(Action::Cordon),
                Audited::Always(Verb::Cordon),
                None,
                "sets `spec.unschedulable: true` → `{object}`",
            ),
            ObjectOp::Uncordon => spec(
                "uncordon",
                Method::POST,
                of(Action::Uncordon),
                Audited::Always(Verb::Uncordon),
                None,
                "sets `spec.unschedulable: false` → `{object}`",
            ),
            ObjectOp::Suspend => spec(
                "suspend",
                Method::POST,
                of(Action::Suspend),
                Audited::Always(Verb::Suspend),
                None,
                "sets `spec.suspend: true` → `{object}`",
            ),
            ObjectOp::Resume => spec(
                "resume",
                Method::POST,
                of(Action::Resume),
                Audited::Always(Verb::Resume),
                None,
                "sets `spec.suspend: false` → `{object}`",
            ),
            ObjectOp::Trigger => spec(
                "trigger",
                Method::POST,
                of(Action::Trigger),
                Audited::Always(Verb::Trigger),
                None,
                "creates Job `<cronjob>-manual-<unix>` (≤ 63 chars) from the jobTemplate, owned by the CronJob, \
                 annotated `cronjob.kubernetes.io/instantiate: manual` → `{jobName, namespace}`",
            ),
            ObjectOp::Labels => spec(
                "labels",
                Method::PUT,
                Any,
                Audited::Always(Verb::Labels),
                Some("`{\"labels\": {…}}`"),
                "the labels Periscope set become exactly these (labels other managers own stay) → `{object}`",
            ),
            ObjectOp::Logs => spec(
                "logs",
                Method::GET,
                Kinds(WITH_LOGS),
                Audited::Always(Verb::LogOpen),
                None,
                "the log stream (SSE) of a pod or of a workload's pods, see [Logs](#logs)",
            ),
            ObjectOp::LogsDownload => spec(
                "logs/download",
                Method::GET,
                Kinds(WITH_LOGS),
                Audited::Always(Verb::LogOpen),
                None,
                "the whole log as a file (`?format=text\\|gzip`), see [Logs](#logs)",
            ),
            ObjectOp::Exec => spec(
                "exec",
                Method::GET,
                Kinds(&[("", "pods")]),
                Audited::Always(Verb::ExecOpen),
                None,
                "WebSocket upgrade: a terminal in a container (`?container=&command=&tty=`), see [Exec](#exec)",
            ),
            ObjectOp::RevealKey => spec(
                "data/{key}",
                Method::GET,
                Secrets,
                Audited::Always(Verb::SecretReveal),
                None,
                "the decoded value (`text/plain`, or `application/octet-stream` when not UTF-8), \
                 `Cache-Control: no-store`; missing key 404",
            ),
        }
    }

    /// The method the operation answers.
    pub fn method(self) -> Method {
        self.spec().method
    }

    /// The kinds it applies to.
    pub fn applies(self) -> Applies {
        self.spec().applies
    }

    /// When it writes audit rows.
    pub fn audited(self) -> Audited {
        self.spec().audited
    }

    /// Whether it changes the cluster (every such operation is audited and fails closed).
    pub fn mutates(self) -> bool {
        match self.spec().audited {
            Audited::Always(verb) => verb.mutating() && verb != Verb::SecretReveal,
            Audited::Never | Audited::ForSecrets(_) => false,
        }
    }

    /// Whether it reads its own query parameters (logs, exec) instead of `ObjectQuery`.
    pub fn reads_own_query(self) -> bool {
        matches!(self, ObjectOp::Logs | ObjectOp::LogsDownload | ObjectOp::Exec | ObjectOp::History)
    }

    /// Whether the request carries a body the handler reads.
    pub fn has_body(self) -> bool {
        self.spec().body.is_some()
    }

    /// How many `/`-separated segments its sub-path has (0 for the object itself).
    fn depth(self) -> usize {
        let path = self.spec().path;
        if path.is_empty() { 0 } else { path.split('/').count() }
    }

    fn matches(self, sub: &[&str]) -> bool {
        let path = self.spec().path;
        let pattern: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
        pattern.len() == sub.len() && pattern.iter().zip(sub).all(|(p, s)| p.starts_with('{') || p == s)
    }

    /// The operation at sub-path `sub` (empty for the object itself) with `method`: an unknown
    /// sub-path is 404 `E_NOT_FOUND`, a known one with another method 405.
    pub fn find(sub: &[&str], method: &Method, kind_path: &str) -> Result<ObjectOp, ApiError> {
        let mut at_path = Self::ALL.iter().filter(|op| op.matches(sub)).peekable();
        if at_path.peek().is_none() {
            return Err(ApiError::RouteNotFound(format!("{kind_path}/…/{}", sub.join("/"))));
        }
        at_path.find(|op| op.method() == method).copied().ok_or_else(|| ApiError::MethodNotAllowed(method.to_string()))
    }

    /// Refuses `target` unless the operation applies to its kind.
    pub fn check_kind(self, target: &Target) -> Result<(), ApiError> {
        match self.applies() {
            Applies::Any => Ok(()),
            Applies::Secrets if target.kind.is_secret() => Ok(()),
            Applies::Secrets => Err(ApiError::RouteNotFound(format!("{}/…/{}", target.kind.path(), self.spec().path))),
            Applies::Kinds(kinds) if kinds.iter().any(|(group, plural)| target.is(group, plural)) => Ok(()),
            Applies::Kinds(kinds) => Err(ApiError::bad(format!(
                "{} applies to {}, not to {}",
                self.spec().path,
                kind_names(kinds),
                target.kind.path()
            ))),
        }
    }

    /// The methods the operations whose sub-paths have one of `depths` segments answer, for
    /// the route table.
    pub fn methods(depths: &[usize]) -> Vec<Method> {
        let mut methods: Vec<Method> = Vec::new();
        for op in Self::ALL.iter().filter(|op| depths.contains(&op.depth())) {
            if !methods.contains(&op.method()) {
                methods.push(op.method());
            }
        }
        methods
    }

    /// The table of docs/api.md's Objects section.
    pub fn markdown_table() -> String {
        let mut out =
            String::from("| Method | Path | Body | Applies to | Audited | Answer |\n|---|---|---|---|---|---|\n");
        for op in Self::ALL {
            let spec = op.spec();
            let path = if spec.path.is_empty() { "`{obj}`".to_string() } else { format!("`{{obj}}/{}`", spec.path) };
            let applies = match spec.applies {
                Applies::Any => "any kind".to_string(),
                Applies::Kinds(kinds) => kind_names(kinds),
                Applies::Secrets => "secrets".to_string(),
            };
            let audited = match spec.audited {
                Audited::Never => "no".to_string(),
                Audited::Always(verb) => format!("`{}`", verb.as_str()),
                Audited::ForSecrets(verb) => format!("`{}` (Secrets)", verb.as_str()),
            };
            let body = spec.body.unwrap_or("—");
            out.push_str(&format!("| {} | {path} | {body} | {applies} | {audited} | {} |\n", spec.method, spec.doc));
        }
        out
    }
}

/// `plural.group` names as kubectl writes them (`plural` alone for the core group).
fn kind_names(kinds: &[(&str, &str)]) -> String {
    let names: Vec<String> =
        kinds.iter().map(|(g, p)| if g.is_empty() { p.to_string() } else { format!("{p}.{g}") }).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_sub_paths_are_404_and_wrong_methods_405() {
        assert_eq!(ObjectOp::find(&[], &Method::GET, "k").ok(), Some(ObjectOp::Detail));
        assert_eq!(ObjectOp::find(&[], &Method::PATCH, "k").ok(), Some(ObjectOp::Apply));
        assert_eq!(ObjectOp::find(&["scale"], &Method::POST, "k").ok(), Some(ObjectOp::Scale));
        assert_eq!(ObjectOp::find(&["data", "token"], &Method::GET, "k").ok(), Some(ObjectOp::RevealKey));
        assert!(matches!(ObjectOp::find(&["scale"], &Method::GET, "k"), Err(ApiError::MethodNotAllowed(_))));
        assert!(matches!(ObjectOp::find(&[], &Method::POST, "k"), Err(ApiError::MethodNotAllowed(_))));
        assert!(matches!(ObjectOp::find(&["bogus"], &Method::GET, "k"), Err(ApiError::RouteNotFound(_))));
        assert!(matches!(ObjectOp::find(&["data"], &Method::GET, "k"), Err(ApiError::RouteNotFound(_))));
    }

    #[test]
    fn every_mutation_is_audited_and_has_one_sub_path_and_method() {
        for op in ObjectOp::ALL {
            if op.mutates() {
                assert!(matches!(op.audited(), Audited::Always(v) if v.mutating()), "{op:?}");
            }
            let same = ObjectOp::ALL.iter().filter(|o| o.spec().path == op.spec().path && o.method() == op.method());
            assert_eq!(same.count(), 1, "{op:?}");
        }
    }

    #[test]
    fn route_table_methods_come_from_the_operations() {
        assert_eq!(ObjectOp::methods(&[0]), vec![Method::GET, Method::PATCH, Method::DELETE]);
        assert_eq!(ObjectOp::methods(&[1]), vec![Method::POST, Method::GET, Method::PUT]);
        assert_eq!(ObjectOp::methods(&[2]), vec![Method::GET]);
    }

    #[test]
    fn docs_api_md_holds_the_generated_table() {
        let docs = include_str!("../../../../docs/api.md");
        let table = ObjectOp::markdown_table();
        assert!(docs.contains(&table), "docs/api.md's Objects table is out of date; replace it with:\n\n{table}");
    }
}
