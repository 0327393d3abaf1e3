//! Process-wide metrics and their Prometheus text rendering (format 0.0.4).
//!
//! A part of the server declares what it measures as `static` families next to its code:
//!
//! ```ignore
//! static EVICTIONS: telemetry::Counter = telemetry::Counter::new("periscope_x_evictions_total", "…");
//! static LATENCY: telemetry::HistogramVec<1> =
//!     telemetry::HistogramVec::new("periscope_x_seconds", "…", ["op"], telemetry::LATENCY_BUCKETS);
//! EVICTIONS.inc();
//! LATENCY.observe(["read"], started.elapsed());
//! ```
//!
//! A family joins [`render`]'s output the first time it is used (or [`Family::register`]ed),
//! so `GET /api/metrics` needs no list of them. Numbers computed at render time from live state
//! (queue depths, store sizes) are written with [`write_scalar`] by `routes::metrics` instead.
//! Label values must come from small closed sets (route templates, verbs, cluster names),
//! never from object names or raw paths.

use std::{
    collections::BTreeMap,
    fmt::{Display, Write},
    sync::{
        Mutex, MutexGuard, Once,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

/// Bucket bounds (seconds) for request latencies, from a cache hit to a slow apiserver list.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The most buckets a histogram may have (plus `+Inf`); fixed so histograms are `const`.
const MAX_BUCKETS: usize = 16;

/// Families that have been used, rendered by [`render`].
static REGISTRY: Mutex<Vec<&'static dyn Family>> = Mutex::new(Vec::new());

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Metrics hold plain numbers; a panic elsewhere while the lock was held leaves them usable.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A metric family: a name, help text and one or more series.
pub trait Family: Sync {
    /// The family's name (the `_bucket`/`_sum`/`_count` base for histograms).
    fn name(&self) -> &'static str;
    /// Writes `# HELP`, `# TYPE` and every series.
    fn write(&self, out: &mut String);
    /// The registration guard of this family.
    fn once(&self) -> &Once;

    /// Makes the family part of [`render`]'s output (idempotent; using it does this too).
    fn register(&'static self)
    where
        Self: Sized,
    {
        self.once().call_once(|| lock(&REGISTRY).push(self));
    }
}

/// Every registered family, sorted by name, as Prometheus text appended to `out`.
pub fn render(out: &mut String) {
    let mut families = lock(&REGISTRY).clone();
    families.sort_by_key(|f| f.name());
    for family in families {
        family.write(out);
    }
}

/// Writes the `# HELP` and `# TYPE` lines of a family.
pub fn write_header(out: &mut String, name: &str, kind: &str, help: &str) {
    // Writing to a String cannot fail.
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
}

/// Writes a whole unlabelled family computed at render time (a gauge or counter of live state).
pub fn write_scalar(out: &mut String, name: &str, kind: &str, help: &str, value: impl Display) {
    write_header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// `{a="x",b="y"}` for label names and values, escaped as the text format requires; empty
/// for no labels.
pub fn label_set(names: &[&str], values: &[impl AsRef<str>]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let mut out = String::from("{");
    for (i, (name, value)) in names.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"");
        for c in value.as_ref().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// A monotonically increasing count.
pub struct Counter {
    name: &'static str,
    help: &'static str,
    value: AtomicU64,
    once: Once,
}

impl Counter {
    /// A counter named `name` (ending in `_total`).
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        Counter { name, help, value: AtomicU64::new(0), once: Once::new() }
    }

    /// Adds one.
    pub fn inc(&'static self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&'static self, n: u64) {
        self.register();
        self.value.fetch_add(n, Ordering::Relaxed);
    }
}

impl Family for Counter {
    fn name(&self) -> &'static str {
        self.name
    }
    fn write(&self, out: &mut String) {
        write_scalar(out, self.name, "counter", self.help, self.value.load(Ordering::Relaxed));
    }
    fn once(&self) -> &Once {
        &self.once
    }
}

/// A value that goes up and down.
pub struct Gauge {
    name: &'static str,
    help: &'static str,
    value: AtomicI64,
    once: Once,
}

impl Gauge {
    /// A gauge named `name`.
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        Gauge { name, help, value: AtomicI64::new(0), once: Once::new() }
    }

    /// Sets the value.
    pub fn set(&'static self, value: i64) {
        self.register();
        self.value.store(value, Ordering::Relaxed);
    }

    /// Adds `delta` (negative to subtract).
    pub fn add(&'static self, delta: i64) {
        self.register();
        self.value.fetch_add(delta, Ordering::Relaxed);
    }
}

impl Family for Gauge {
    fn name(&self) -> &'static str {
        self.name
    }
    fn write(&self, out: &mut String) {
        write_scalar(out, self.name, "gauge", self.help, self.value.load(Ordering::Relaxed));
    }
    fn once(&self) -> &Once {
        &self.once
    }
}

