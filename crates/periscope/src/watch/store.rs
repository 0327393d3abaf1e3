//! The in-memory store behind one upstream watch: the projected rows of every object it
//! saw, the current resourceVersion, and a bounded ring of recent deltas for resume.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::Arc,
};

use super::event::{Delta, DeltaKind, Snapshot, seq_of};

/// One object's row and the uid it belongs to (a name can be reused by a new object).
#[derive(Debug, Clone)]
struct Row {
    uid: String,
    json: Arc<str>,
}

/// Rows keyed by (namespace, name), so snapshots come out in the apiserver's list order.
#[derive(Debug)]
pub struct Store {
    rows: BTreeMap<(String, String), Row>,
    rv: String,
    /// Recent deltas, oldest first, at most `ring_cap`.
    ring: VecDeque<Arc<Delta>>,
    ring_cap: usize,
    /// A client that has seen everything up to this revision can be caught up from the ring.
    history_from: u64,
}

/// How a subscriber that already saw `rv` continues.
#[derive(Debug)]
pub enum Resume {
    /// Every delta after `rv`, in order (maybe none).
    Replay(Vec<Arc<Delta>>),
    /// The store no longer has history back to `rv`: the client must take a fresh snapshot.
    TooOld,
}

impl Store {
    /// An empty store keeping `ring_cap` recent deltas.
    pub fn new(ring_cap: usize) -> Self {
        Store { rows: BTreeMap::new(), rv: String::new(), ring: VecDeque::new(), ring_cap, history_from: u64::MAX }
    }

    /// Replaces everything with a fresh list (rows as `(namespace, name, uid, json)`) read at `rv`.
    pub fn replace(&mut self, rows: Vec<(String, String, String, Arc<str>)>, rv: String) {
        self.rows = rows.into_iter().map(|(ns, name, uid, json)| ((ns, name), Row { uid, json })).collect();
        self.ring.clear();
        self.history_from = seq_of(&rv).max(1);
        if seq_of(&rv) == 0 {
            // Not a number: resume can never be proven safe.
            self.history_from = u64::MAX;
        }
        self.rv = rv;
    }

    /// Applies one watch event and records it in the ring.
    pub fn apply(
        &mut self,
        kind: DeltaKind,
        ns: String,
        name: String,
        uid: String,
        row: Arc<str>,
        rv: String,
    ) -> Arc<Delta> {
        let key = (ns, name);
        match kind {
            DeltaKind::Added | DeltaKind::Modified => {
                self.rows.insert(key, Row { uid, json: row.clone() });
            }
            DeltaKind::Deleted => {
                // Only the object with this uid leaves; a newer one with the same name stays.
                if self.rows.get(&key).is_some_and(|r| r.uid == uid) {
                    self.rows.remove(&key);
                }
            }
        }
        self.rv = rv.clone();
        let delta = Arc::new(Delta {
            kind,
            seq: seq_of(&rv),
            rv,
            row,
            at: std::time::Instant::now(),
            plain: Default::default(),
        });
        if delta.seq == 0 {
            self.history_from = u64::MAX;
        }
        self.ring.push_back(delta.clone());
        while self.ring.len() > self.ring_cap {
            if let Some(old) = self.ring.pop_front() {
                // Whoever saw `old` can still be caught up with what follows it.
                self.history_from = self.history_from.max(old.seq);
            }
        }
        delta
    }

    /// Moves the resume point forward without a change (a watch bookmark).
    pub fn bookmark(&mut self, rv: String) {
        self.rv = rv;
    }

    /// The rows and resourceVersion now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot { rows: self.rows.values().map(|r| r.json.clone()).collect(), rv: self.rv.clone() }
    }

    /// The deltas a client that saw `rv` missed, if the ring still reaches back that far.
    pub fn resume_from(&self, rv: &str) -> Resume {
        let seen = seq_of(rv);
        let now = seq_of(&self.rv);
        if seen == 0 || seen < self.history_from || seen > now {
            return Resume::TooOld;
        }
        Resume::Replay(self.ring.iter().filter(|d| d.seq > seen).cloned().collect())
    }

    /// The current resourceVersion (where a re-watch starts).
    pub fn rv(&self) -> &str {
        &self.rv
    }

    /// Number of rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the store holds no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Approximate bytes of row JSON held (for metrics).
    pub fn bytes(&self) -> usize {
        self.rows.values().map(|r| r.json.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> Arc<str> {
        Arc::from(format!("{{\"name\":\"{name}\"}}").as_str())
    }

    fn put(store: &mut Store, kind: DeltaKind, name: &str, uid: &str, rv: u64) {
        store.apply(kind, "ns".into(), name.into(), uid.into(), row(name), rv.to_string());
    }

    #[test]
    fn snapshot_is_sorted_and_follows_deltas() {
        let mut s = Store::new(10);
        s.replace(vec![("ns".into(), "b".into(), "u2".into(), row("b"))], "5".into());
        put(&mut s, DeltaKind::Added, "a", "u1", 6);
        put(&mut s, DeltaKind::Deleted, "b", "u2", 7);
        let snap = s.snapshot();
        assert_eq!(snap.rv, "7");
        assert_eq!(snap.rows.iter().map(|r| r.to_string()).collect::<Vec<_>>(), vec!["{\"name\":\"a\"}"]);
    }

    #[test]
    fn delete_of_an_older_object_keeps_the_newer_one() {
        let mut s = Store::new(10);
        s.replace(vec![], "1".into());
        put(&mut s, DeltaKind::Added, "a", "new", 3);
        put(&mut s, DeltaKind::Deleted, "a", "old", 4);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn resume_replays_exactly_what_follows_and_refuses_what_the_ring_lost() {
        let mut s = Store::new(3);
        s.replace(vec![], "10".into());
        for rv in 11..=15 {
            put(&mut s, DeltaKind::Added, &format!("o{rv}"), &format!("u{rv}"), rv);
        }
        // Ring holds 13, 14, 15: a client at 12 or later can be caught up.
        match s.resume_from("12") {
            Resume::Replay(d) => assert_eq!(d.iter().map(|d| d.seq).collect::<Vec<_>>(), vec![13, 14, 15]),
            Resume::TooOld => panic!("12 is covered"),
        }
        match s.resume_from("15") {
            Resume::Replay(d) => assert!(d.is_empty()),
            Resume::TooOld => panic!("15 is current"),
        }
        assert!(matches!(s.resume_from("11"), Resume::TooOld));
        assert!(matches!(s.resume_from("99"), Resume::TooOld));
        assert!(matches!(s.resume_from("x"), Resume::TooOld));
    }

    #[test]
    fn the_list_revision_itself_is_a_resume_point() {
        let mut s = Store::new(3);
        s.replace(vec![], "10".into());
        put(&mut s, DeltaKind::Added, "a", "u", 12);
        match s.resume_from("10") {
            Resume::Replay(d) => assert_eq!(d.len(), 1),
            Resume::TooOld => panic!("list rv is covered"),
        }
    }
}
