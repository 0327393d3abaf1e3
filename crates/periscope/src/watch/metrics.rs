//! Counters and gauges of the watch engine, rendered as Prometheus text with the shared
//! primitives of `crate::telemetry`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::telemetry::{self, Histogram};

/// Upper bounds (seconds) of the delivery-latency histogram buckets.
const DELIVERY_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A Prometheus histogram of how long deltas took from the hub to a client's connection.
#[derive(Debug)]
pub struct DeliveryHistogram(Histogram);

impl Default for DeliveryHistogram {
    fn default() -> Self {
        DeliveryHistogram(Histogram::new(DELIVERY_BUCKETS))
    }
}

impl std::ops::Deref for DeliveryHistogram {
    type Target = Histogram;
    fn deref(&self) -> &Histogram {
        &self.0
    }
}

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
    /// From the hub applying a delta to its frame entering a client's connection.
    pub delivery: DeliveryHistogram,
}

impl Metrics {
    /// The exposition text; `rows`/`bytes` are the stores' current totals.
    pub fn render(&self, rows: usize, bytes: usize) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            telemetry::write_scalar(&mut out, name, kind, help, value)
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
        self.delivery.write_family(
            &mut out,
            "periscope_watch_delivery_seconds",
            "Time from a delta reaching the hub to its frame being handed to the client connection.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn renders_every_series_with_type_lines() {
        let m = Metrics::default();
        m.events_in.fetch_add(3, Ordering::Relaxed);
        let text = m.render(10, 100);
        assert!(text.contains("# TYPE periscope_watch_events_in_total counter\nperiscope_watch_events_in_total 3\n"));
        assert!(text.contains("periscope_watch_store_rows 10\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with("# TYPE")).count(), 11);
    }

    #[test]
    fn delivery_histogram_is_cumulative() {
        let m = Metrics::default();
        m.delivery.observe(Duration::from_micros(500));
        m.delivery.observe(Duration::from_millis(30));
        m.delivery.observe(Duration::from_secs(60));
        let text = m.render(0, 0);
        assert!(text.contains("periscope_watch_delivery_seconds_bucket{le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("periscope_watch_delivery_seconds_bucket{le=\"0.025\"} 1\n"), "{text}");
        assert!(text.contains("periscope_watch_delivery_seconds_bucket{le=\"0.05\"} 2\n"), "{text}");
        assert!(text.contains("periscope_watch_delivery_seconds_bucket{le=\"10\"} 2\n"), "{text}");
        assert!(text.contains("periscope_watch_delivery_seconds_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("periscope_watch_delivery_seconds_count 3\n"), "{text}");
    }
}