/// The cells of one histogram series: counts per bucket and the sum. Usable on its own (an
/// instance field, rendered by its owner) or as a series of a [`HistogramVec`].
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Non-cumulative counts per bucket; slot `bounds.len()` is `+Inf`.
    counts: [AtomicU64; MAX_BUCKETS + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// An empty histogram over ascending upper `bounds` in seconds (at most 16).
    pub const fn new(bounds: &'static [f64]) -> Self {
        assert!(bounds.len() <= MAX_BUCKETS, "too many histogram buckets");
        Histogram { bounds, counts: [const { AtomicU64::new(0) }; MAX_BUCKETS + 1], sum_nanos: AtomicU64::new(0) }
    }

    /// Records one observation.
    pub fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let slot = self.bounds.iter().position(|b| seconds <= *b).unwrap_or(self.bounds.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Writes the `_bucket` (cumulative), `_sum` and `_count` samples of this series; `labels`
    /// are the series' other labels as `a="x",b="y"` (no braces), or empty.
    pub fn write_samples(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (slot, count) in self.counts.iter().enumerate().take(self.bounds.len() + 1) {
            cumulative += count.load(Ordering::Relaxed);
            let le = self.bounds.get(slot).map_or_else(|| "+Inf".to_string(), f64::to_string);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}");
        }
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = write!(out, "{name}_sum{braces} {sum}\n{name}_count{braces} {cumulative}\n");
    }

    /// Writes this histogram as a whole unlabelled family.
    pub fn write_family(&self, out: &mut String, name: &str, help: &str) {
        write_header(out, name, "histogram", help);
        self.write_samples(out, name, "");
    }
}

/// Label values of one series.
type Key<const N: usize> = [String; N];

fn key<const N: usize>(values: [&str; N]) -> Key<N> {
    values.map(str::to_owned)
}

/// Label names and values of one series without the braces, for [`Histogram::write_samples`].
fn inner_labels<const N: usize>(names: &[&str; N], values: &Key<N>) -> String {
    let set = label_set(names, values);
    set.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or_default().to_string()
}

/// Counters keyed by `N` label values.
pub struct CounterVec<const N: usize> {
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
    series: Mutex<BTreeMap<Key<N>, u64>>,
    once: Once,
}

impl<const N: usize> CounterVec<N> {
    /// A counter family with these label names.
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; N]) -> Self {
        CounterVec { name, help, labels, series: Mutex::new(BTreeMap::new()), once: Once::new() }
    }

    /// Adds one to the series with these label values.
    pub fn inc(&'static self, values: [&str; N]) {
        self.register();
        *lock(&self.series).entry(key(values)).or_default() += 1;
    }
}

impl<const N: usize> Family for CounterVec<N> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn write(&self, out: &mut String) {
        write_header(out, self.name, "counter", self.help);
        for (values, count) in lock(&self.series).iter() {
            let _ = writeln!(out, "{}{} {count}", self.name, label_set(&self.labels, values));
        }
    }
    fn once(&self) -> &Once {
        &self.once
    }
}

/// Histograms keyed by `N` label values.
pub struct HistogramVec<const N: usize> {
    name: &'static str,
    help: &'static str,
    labels: [&'static str; N],
    bounds: &'static [f64],
    series: Mutex<BTreeMap<Key<N>, Histogram>>,
    once: Once,
}

impl<const N: usize> HistogramVec<N> {
    /// A histogram family with these label names and bucket bounds (seconds).
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: [&'static str; N],
        bounds: &'static [f64],
    ) -> Self {
        assert!(bounds.len() <= MAX_BUCKETS, "too many histogram buckets");
        HistogramVec { name, help, labels, bounds, series: Mutex::new(BTreeMap::new()), once: Once::new() }
    }

