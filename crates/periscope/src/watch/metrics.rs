//! Counters and gauges of the watch engine, rendered as Prometheus text.

use std::{
    fmt::Write,
    sync::atomic::{AtomicI64, AtomicU64, Ordering},
};

/// Live numbers of the watch engine; updated with relaxed atomics.
#[derive(Debug, Default)]
pub struct Metrics {
    pub upstream_watches: AtomicI64,
    pub subscribers: AtomicI64,
    pub open_streams: AtomicI64,
    pub events_in: AtomicU64,
    pub events_out: AtomicU64,
    pub dropped: AtomicU64,
    pub relists: AtomicU64,
    pub rejected_streams: AtomicU64,
}

impl Metrics {
    /// The exposition text; `rows`/`bytes` are the stores' current totals.
    pub fn render(&self, rows: usize, bytes: usize) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            // Writing to a String cannot fail.
            let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
        };
        let get = |a: &AtomicI64| a.load(Ordering::Relaxed).max(0).to_string();
        let count = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        metric(
            "periscope_watch_upstream_watches",
            "gauge",
            "Upstream list+watch loops running.",
            get(&self.upstream_watches),
        );
        metric(
            "periscope_watch_subscribers",
            "gauge",
            "Subscriptions attached to upstream watches.",
            get(&self.subscribers),
        );
        metric(
            "periscope_watch_open_streams",
            "gauge",
            "Open SSE connections (per-kind and multiplexed).",
            get(&self.open_streams),
        );
        metric(
            "periscope_watch_events_in_total",
            "counter",
            "Watch events received from apiservers.",
            count(&self.events_in),
        );
        metric(
            "periscope_watch_events_out_total",
            "counter",
            "SSE events written to clients.",
            count(&self.events_out),
        );
        metric(
            "periscope_watch_dropped_subscribers_total",
            "counter",
            "Subscribers cut loose for falling behind.",
            count(&self.dropped),
        );
        metric("periscope_watch_relists_total", "counter", "Stores read again after 410 Gone.", count(&self.relists));
        metric(
            "periscope_watch_rejected_streams_total",
            "counter",
            "Streams refused by the per-user limit.",
            count(&self.rejected_streams),
        );
        metric("periscope_watch_store_rows", "gauge", "Projected rows held in all stores.", rows.to_string());
        metric("periscope_watch_store_bytes", "gauge", "Bytes of row JSON held in all stores.", bytes.to_string());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_series_with_type_lines() {
        let m = Metrics::default();
        m.events_in.fetch_add(3, Ordering::Relaxed);
        let text = m.render(10, 100);
        assert!(text.contains("# TYPE periscope_watch_events_in_total counter\nperiscope_watch_events_in_total 3\n"));
        assert!(text.contains("periscope_watch_store_rows 10\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with("# TYPE")).count(), 10);
    }
}
