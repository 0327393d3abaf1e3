//! Logs of a pod's own on the kwok test clusters: a kwok `Logs` object (kwok.x-k8s.io/v1alpha1,
//! named after its pod) that points each container at CRI-format files in a temp dir, so a test
//! writes history with chosen timestamps, appends lines live and writes a previous instance's log.
//!
//! kwok reads the files at request time, and only once its informer has seen the `Logs` object;
//! before that the pod is served the cluster-wide shared log. [`PodLogs::wait_served`] waits until
//! `kubectl logs` answers from these files. A pod that a test streams as soon as it appears (a
//! Deployment scaled up mid-stream) must not start before its `Logs` object exists: give its
//! template the scheduling gate [`LOGS_GATE`] and call [`PodLogs::ungate`] after creating the
//! object.

use std::{
    io::Write,
    path::PathBuf,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{TestCluster, cluster::kubectl};

/// A scheduling gate for pods that must wait for their `Logs` object (see the module doc).
pub const LOGS_GATE: &str = "periscope.dev/logs";

/// The pod template lines (YAML, indented by `indent` spaces) that put a pod on the kwok nodes.
pub fn kwok_placement(indent: usize) -> String {
    let pad = " ".repeat(indent);
    format!(
        "{pad}nodeSelector: {{type: kwok}}\n{pad}tolerations:\n{pad}  - {{key: kwok.x-k8s.io/node, operator: Exists, \
         effect: NoSchedule}}\n"
    )
}

/// `time` as RFC 3339 in UTC with nine fractional digits, as CRI log files and kubelets write it.
pub fn rfc3339_nano(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).expect("test times are after 1970");
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z", rem / 3600, rem / 60 % 60, rem % 60, since.subsec_nanos())
}

/// Howard Hinnant's days-to-civil: (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One CRI log line (`<RFC3339Nano> stdout F <text>\n`).
pub fn cri_line(time: SystemTime, text: &str) -> String {
    format!("{} stdout F {text}\n", rfc3339_nano(time))
}

/// A pod's own log files and the kwok `Logs` object that serves them.
#[must_use = "the log files are deleted when this is dropped, and kwok then fails to serve them"]
pub struct PodLogs {
    pub cluster: TestCluster,
    pub namespace: String,
    pub pod: String,
    containers: Vec<String>,
    dir: tempfile::TempDir,
}

impl PodLogs {
    /// Gives `pod` (which may not exist yet) empty current and previous logs for each of
    /// `containers` (init containers included: kwok serves only the containers listed).
    pub fn create(cluster: &TestCluster, namespace: &str, pod: &str, containers: &[&str]) -> PodLogs {
        Self::create_many(cluster, namespace, &[pod], containers).pop().expect("one pod asked for")
    }

    /// [`PodLogs::create`] for several pods with one kubectl call.
    pub fn create_many(cluster: &TestCluster, namespace: &str, pods: &[&str], containers: &[&str]) -> Vec<PodLogs> {
        let logs: Vec<PodLogs> = pods
            .iter()
            .map(|pod| {
                let logs = PodLogs {
                    cluster: cluster.clone(),
                    namespace: namespace.to_string(),
                    pod: pod.to_string(),
                    containers: containers.iter().map(|c| c.to_string()).collect(),
                    dir: tempfile::Builder::new().prefix(&format!("podlogs-{pod}-")).tempdir().expect("temp dir"),
                };
                for c in containers {
                    std::fs::write(logs.current_file(c), "").expect("create current log");
                    std::fs::write(logs.previous_file(c), "").expect("create previous log");
                }
                logs
            })
            .collect();
        let manifest: String = logs.iter().map(PodLogs::manifest).collect();
        cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
        logs
    }

    fn manifest(&self) -> String {
        let entries: String = self
            .containers
            .iter()
            .map(|c| {
                format!(
                    "    - containers: [{c}]\n      logsFile: {}\n      previousLogsFile: {}\n      follow: true\n",
                    self.current_file(c).display(),
                    self.previous_file(c).display()
                )
            })
            .collect();
        format!(
            "---\napiVersion: kwok.x-k8s.io/v1alpha1\nkind: Logs\nmetadata:\n  name: {}\n  namespace: {}\nspec:\n  logs:\n{entries}",
            self.pod, self.namespace
        )
    }

    fn check_container(&self, container: &str) {
        assert!(self.containers.iter().any(|c| c == container), "{}: no log file for container {container}", self.pod);
    }

    /// The file kwok serves as `container`'s current log.
    pub fn current_file(&self, container: &str) -> PathBuf {
        self.dir.path().join(format!("{container}.log"))
    }

