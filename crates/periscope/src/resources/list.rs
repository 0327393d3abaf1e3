//! Listing a kind as the caller: projected rows with name search, sorting by any column and
//! paging. Without `q`/`sort` and without a warm snapshot a request is one apiserver page (the
//! apiserver's own `limit`/`continue`). With them, the whole list is read once (in apiserver
//! pages) into a snapshot held for this identity, and pages, sorts and searches are served from
//! memory; the watch engine will keep such stores live behind this same function.

use std::{
    cmp::Ordering,
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine;
use kube::api::{Api, DynamicObject, ListParams};
use moka::sync::Cache;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{catalog::Kind, kinds::Scope, projection::Column};
use crate::{config::clusters::check_dns1123_label, error::ApiError};

/// The most rows one page may ask for.
pub const MAX_LIMIT: u32 = 5000;
/// Rows per page from a snapshot when the client does not say.
const DEFAULT_LIMIT: u32 = 100;
/// Objects per apiserver page while a snapshot is read.
const FILL_PAGE: u32 = 500;
/// A snapshot this young answers new first pages as it is.
const FRESH_FOR: Duration = Duration::from_secs(10);
/// An older one still answers them (stale-while-revalidate) while one background read
/// replaces it, so a big list never makes a user wait for a full re-read; past this age a
/// request reads the list again itself.
const STALE_FOR: Duration = Duration::from_secs(60);
/// A snapshot a client is paging through stays this long after its last use, so paging is
/// continuous: no row missed or repeated.
const PAGING_IDLE: Duration = Duration::from_secs(120);
/// Rows all snapshots together may hold.
const MAX_SNAPSHOT_ROWS: u64 = 2_000_000;
/// Longest `q`.
const MAX_Q: usize = 253;

/// Query parameters of a list request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    /// A column key, `-key` for descending.
    pub sort: Option<String>,
    pub limit: Option<u32>,
    #[serde(rename = "continue")]
    pub continue_token: Option<String>,
}

/// The list answer: projected rows plus what a client needs to page and to resume watching.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    #[ts(type = "Array<Row>")]
    pub items: Vec<Value>,
    pub columns: Vec<Column>,
    /// Token for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub continue_token: Option<String>,
    /// Rows matching the request (from a snapshot: exact; from an apiserver page: this page
    /// plus the apiserver's `remainingItemCount` when it reports one).
    pub total: u64,
    pub resource_version: Option<String>,
}

/// What a live watch store answers for a list.
pub enum LiveRead {
    /// The store is still at the resourceVersion the caller already holds rows for.
    Unchanged,
    /// Its rows in namespace/name order, with its resourceVersion.
    Rows(Vec<Value>, Option<String>),
}

/// Reads the live watch store for a (namespace, labelSelector), given the resourceVersion of
/// the rows already held (if any); `None` when no live store exists for that list.
pub type LiveRows<'a> = &'a (dyn Fn(&str, &str, Option<&str>) -> Option<LiveRead> + Sync);

/// Who is listing what, where: everything a snapshot is keyed by.
pub struct ListTarget<'a> {
    pub cluster: &'a str,
    /// The identity the client impersonates (user and groups); snapshots are never shared
    /// between identities, because RBAC may show them different objects.
    pub identity: String,
    pub client: kube::Client,
    pub kind: &'a Kind,
    /// The watch engine's live store for this identity and kind, if one is open: a list read
    /// from it agrees row for row with the stream's deltas and is never stale.
    pub live: Option<LiveRows<'a>>,
}

/// Row indices in display order, per (sort, q).
type Views = HashMap<(String, String), Arc<Vec<u32>>>;

/// One full read of a list, projected and in the apiserver's order (namespace, name).
struct Snapshot {
    /// The request key (cluster, identity, kind, namespace, selectors) it was read for; a
    /// continue token is honoured only for the same key, so no one pages through another
    /// identity's snapshot.
    key: String,
    rows: Vec<Value>,
    resource_version: Option<String>,
    read_at: std::time::Instant,
    /// Row orders already computed for (sort, q).
    views: Mutex<Views>,
}

