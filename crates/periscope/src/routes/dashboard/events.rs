//! Recent warnings on the overview: the cluster's Warning events grouped by reason (newest
//! group first), each with the objects it concerns, so "12 × FailedScheduling" reads at a
//! glance and links to what is stuck. Normal events are left out: in triage they are noise.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Event;
use serde::Serialize;
use ts_rs::TS;

/// Reason groups shown.
pub const MAX_GROUPS: usize = 20;
/// Objects shown per group (its count covers all of them).
pub const MAX_OBJECTS: usize = 5;

/// An object a warning is about, with its latest message.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WarnedObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub message: String,
    /// Occurrences of this reason on this object.
    pub count: u32,
    pub last_seen: String,
}

/// Warning events of one reason.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WarningGroup {
    pub reason: String,
    /// Occurrences over all objects (events count their repeats).
    pub count: u32,
    /// How many objects it concerns; `objects` lists the newest few.
    pub object_count: usize,
    pub last_seen: String,
    pub objects: Vec<WarnedObject>,
}

/// The overview's warnings: newest groups first, capped (`truncated`), and the total count.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Warnings {
    pub total: u32,
    pub groups: Vec<WarningGroup>,
    pub truncated: bool,
}

/// When an event last happened: the first of its timestamps that is set, newest kind first
/// (core/v1 events written by old and new clients fill different ones; the object's creation
/// is the last resort, not a candidate: a repeated event was created at its first occurrence).
fn last_seen(e: &Event) -> Option<jiff::Timestamp> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| t.0)
        .or_else(|| e.last_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

fn occurrences(e: &Event) -> u32 {
    let n = e.series.as_ref().and_then(|s| s.count).or(e.count).unwrap_or(1);
    u32::try_from(n).unwrap_or(0).max(1)
}

/// One reason's objects by (kind, namespace, name): each with its newest event, and when that was.
type ObjectsOf<'a> = HashMap<(&'a str, Option<&'a str>, &'a str), (WarnedObject, jiff::Timestamp)>;

/// Groups `events` (Warning events) by reason, newest first.
pub fn warnings(events: &[Event]) -> Warnings {
    let mut groups: HashMap<&str, ObjectsOf<'_>> = HashMap::new();
    let mut total = 0u32;
    for e in events {
        let reason = e.reason.as_deref().unwrap_or("Unknown");
        let o = &e.involved_object;
        let (Some(kind), Some(name)) = (o.kind.as_deref(), o.name.as_deref()) else { continue };
        let seen = last_seen(e).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let count = occurrences(e);
        total = total.saturating_add(count);
        let entry =
            groups.entry(reason).or_default().entry((kind, o.namespace.as_deref(), name)).or_insert_with(|| {
                let object = WarnedObject {
                    api_version: o.api_version.clone().unwrap_or_default(),
                    kind: kind.to_string(),
                    namespace: o.namespace.clone(),
                    name: name.to_string(),
                    message: String::new(),
                    count: 0,
                    last_seen: String::new(),
                };
                (object, jiff::Timestamp::UNIX_EPOCH)
            });
        entry.0.count = entry.0.count.saturating_add(count);
        if seen >= entry.1 {
            entry.1 = seen;
            entry.0.message = e.message.clone().unwrap_or_default();
            entry.0.last_seen = seen.to_string();
        }
    }
    let mut out: Vec<(WarningGroup, jiff::Timestamp)> = groups
        .into_iter()
        .map(|(reason, objects)| {
            let mut objects: Vec<(WarnedObject, jiff::Timestamp)> = objects.into_values().collect();
            objects.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
            let newest = objects.first().map_or(jiff::Timestamp::UNIX_EPOCH, |o| o.1);
            let group = WarningGroup {
                reason: reason.to_string(),
                count: objects.iter().fold(0u32, |n, o| n.saturating_add(o.0.count)),
                object_count: objects.len(),
                last_seen: newest.to_string(),
                objects: objects.into_iter().take(MAX_OBJECTS).map(|(o, _)| o).collect(),
            };
            (group, newest)
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.reason.cmp(&b.0.reason)));
    let truncated = out.len() > MAX_GROUPS;
    Warnings { total, groups: out.into_iter().take(MAX_GROUPS).map(|(g, _)| g).collect(), truncated }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(reason: &str, name: &str, at: &str, count: i32, message: &str) -> Event {
        serde_json::from_value(json!({
            "metadata": {"name": format!("{name}.{reason}"), "namespace": "ns"},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "ns", "name": name},
            "reason": reason, "message": message, "type": "Warning", "count": count, "lastTimestamp": at
        }))
        .expect("event")
    }

    #[test]
    fn groups_by_reason_newest_first_with_counts_and_the_latest_message() {
        let events = [
            event("FailedScheduling", "a", "2026-01-01T10:00:00Z", 3, "0/2 nodes"),
            event("FailedScheduling", "b", "2026-01-01T10:05:00Z", 1, "0/2 nodes"),
            event("BackOff", "c", "2026-01-01T10:10:00Z", 7, "back-off restarting"),
            event("BackOff", "c", "2026-01-01T09:00:00Z", 2, "older"),
        ];
        let w = warnings(&events);
        assert_eq!(w.total, 13);
        let reasons: Vec<&str> = w.groups.iter().map(|g| g.reason.as_str()).collect();
        assert_eq!(reasons, ["BackOff", "FailedScheduling"], "newest group first");
        let backoff = &w.groups[0];
        assert_eq!((backoff.count, backoff.object_count), (9, 1));
        assert_eq!(backoff.objects[0].message, "back-off restarting", "the newest message");
        let scheduling = &w.groups[1];
        assert_eq!(scheduling.objects.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(scheduling.last_seen, "2026-01-01T10:05:00Z");
        assert!(!w.truncated);
    }
}
