//! Log streams: one pod, or every pod of a workload, as SSE in the Go original's wire format
//! (docs/api.md, "Logs"), plus downloads. Upstream follow streams are shared per audience,
//! pod and container (`upstream`); each viewer reads its own history and joins the live lines
//! after it (`source`); a task per viewer merges, filters and writes frames (`viewer`).

pub mod download;
pub mod filter;
pub mod line;
pub mod source;
pub mod upstream;
pub mod viewer;

use std::sync::atomic::Ordering;

pub use upstream::{LogHub, LogLimits};

use crate::telemetry::write_scalar;

/// Log flags of `periscope serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Pods one workload log stream reads at most (the rest are listed in `meta.omitted`).
    #[arg(long = "logs-max-pods", env = "PERISCOPE_LOGS_MAX_PODS", default_value_t = 50)]
    pub max_pods: usize,
    /// Upstream follow streams one user may hold open at once, shared streams counted once
    /// (0 = unlimited).
    #[arg(long = "logs-user-upstreams", env = "PERISCOPE_LOGS_USER_UPSTREAMS", default_value_t = 100)]
    pub user_upstreams: usize,
}

impl LogArgs {
    /// The limits these flags describe.
    pub fn limits(&self) -> LogLimits {
        LogLimits { max_pods: self.max_pods.max(1), user_upstreams: self.user_upstreams }
    }
}

impl LogHub {
    /// The log series of `/api/metrics`.
    pub fn render_metrics(&self, out: &mut String) {
        let m = &self.metrics;
        let series: [(&str, &str, &str, u64); 5] = [
            (
                "periscope_log_upstreams",
                "gauge",
                "Upstream log follow streams open.",
                m.upstreams.load(Ordering::Relaxed) as u64,
            ),
            (
                "periscope_log_viewers",
                "gauge",
                "Log viewers (SSE streams) open.",
                m.viewers.load(Ordering::Relaxed) as u64,
            ),
            (
                "periscope_log_lines_total",
                "counter",
                "Lines read from upstream follow streams.",
                m.lines.load(Ordering::Relaxed),
            ),
            (
                "periscope_log_dropped_total",
                "counter",
                "Lines dropped because a viewer read too slowly (each viewer is told how many).",
                m.dropped.load(Ordering::Relaxed),
            ),
            (
                "periscope_log_budget_refusals_total",
                "counter",
                "Pods not followed because their user held the most upstream streams allowed.",
                m.refused_budget.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, value) in series {
            write_scalar(out, name, kind, help, value);
        }
    }
}