/// Snapshots of full lists, per identity and query. Cheap to clone (shared caches), so a
/// background re-read can hold its own handle.
#[derive(Clone)]
pub struct ListSnapshots {
    /// The newest snapshot id by request key, while usable for new first pages.
    warm: Cache<String, u64>,
    /// Snapshots by id, while a client pages through them.
    by_id: Cache<u64, Arc<Snapshot>>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
    /// Keys being re-read in the background (one re-read per key at a time).
    refreshing: Arc<Mutex<std::collections::HashSet<String>>>,
}

impl Default for ListSnapshots {
    fn default() -> Self {
        ListSnapshots {
            warm: Cache::builder().max_capacity(10_000).time_to_live(STALE_FOR).build(),
            by_id: Cache::builder()
                .max_capacity(MAX_SNAPSHOT_ROWS)
                .weigher(|_, s: &Arc<Snapshot>| s.rows.len().max(1).try_into().unwrap_or(u32::MAX))
                .time_to_idle(PAGING_IDLE)
                .build(),
            next_id: Arc::new(std::sync::atomic::AtomicU64::new(rand::random::<u32>() as u64)),
            refreshing: Arc::default(),
        }
    }
}

/// A page position inside one snapshot, opaque to clients.
#[derive(Serialize, Deserialize)]
struct SnapshotToken {
    id: u64,
    offset: usize,
    sort: String,
    q: String,
}

const TOKEN_PREFIX: &str = "snap.";

impl SnapshotToken {
    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }

    fn decode(token: &str) -> Option<Result<SnapshotToken, ApiError>> {
        let body = token.strip_prefix(TOKEN_PREFIX)?;
        let bad = || ApiError::BadRequest("continue token is malformed".into());
        Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(body)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(bad),
        )
    }
}

/// A validated sort: column key and direction.
struct Sort<'a> {
    key: &'a str,
    descending: bool,
}

fn parse_sort<'a>(raw: &'a str, columns: &[Column]) -> Result<Sort<'a>, ApiError> {
    let (key, descending) = match raw.strip_prefix('-') {
        Some(key) => (key, true),
        None => (raw, false),
    };
    let known = columns.iter().any(|c| c.key == key) || matches!(key, "name" | "namespace" | "createdAt");
    if !known {
        let keys: Vec<&str> = columns.iter().map(|c| c.key.as_ref()).collect();
        return Err(ApiError::BadRequest(format!("cannot sort by {key:?}; columns are {}", keys.join(", "))));
    }
    Ok(Sort { key, descending })
}

/// Orders cells: nulls last, numbers numerically, booleans false < true, the rest as text.
fn compare_cells(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => natural(x, y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Text order where `2/3` < `10/3` and `pod-9` < `pod-10`: digit runs compare as numbers.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let by_number = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if by_number != Ordering::Equal {
                    return by_number;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|d| *d != b'0').unwrap_or(digits.len());
    &digits[start..]
}

fn name_of(row: &Value) -> &str {
    row.get("name").and_then(Value::as_str).unwrap_or("")
}

impl Snapshot {
    /// Row indices matching `q`, in `sort` order (ties by namespace, then name), computed once.
    fn view(&self, sort: &Option<Sort<'_>>, q: &str) -> Arc<Vec<u32>> {
        let key = (
            sort.as_ref().map_or(String::new(), |s| format!("{}{}", if s.descending { "-" } else { "" }, s.key)),
            q.to_string(),
        );
        // A poisoned map only lost a cached view; it is recomputed.
        if let Some(view) = self.views.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return view.clone();
        }
        let needle = q.to_lowercase();
        let mut order: Vec<u32> = (0..self.rows.len() as u32)
            .filter(|i| needle.is_empty() || name_of(&self.rows[*i as usize]).to_lowercase().contains(&needle))
            .collect();
        if let Some(sort) = sort {
            let cell = |i: &u32| self.rows[*i as usize].get(sort.key).unwrap_or(&Value::Null);
            // Stable: equal cells keep the apiserver's namespace/name order.
            order.sort_by(|a, b| {
                let by_cell = compare_cells(cell(a), cell(b));
                if sort.descending { by_cell.reverse() } else { by_cell }
            });
        }
        let view = Arc::new(order);
        self.views.lock().unwrap_or_else(|p| p.into_inner()).insert(key, view.clone());
        view
    }
}