    /// Records one observation in the series with these label values.
    pub fn observe(&'static self, values: [&str; N], took: Duration) {
        self.register();
        lock(&self.series).entry(key(values)).or_insert_with(|| Histogram::new(self.bounds)).observe(took);
    }
}

impl<const N: usize> Family for HistogramVec<N> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn write(&self, out: &mut String) {
        write_header(out, self.name, "histogram", self.help);
        for (values, histogram) in lock(&self.series).iter() {
            histogram.write_samples(out, self.name, &inner_labels(&self.labels, values));
        }
    }
    fn once(&self) -> &Once {
        &self.once
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: &[f64] = &[0.01, 0.1, 1.0];

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let h = Histogram::new(BOUNDS);
        h.observe(Duration::from_millis(5));
        h.observe(Duration::from_millis(10));
        h.observe(Duration::from_millis(500));
        h.observe(Duration::from_secs(3));
        let mut out = String::new();
        h.write_family(&mut out, "t_seconds", "A test.");
        assert_eq!(
            out,
            "# HELP t_seconds A test.\n# TYPE t_seconds histogram\n\
             t_seconds_bucket{le=\"0.01\"} 2\nt_seconds_bucket{le=\"0.1\"} 2\n\
             t_seconds_bucket{le=\"1\"} 3\nt_seconds_bucket{le=\"+Inf\"} 4\n\
             t_seconds_sum 3.515\nt_seconds_count 4\n"
        );
    }

    #[test]
    fn labelled_histograms_put_le_after_their_labels() {
        static H: HistogramVec<2> = HistogramVec::new("t_req_seconds", "Requests.", ["route", "method"], BOUNDS);
        H.observe(["/api/x/{id}", "GET"], Duration::from_millis(50));
        let mut out = String::new();
        H.write(&mut out);
        assert!(out.contains("t_req_seconds_bucket{route=\"/api/x/{id}\",method=\"GET\",le=\"0.01\"} 0\n"), "{out}");
        assert!(out.contains("t_req_seconds_bucket{route=\"/api/x/{id}\",method=\"GET\",le=\"0.1\"} 1\n"), "{out}");
        assert!(out.contains("t_req_seconds_bucket{route=\"/api/x/{id}\",method=\"GET\",le=\"+Inf\"} 1\n"), "{out}");
        assert!(out.contains("t_req_seconds_sum{route=\"/api/x/{id}\",method=\"GET\"} 0.05\n"), "{out}");
        assert!(out.contains("t_req_seconds_count{route=\"/api/x/{id}\",method=\"GET\"} 1\n"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_set(&["a", "b"], &["x\"y", "p\\q\nr"]), "{a=\"x\\\"y\",b=\"p\\\\q\\nr\"}");
        assert_eq!(label_set(&[], &[] as &[&str]), "");
    }

    #[test]
    fn used_families_render_sorted_by_name() {
        static B: CounterVec<1> = CounterVec::new("t_render_b_total", "B.", ["code"]);
        static A: Gauge = Gauge::new("t_render_a", "A.");
        static UNUSED: Counter = Counter::new("t_render_unused_total", "Never touched.");
        B.inc(["200"]);
        B.inc(["200"]);
        B.inc(["503"]);
        A.set(7);
        let _ = &UNUSED;
        let mut out = String::new();
        render(&mut out);
        let a = out.find("# HELP t_render_a A.").expect("gauge rendered");
        let b = out.find("# HELP t_render_b_total B.").expect("counter rendered");
        assert!(a < b, "{out}");
        assert!(out.contains("t_render_a 7\n"), "{out}");
        assert!(out.contains("t_render_b_total{code=\"200\"} 2\nt_render_b_total{code=\"503\"} 1\n"), "{out}");
        assert!(!out.contains("t_render_unused_total"), "{out}");
    }
}