    /// The file kwok serves as `container`'s previous instance's log (`previous=true`).
    pub fn previous_file(&self, container: &str) -> PathBuf {
        self.dir.path().join(format!("{container}.previous.log"))
    }

    /// Replaces `container`'s current log with `lines` (oldest first, as a container writes).
    pub fn write_history(&self, container: &str, lines: &[(SystemTime, &str)]) {
        self.check_container(container);
        std::fs::write(self.current_file(container), render(lines)).expect("write history");
    }

    /// Replaces `container`'s previous instance's log with `lines`.
    pub fn write_previous(&self, container: &str, lines: &[(SystemTime, &str)]) {
        self.check_container(container);
        std::fs::write(self.previous_file(container), render(lines)).expect("write previous log");
    }

    /// Appends one line stamped now to `container`'s current log (followers receive it);
    /// returns its timestamp.
    pub fn append(&self, container: &str, text: &str) -> SystemTime {
        let now = SystemTime::now();
        self.append_at(container, now, text);
        now
    }

    /// Appends one line stamped `time`.
    pub fn append_at(&self, container: &str, time: SystemTime, text: &str) {
        self.append_raw(container, &cri_line(time, text));
    }

    /// Appends already formatted CRI lines in one write (a whole line at a time, so a follower
    /// never sees half of one).
    pub fn append_raw(&self, container: &str, lines: &str) {
        self.open_append(container).write_all(lines.as_bytes()).expect("append to log");
    }

    /// `container`'s current log opened for appending (for writers that keep it open).
    pub fn open_append(&self, container: &str) -> std::fs::File {
        self.check_container(container);
        std::fs::OpenOptions::new().append(true).open(self.current_file(container)).expect("open log for append")
    }

    /// Removes the pod's scheduling gates, so it starts now that its `Logs` object exists.
    pub fn ungate(&self) {
        self.cluster.kubectl(&[
            "-n",
            &self.namespace,
            "patch",
            "pod",
            &self.pod,
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/spec/schedulingGates"}]"#,
        ]);
    }

    /// Waits (up to 60 s) until `kubectl logs` of every container answers from these files:
    /// the pod runs and kwok has seen the `Logs` object. Call it after writing the history.
    pub fn wait_served(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        for c in &self.containers {
            let current = std::fs::read_to_string(self.current_file(c)).expect("read log");
            let want = current.lines().last().map(message).unwrap_or_default();
            loop {
                let got = kubectl(
                    &self.cluster.kubectl_binary(),
                    &self.cluster.admin_kubeconfig(),
                    &["-n", &self.namespace, "logs", &self.pod, "-c", c, "--tail=1"],
                    None,
                );
                let last = match got {
                    Ok(out) if out.trim_end_matches('\n') == want => break,
                    Ok(out) | Err(out) => out,
                };
                assert!(
                    Instant::now() < deadline,
                    "kwok does not serve {}/{} container {c} from its own log after 60 s; last answer: {last}",
                    self.namespace,
                    self.pod
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn render(lines: &[(SystemTime, &str)]) -> String {
    lines.iter().map(|(t, text)| cri_line(*t, text)).collect()
}

/// The message of a CRI line (after `<time> <stream> <tag> `).
fn message(line: &str) -> String {
    line.splitn(4, ' ').nth(3).unwrap_or_default().to_string()
}

/// Names of the pods in `namespace` matching `selector` that are not being deleted, sorted.
pub fn live_pods(cluster: &TestCluster, namespace: &str, selector: &str) -> Vec<String> {
    let out = cluster.kubectl(&["-n", namespace, "get", "pods", "-l", selector, "-o", "json"]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("kubectl prints JSON");
    let mut names: Vec<String> = list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                .filter_map(|p| p["metadata"]["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Waits (up to 60 s) until exactly `count` live pods match `selector`; returns their names.
pub fn wait_pods(cluster: &TestCluster, namespace: &str, selector: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pods = live_pods(cluster, namespace, selector);
        if pods.len() == count {
            return pods;
        }
        assert!(Instant::now() < deadline, "{namespace}: {count} pods matching {selector} after 60 s: {pods:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_with_nanoseconds() {
        let t = UNIX_EPOCH + Duration::new(1_796_040_000, 5);
        assert_eq!(rfc3339_nano(t), "2026-11-30T12:00:00.000000005Z");
        assert_eq!(rfc3339_nano(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000000000Z");
        assert_eq!(rfc3339_nano(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
    }

    #[test]
    fn message_is_what_follows_the_tag() {
        assert_eq!(message("2026-11-30T12:00:00Z stdout F hello  world"), "hello  world");
    }
}