fn api_for(kind: &Kind, client: kube::Client, namespace: Option<&str>) -> Result<Api<DynamicObject>, ApiError> {
    match (kind.scope, namespace) {
        (Scope::Cluster, Some(_)) => {
            Err(ApiError::BadRequest(format!("{} are cluster-scoped: drop the namespace parameter", kind.api.plural)))
        }
        (Scope::Namespaced, Some(ns)) => {
            check_dns1123_label(ns).map_err(|why| ApiError::BadRequest(format!("namespace {ns:?}: {why}")))?;
            Ok(Api::namespaced_with(client, ns, &kind.api))
        }
        (_, None) => Ok(Api::all_with(client, &kind.api)),
    }
}

fn selectors(query: &ListQuery) -> ListParams {
    let mut params = ListParams::default();
    if let Some(selector) = query.label_selector.as_deref().filter(|s| !s.is_empty()) {
        params = params.labels(selector);
    }
    if let Some(selector) = query.field_selector.as_deref().filter(|s| !s.is_empty()) {
        params = params.fields(selector);
    }
    params
}

impl ListSnapshots {
    /// One page of `target`'s list as `query` asks.
    pub async fn list(&self, target: ListTarget<'_>, query: ListQuery) -> Result<ListPage, ApiError> {
        let columns = target.kind.columns();
        let namespace = query.namespace.as_deref().filter(|ns| !ns.is_empty());
        let api = api_for(target.kind, target.client.clone(), namespace)?;
        let limit = match query.limit {
            Some(l) if l == 0 || l > MAX_LIMIT => {
                return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}")));
            }
            other => other,
        };
        let q = query.q.as_deref().unwrap_or("").trim().to_string();
        if q.len() > MAX_Q {
            return Err(ApiError::BadRequest(format!("q is longer than {MAX_Q} characters")));
        }
        let sort = query.sort.as_deref().filter(|s| !s.is_empty()).map(|s| parse_sort(s, &columns)).transpose()?;
        let token = query.continue_token.as_deref().filter(|t| !t.is_empty());

        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            target.cluster,
            target.identity,
            target.kind.path(),
            namespace.unwrap_or(""),
            query.label_selector.as_deref().unwrap_or(""),
            query.field_selector.as_deref().unwrap_or("")
        );
        if let Some(decoded) = token.and_then(SnapshotToken::decode) {
            let position = decoded?;
            let snapshot = self.by_id.get(&position.id).filter(|s| s.key == key).ok_or_else(|| {
                ApiError::Gone("the list this page belongs to has expired; start again from the first page".into())
            })?;
            let sort = if position.sort.is_empty() { None } else { Some(parse_sort(&position.sort, &columns)?) };
            return Ok(page(&snapshot, position.id, columns.clone(), &sort, &position.q, position.offset, limit));
        }

        let warm = self.warm.get(&key).and_then(|id| self.by_id.get(&id).map(|s| (id, s)));
        // A live store (no field selector: watches are keyed without one) beats any snapshot.
        // The warm snapshot is reused (with its sorted and filtered views) while the store has
        // not moved past its resourceVersion.
        let no_field_selector = query.field_selector.as_deref().is_none_or(str::is_empty);
        if let (Some(read), None, true) = (target.live, token, no_field_selector) {
            let (ns, selector) = (namespace.unwrap_or(""), query.label_selector.as_deref().unwrap_or(""));
            let known = warm.as_ref().and_then(|(_, s)| s.resource_version.as_deref());
            match read(ns, selector, known) {
                Some(LiveRead::Unchanged) => {
                    if let Some((id, snapshot)) = &warm {
                        return Ok(page(snapshot, *id, columns.clone(), &sort, &q, 0, limit));
                    }
                }
                Some(LiveRead::Rows(rows, resource_version)) => {
                    let (id, snapshot) = self.adopt(key, rows, resource_version);
                    return Ok(page(&snapshot, id, columns.clone(), &sort, &q, 0, limit));
                }
                None => {}
            }
        }
        let wants_snapshot = sort.is_some() || !q.is_empty();
        match (warm, token) {
            (Some((id, snapshot)), None) => {
                if snapshot.read_at.elapsed() >= FRESH_FOR {
                    self.refresh_in_background(target.cluster, api, &query, target.kind, key);
                }
                Ok(page(&snapshot, id, columns.clone(), &sort, &q, 0, limit))
            }
            (None, None) if wants_snapshot => {
                let (id, snapshot) = self.read(target.cluster, &api, &query, target.kind, key).await?;
                Ok(page(&snapshot, id, columns.clone(), &sort, &q, 0, limit))
            }
            // An apiserver continue token, or a plain request with nothing warm: one apiserver page.
            _ => {
                if wants_snapshot {
                    return Err(ApiError::BadRequest(
                        "an apiserver continue token cannot be combined with q or sort".into(),
                    ));
                }
                apiserver_page(target.cluster, &api, &query, target.kind, columns.clone(), limit, token).await
            }
        }
    }
}

