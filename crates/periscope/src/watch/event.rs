//! What flows from an upstream watch to subscribers, and how it is written as SSE frames
//! (the frozen wire format of the Go original, see docs/watch.md).

use std::{sync::Arc, time::Instant};

use axum::body::Bytes;

/// The kind of change a delta carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaKind {
    Added,
    Modified,
    Deleted,
}

impl DeltaKind {
    /// The SSE event name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeltaKind::Added => "added",
            DeltaKind::Modified => "modified",
            DeltaKind::Deleted => "deleted",
        }
    }
}

/// One change to a store, serialised once and shared by every subscriber.
#[derive(Debug)]
pub struct Delta {
    pub kind: DeltaKind,
    /// The object's resourceVersion after the change (the SSE `id:`).
    pub rv: String,
    /// `rv` as a number for ordering; 0 when the apiserver's rv is not numeric (then resume
    /// always falls back to a snapshot).
    pub seq: u64,
    /// The projected row as compact JSON (for `deleted`: the last row).
    pub row: Arc<str>,
    /// When the hub applied it: delivery latency is measured from here.
    pub at: Instant,
    /// The untagged frame, written once and shared by every per-kind subscriber.
    pub plain: std::sync::OnceLock<Bytes>,
}

/// A full view of a store at one resourceVersion.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Rows as compact JSON, in (namespace, name) order.
    pub rows: Vec<Arc<str>>,
    pub rv: String,
}

/// Messages an upstream watch sends to one subscriber.
#[derive(Debug, Clone)]
pub enum Update {
    Delta(Arc<Delta>),
    /// The store was read again (410 or a broken watch); the client replaces its list.
    Relist {
        reason: &'static str,
        snapshot: Arc<Snapshot>,
    },
    /// The upstream watch ended for good (e.g. access revoked); the stream closes.
    Fatal {
        code: &'static str,
        message: String,
    },
}

/// Parses a resourceVersion as the etcd revision it is in practice.
pub fn seq_of(rv: &str) -> u64 {
    rv.parse().unwrap_or(0)
}

/// Writes SSE frames, tagging each data object with `"sub"` on the multiplexed stream.
#[derive(Debug, Clone, Default)]
pub struct FrameWriter {
    /// The subscription id of the multiplexed stream, already JSON-encoded.
    sub: Option<String>,
}

impl FrameWriter {
    /// Frames for a per-kind stream.
    pub fn plain() -> Self {
        FrameWriter { sub: None }
    }

    /// Frames for subscription `id` on a multiplexed stream.
    pub fn tagged(id: &str) -> Self {
        FrameWriter { sub: Some(serde_json::Value::from(id).to_string()) }
    }

    /// `event: {event}` with the members of `data`, plus `sub` when tagged.
    pub fn members(&self, event: &str, mut data: serde_json::Map<String, serde_json::Value>) -> Bytes {
        if let Some(sub) = self.sub.as_deref().and_then(|s| serde_json::from_str(s).ok()) {
            data.insert("sub".into(), sub);
        }
        Self::frame(event, None, &serde_json::Value::Object(data).to_string())
    }

    /// `{` plus the `"sub"` member when tagged, ready for more members.
    fn open(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{{\"sub\":{sub},"),
            None => "{".to_string(),
        }
    }

