//! `GET /api/clusters/{cluster}/kinds`: every kind the console offers in a cluster, with what
//! the web app needs to show it — the built-in table's rows (resources/kinds.rs), then the
//! other kinds discovery reports, custom resources marked by their CRDs (read as the caller).
//! The web app keeps no kinds table of its own.

use std::{collections::BTreeMap, collections::HashSet, time::Duration};

use axum::{Json, extract::State};
use kube::api::{Api, DynamicObject, ListParams};
use serde::Serialize;
use ts_rs::TS;

use super::reason::{Failure, within};
use crate::{
    app::AppState,
    error::ApiError,
    http::{authn::CurrentUser, extract::Path},
    resources::{
        catalog::{Served, crd_resource},
        kinds::{Action, Category, KINDS, KindSpec, Scope, has_logs},
    },
};

/// Deadline of discovery and of the CRD list.
const PART_TIMEOUT: Duration = Duration::from_secs(5);

/// One kind as the console shows it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KindInfo {
    /// API group; `""` is the core group (URLs spell it `core`).
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Lowercase plural, as in the API path.
    pub plural: String,
    pub scope: Scope,
    /// What the sidebar and page titles call it (`Pods`, `HPAs`; a discovered kind's name).
    pub label: String,
    pub short_names: Vec<String>,
    /// The sidebar section; `null`: not in the sidebar (reached with `:` or by URL).
    pub category: Option<Category>,
    /// A row of the server's table (its own list columns); otherwise found by discovery.
    pub builtin: bool,
    /// The one-click actions that apply to its objects (whether the caller may is can-i's answer).
    pub actions: Vec<Action>,
    /// Whether the live stream serves it (`POST /api/streams/{stream}/subscriptions`).
    pub live: bool,
    /// Whether its objects have logs (`…/{obj}/logs`).
    pub logs: bool,
}

impl KindInfo {
    fn of_spec(spec: &KindSpec) -> KindInfo {
        KindInfo {
            group: spec.group.into(),
            version: spec.version.into(),
            kind: spec.kind.into(),
            plural: spec.plural.into(),
            scope: spec.scope,
            label: spec.label.into(),
            short_names: spec.short_names.iter().map(|s| s.to_string()).collect(),
            category: Some(spec.category),
            builtin: true,
            actions: spec.actions(),
            // Every built-in kind can be watched.
            live: true,
            logs: has_logs(spec.group, spec.plural),
        }
    }

    fn of_served(served: &Served, custom: bool) -> KindInfo {
        let api = &served.api;
        let has = |verb: &str| served.verbs.iter().any(|v| v == verb);
        KindInfo {
            group: api.group.clone(),
            version: api.version.clone(),
            kind: api.kind.clone(),
            plural: api.plural.clone(),
            scope: served.scope,
            label: api.kind.clone(),
            short_names: served.short_names.clone(),
            category: custom.then_some(Category::Custom),
            builtin: false,
            actions: Action::of_kind(&api.group, &api.plural).into_iter().filter(|a| has(a.verb())).collect(),
            live: has("watch"),
            logs: false,
        }
    }
}

/// The answer: the kinds, and the parts that could not be read.
#[derive(Debug, Serialize, TS)]
pub struct KindList {
    /// Built-ins in sidebar order, then discovered kinds by name.
    pub kinds: Vec<KindInfo>,
    /// By part: `discovery` (no kinds beyond the table) or `customResourceDefinitions` (the
    /// caller may not list CRDs: custom resources are listed without their sidebar section).
    pub errors: BTreeMap<&'static str, Failure>,
}

/// The built-in table's rows as the kinds list answers them.
pub fn builtin_kinds() -> Vec<KindInfo> {
    KINDS.iter().map(KindInfo::of_spec).collect()
}

/// `GET /api/clusters/{cluster}/kinds`.
pub async fn kinds(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
) -> Result<Json<KindList>, ApiError> {
    let client = state.client_for(&cluster, &user)?;
    let crds: Api<DynamicObject> = Api::all_with(client.clone(), &crd_resource());
    let everything = ListParams::default();
    let (served, crd_names) = futures::join!(
        within(PART_TIMEOUT, state.kinds.served(&cluster, &client)),
        within(PART_TIMEOUT, crds.list_metadata(&everything)),
    );
    let mut errors = BTreeMap::new();
    let crd_names: HashSet<String> = match crd_names {
        Ok(list) => list.items.into_iter().filter_map(|crd| crd.metadata.name).collect(),
        Err(failure) => {
            errors.insert("customResourceDefinitions", failure);
            HashSet::new()
        }
    };
    let mut kinds = builtin_kinds();
    match served {
        Ok(served) => {
            let mut discovered: Vec<KindInfo> = served
                .iter()
                .filter(|s| !KINDS.iter().any(|k| k.group == s.api.group && k.plural == s.api.plural))
                .map(|s| KindInfo::of_served(s, crd_names.contains(&format!("{}.{}", s.api.plural, s.api.group))))
                .collect();
            discovered.sort_by(|a, b| (&a.kind, &a.group).cmp(&(&b.kind, &b.group)));
            kinds.extend(discovered);
        }
        Err(failure) => {
            errors.insert("discovery", failure);
        }
    }
    Ok(Json(KindList { kinds, errors }))
}