impl ListSnapshots {
    /// Reads the list into a new snapshot and makes it the warm one for `key`.
    async fn read(
        &self,
        cluster: &str,
        api: &Api<DynamicObject>,
        query: &ListQuery,
        kind: &Kind,
        key: String,
    ) -> Result<(u64, Arc<Snapshot>), ApiError> {
        let snapshot = Arc::new(read_all(cluster, api, query, kind, key.clone()).await?);
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.by_id.insert(id, snapshot.clone());
        self.warm.insert(key, id);
        Ok((id, snapshot))
    }

    /// Holds a live store's rows as the snapshot for `key`, so later pages of this first page
    /// page through exactly these rows.
    fn adopt(&self, key: String, rows: Vec<Value>, resource_version: Option<String>) -> (u64, Arc<Snapshot>) {
        let snapshot = Arc::new(Snapshot {
            key: key.clone(),
            rows,
            resource_version,
            read_at: std::time::Instant::now(),
            views: Mutex::default(),
        });
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.by_id.insert(id, snapshot.clone());
        self.warm.insert(key, id);
        (id, snapshot)
    }

    /// Starts one background re-read of `key` unless one is running.
    fn refresh_in_background(
        &self,
        cluster: &str,
        api: Api<DynamicObject>,
        query: &ListQuery,
        kind: &Kind,
        key: String,
    ) {
        {
            // A poisoned set only loses "in flight" marks; at worst one extra re-read runs.
            let mut refreshing = self.refreshing.lock().unwrap_or_else(|p| p.into_inner());
            if !refreshing.insert(key.clone()) {
                return;
            }
        }
        let (this, cluster, kind) = (self.clone(), cluster.to_string(), kind.clone());
        let query = ListQuery {
            label_selector: query.label_selector.clone(),
            field_selector: query.field_selector.clone(),
            ..ListQuery::default()
        };
        tokio::spawn(async move {
            if let Err(e) = this.read(&cluster, &api, &query, &kind, key.clone()).await {
                tracing::warn!(cluster = %cluster, kind = %kind.path(), error = %e, "background list re-read failed");
                // Whatever failed, the next request reads (and reports) itself: a user whose
                // access was just revoked gets the apiserver's 403, not the stale rows.
                this.warm.invalidate(&key);
            }
            this.refreshing.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        });
    }
}

/// Rows `offset..offset+limit` of the snapshot's view for (sort, q).
fn page(
    snapshot: &Snapshot,
    id: u64,
    columns: Vec<Column>,
    sort: &Option<Sort<'_>>,
    q: &str,
    offset: usize,
    limit: Option<u32>,
) -> ListPage {
    let view = snapshot.view(sort, q);
    let limit = limit.unwrap_or(DEFAULT_LIMIT) as usize;
    let end = (offset + limit).min(view.len());
    let items = view.get(offset..end).unwrap_or(&[]).iter().map(|i| snapshot.rows[*i as usize].clone()).collect();
    let continue_token = (end < view.len()).then(|| {
        SnapshotToken {
            id,
            offset: end,
            sort: sort.as_ref().map_or(String::new(), |s| format!("{}{}", if s.descending { "-" } else { "" }, s.key)),
            q: q.to_string(),
        }
        .encode()
    });
    ListPage {
        items,
        columns,
        continue_token,
        total: view.len() as u64,
        resource_version: snapshot.resource_version.clone(),
    }
}