    fn frame(event: &str, id: Option<&str>, data: &str) -> Bytes {
        let mut out = String::with_capacity(data.len() + 32);
        out.push_str("event: ");
        out.push_str(event);
        out.push('\n');
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            // A resourceVersion never holds a newline; refuse to write one that would break framing.
            if !id.contains(['\n', '\r']) {
                out.push_str("id: ");
                out.push_str(id);
                out.push('\n');
            }
        }
        out.push_str("data: ");
        out.push_str(data);
        out.push_str("\n\n");
        Bytes::from(out)
    }

    /// `event: snapshot` with every row.
    pub fn snapshot(&self, snapshot: &Snapshot) -> Bytes {
        let size = snapshot.rows.iter().map(|r| r.len() + 1).sum::<usize>() + 64;
        let mut data = String::with_capacity(size);
        data.push_str(&self.open());
        data.push_str("\"resourceVersion\":");
        data.push_str(&serde_json::Value::from(snapshot.rv.as_str()).to_string());
        data.push_str(",\"items\":[");
        for (i, row) in snapshot.rows.iter().enumerate() {
            if i > 0 {
                data.push(',');
            }
            data.push_str(row);
        }
        data.push_str("]}");
        Self::frame("snapshot", Some(&snapshot.rv), &data)
    }

    /// `event: added|modified|deleted` with `{"object": row}`.
    pub fn delta(&self, delta: &Delta) -> Bytes {
        if self.sub.is_none() {
            return delta.plain.get_or_init(|| self.render_delta(delta)).clone();
        }
        self.render_delta(delta)
    }

    fn render_delta(&self, delta: &Delta) -> Bytes {
        let data = format!("{}\"object\":{}}}", self.open(), delta.row);
        Self::frame(delta.kind.as_str(), Some(&delta.rv), &data)
    }

    /// An event with no payload but the tag: `backpressure`, `auth_expired`, `server_shutdown`.
    pub fn bare(&self, event: &str) -> Bytes {
        let data = match &self.sub {
            Some(sub) => format!("{{\"sub\":{sub}}}"),
            None => "{}".to_string(),
        };
        Self::frame(event, None, &data)
    }

    /// `event: relist` with its reason.
    pub fn relist(&self, reason: &str) -> Bytes {
        let data = format!("{}\"reason\":{}}}", self.open(), serde_json::Value::from(reason));
        Self::frame("relist", None, &data)
    }

    /// `event: error` with a message and an envelope code.
    pub fn error(&self, code: &str, message: &str) -> Bytes {
        let data = format!(
            "{}\"code\":{},\"message\":{}}}",
            self.open(),
            serde_json::Value::from(code),
            serde_json::Value::from(message)
        );
        Self::frame("error", None, &data)
    }

    /// Any other event with a JSON object payload (e.g. the multiplexed `stream` greeting).
    pub fn custom(event: &str, data: &serde_json::Value) -> Bytes {
        Self::frame(event, None, &data.to_string())
    }
}

/// The keep-alive comment sent every ping interval.
pub fn ping() -> Bytes {
    Bytes::from_static(b": ping\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta() -> Delta {
        Delta {
            kind: DeltaKind::Modified,
            rv: "42".into(),
            seq: 42,
            row: Arc::from("{\"name\":\"a\"}"),
            at: Instant::now(),
            plain: Default::default(),
        }
    }

    #[test]
    fn plain_delta_frame_matches_the_wire_format() {
        let frame = FrameWriter::plain().delta(&delta());
        assert_eq!(&frame[..], b"event: modified\nid: 42\ndata: {\"object\":{\"name\":\"a\"}}\n\n");
    }

    #[test]
    fn tagged_frames_carry_the_subscription() {
        let w = FrameWriter::tagged("s1");
        assert_eq!(
            &w.delta(&delta())[..],
            b"event: modified\nid: 42\ndata: {\"sub\":\"s1\",\"object\":{\"name\":\"a\"}}\n\n"
        );
        assert_eq!(&w.bare("backpressure")[..], b"event: backpressure\ndata: {\"sub\":\"s1\"}\n\n");
        let snap = Snapshot { rows: vec![Arc::from("{}"), Arc::from("[1]")], rv: "7".into() };
        let text = String::from_utf8(w.snapshot(&snap).to_vec()).expect("utf8");
        let data: serde_json::Value =
            serde_json::from_str(text.lines().find_map(|l| l.strip_prefix("data: ")).expect("data")).expect("json");
        assert_eq!(data, serde_json::json!({"sub": "s1", "resourceVersion": "7", "items": [{}, [1]]}));
    }

    #[test]
    fn ids_with_newlines_are_not_written() {
        let mut d = delta();
        d.rv = "1\nevent: x".into();
        let frame = FrameWriter::plain().delta(&d);
        assert!(!String::from_utf8_lossy(&frame).contains("event: x"));
    }
}