/// Reads every object of the list in apiserver pages and projects them.
async fn read_all(
    cluster: &str,
    api: &Api<DynamicObject>,
    query: &ListQuery,
    kind: &Kind,
    key: String,
) -> Result<Snapshot, ApiError> {
    let mut params = selectors(query).limit(FILL_PAGE);
    let mut rows = Vec::new();
    loop {
        let list = api.list(&params).await.map_err(|e| ApiError::from_kube(cluster, e))?;
        rows.extend(list.items.iter().map(|obj| kind.project(obj)));
        match list.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(next) => params = params.continue_token(&next),
            None => {
                return Ok(Snapshot {
                    key,
                    rows,
                    resource_version: list.metadata.resource_version,
                    read_at: std::time::Instant::now(),
                    views: Mutex::default(),
                });
            }
        }
    }
}

/// One apiserver page, projected.
async fn apiserver_page(
    cluster: &str,
    api: &Api<DynamicObject>,
    query: &ListQuery,
    kind: &Kind,
    columns: Vec<Column>,
    limit: Option<u32>,
    token: Option<&str>,
) -> Result<ListPage, ApiError> {
    let mut params = selectors(query);
    if let Some(limit) = limit {
        params = params.limit(limit);
    }
    if let Some(token) = token {
        params = params.continue_token(token);
    }
    let list = api.list(&params).await.map_err(|e| ApiError::from_kube(cluster, e))?;
    let items: Vec<Value> = list.items.iter().map(|obj| kind.project(obj)).collect();
    let remaining = list.metadata.remaining_item_count.unwrap_or(0).max(0) as u64;
    Ok(ListPage {
        total: items.len() as u64 + remaining,
        items,
        columns,
        continue_token: list.metadata.continue_.filter(|c| !c.is_empty()),
        resource_version: list.metadata.resource_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_order_numbers_and_digit_runs_naturally_with_nulls_last() {
        let mut cells = vec![json!("pod-10"), Value::Null, json!("pod-9"), json!("pod-09a")];
        cells.sort_by(compare_cells);
        assert_eq!(cells, vec![json!("pod-9"), json!("pod-09a"), json!("pod-10"), Value::Null]);
        assert_eq!(compare_cells(&json!(2), &json!(10)), Ordering::Less);
        assert_eq!(compare_cells(&json!("2/3"), &json!("10/3")), Ordering::Less);
    }

    #[test]
    fn views_filter_by_name_and_sort_stably() {
        let rows = vec![
            json!({"name": "api-1", "restarts": 3}),
            json!({"name": "web-1", "restarts": 1}),
            json!({"name": "web-2", "restarts": 3}),
        ];
        let snapshot = Snapshot {
            key: String::new(),
            rows,
            resource_version: None,
            read_at: std::time::Instant::now(),
            views: Mutex::default(),
        };
        let desc = Some(Sort { key: "restarts", descending: true });
        assert_eq!(*snapshot.view(&desc, ""), vec![0, 2, 1], "ties keep the apiserver order");
        assert_eq!(*snapshot.view(&None, "WEB"), vec![1, 2], "q is a case-insensitive name substring");
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_a_bad_request() {
        let token = SnapshotToken { id: 7, offset: 100, sort: "-name".into(), q: "web".into() }.encode();
        let back = SnapshotToken::decode(&token).expect("ours").expect("valid");
        assert_eq!((back.id, back.offset, back.sort.as_str(), back.q.as_str()), (7, 100, "-name", "web"));
        assert!(matches!(SnapshotToken::decode("snap.!!!"), Some(Err(ApiError::BadRequest(_)))));
        assert!(SnapshotToken::decode("eyJhbGciOi").is_none(), "apiserver tokens pass through");
    }
}
