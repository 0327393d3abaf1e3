//! One exec session after the upgrade: pumps bytes between the browser's WebSocket and the
//! container's process (opened before the upgrade, as the user), keeps the timers (heartbeat,
//! idle warning and close, maximum length), records, and reports how it ended.

use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{AttachedProcess, TerminalSize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::{
    Settings,
    protocol::{ClientControl, CloseReason, ServerControl},
    recording::Recording,
    registry::{Slot, now_ms},
};

/// A pong must come this long after a ping's interval.
const PONG_TIMEOUT: Duration = Duration::from_secs(10);
/// How often idleness is checked.
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// Output read at once.
const READ_BUFFER: usize = 32 * 1024;
/// A default shell that exits 127 this fast with no bytes either way found no shell.
const NO_SHELL_WINDOW: Duration = Duration::from_millis(1500);
/// How long output still drains after the process exited.
const DRAIN: Duration = Duration::from_millis(500);

/// How a session ended.
#[derive(Debug, Clone)]
pub struct Ended {
    pub reason: CloseReason,
    pub exit_code: Option<i32>,
    pub duration: Duration,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// An error worth a line in the audit row.
    pub error: Option<String>,
}

/// What a session runs with.
pub struct Pump {
    pub id: String,
    pub container: String,
    pub settings: Settings,
    pub slot: Slot,
    pub recording: Option<Recording>,
    /// The request named no command, so the no-shell probe applies.
    pub default_command: bool,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

/// The exit code of a finished process from its status (`None`: unknown).
fn exit_code(status: &Status) -> Option<i32> {
    if status.status.as_deref() == Some("Success") {
        return Some(0);
    }
    let causes = status.details.as_ref().and_then(|d| d.causes.as_deref()).unwrap_or_default();
    let cause = causes
        .iter()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))
        .and_then(|c| c.message.as_deref()?.parse().ok());
    // Runtimes that do not report an ExitCode cause (kwok among them) end the message with
    // Go's `exit status N`.
    cause.or_else(|| {
        let message = status.message.as_deref()?;
        message.rsplit_once("exit status ").and_then(|(_, code)| code.trim().parse().ok())
    })
}

async fn read_some(reader: &mut Option<impl AsyncRead + Unpin>, buf: &mut [u8]) -> std::io::Result<usize> {
    match reader {
        Some(r) => r.read(buf).await,
        None => std::future::pending().await,
    }
}

impl Pump {
    /// Runs the session to its end and closes the WebSocket.
    pub async fn run(mut self, socket: WebSocket, mut process: AttachedProcess) -> (Ended, Option<Recording>) {
        let started = Instant::now();
        let stats = self.slot.stats.clone();
        let (mut ws_tx, mut ws_rx) = socket.split();
        let mut stdin = process.stdin();
        let mut stdout = process.stdout();
        let mut stderr = process.stderr();
        let mut sizes = process.terminal_size();
        let mut status = Box::pin(
            process
                .take_status()
                .map_or_else(|| futures::future::Either::Left(std::future::pending()), futures::future::Either::Right),
        );
        let record_input = self.recording.as_ref().is_some_and(Recording::records_input);
        let hello = ServerControl::Hello { session_id: &self.id, container: &self.container, record_input };
        let _ = ws_tx.send(Message::Text(hello.text().into())).await;

        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + self.settings.heartbeat, self.settings.heartbeat);
        let mut idle_check = tokio::time::interval(IDLE_CHECK);
        let deadline = self.settings.max_session.map(|d| tokio::time::Instant::now() + d);
        let mut last_pong = Instant::now();
        let mut warned = false;
        let mut exit: Option<i32> = None;
        let mut error = None;
        let mut out = vec![0u8; READ_BUFFER];
        let mut err_buf = vec![0u8; READ_BUFFER];
        let mut stop = self.slot.stop.clone();
        let mut shutdown = self.shutdown.clone();

        let reason = loop {
            tokio::select! {
                _ = stop.changed() => {
                    break (*stop.borrow()).unwrap_or(CloseReason::Terminated);
                }
                _ = async { shutdown.wait_for(|s| *s).await.map(|_| ()) } => break CloseReason::ServerShutdown,
                _ = async { match deadline { Some(d) => tokio::time::sleep_until(d).await, None => std::future::pending().await } } => {
                    break CloseReason::Deadline;
                }
                msg = ws_rx.next() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break CloseReason::Client,
                    Some(Ok(Message::Binary(data))) => {
                        let Some(writer) = stdin.as_mut() else { continue };
                        if writer.write_all(&data).await.is_err() {
                            break CloseReason::StreamCanceled;
                        }
                        stats.bytes_in.fetch_add(data.len() as u64, std::sync::atomic::Ordering::Relaxed);
                        stats.touch();
                        warned = false;
                        if let Some(rec) = self.recording.as_mut() {
                            rec.input(&data).await;
                        }
                    }
                    Some(Ok(Message::Text(text))) => match ClientControl::parse(&text) {
                        Some(ClientControl::Close) => break CloseReason::Client,
                        Some(ClientControl::Resize { cols, rows }) => {
                            // `parse` keeps sizes within 1..=10,000, so they fit.
                            let (cols, rows) = (cols as u16, rows as u16);
                            if let Some(tx) = sizes.as_mut() {
                                let _ = tx.send(TerminalSize { width: cols, height: rows }).await;
                            }
                            if let Some(rec) = self.recording.as_mut() {
                                rec.resize(cols, rows).await;
                            }
                        }
                        None => {}
                    },
                    Some(Ok(Message::Pong(_))) => last_pong = Instant::now(),
                    Some(Ok(Message::Ping(_))) => {}
                },
                n = read_some(&mut stdout, &mut out) => match n {
                    Ok(0) | Err(_) => {
                        stdout = None;
                        if stderr.is_none() {
                            exit = finish(&mut status).await;
                            break self.exit_reason(exit, started, &stats);
                        }
                    }
                    Ok(n) => {
                        if !self.forward(&mut ws_tx, &out[..n], &stats).await {
                            break CloseReason::Client;
                        }
                    }
                },
                n = read_some(&mut stderr, &mut err_buf) => match n {
                    Ok(0) | Err(_) => {
                        stderr = None;
                        if stdout.is_none() {
                            exit = finish(&mut status).await;
                            break self.exit_reason(exit, started, &stats);
                        }
                    }
                    Ok(n) => {
                        if !self.forward(&mut ws_tx, &err_buf[..n], &stats).await {
                            break CloseReason::Client;
                        }
                    }
                },
                st = &mut status => {
                    exit = st.as_ref().and_then(exit_code);
                    if st.is_none() {
                        error = Some("the exec stream ended without a status".to_string());
                    }
                    // Output written just before the exit may still be on its way.
                    let drain = tokio::time::sleep(DRAIN);
                    tokio::pin!(drain);
                    loop {
                        tokio::select! {
                            _ = &mut drain => break,
                            n = read_some(&mut stdout, &mut out) => match n {
                                Ok(n) if n > 0 => { let _ = self.forward(&mut ws_tx, &out[..n], &stats).await; }
                                _ => { stdout = None; if stderr.is_none() { break } }
                            },
                            n = read_some(&mut stderr, &mut err_buf) => match n {
                                Ok(n) if n > 0 => { let _ = self.forward(&mut ws_tx, &err_buf[..n], &stats).await; }
                                _ => { stderr = None; if stdout.is_none() { break } }
                            },
                        }
                    }
                    break self.exit_reason(exit, started, &stats);
                }
                _ = heartbeat.tick() => {
                    if last_pong.elapsed() > self.settings.heartbeat + PONG_TIMEOUT {
                        break CloseReason::HeartbeatTimeout;
                    }
                    if ws_tx.send(Message::Ping(Default::default())).await.is_err() {
                        break CloseReason::Client;
                    }
                }
                _ = idle_check.tick() => {
                    let idle = Duration::from_millis(now_ms().saturating_sub(stats.last_io_ms.load(std::sync::atomic::Ordering::Relaxed)));
                    if idle >= self.settings.idle {
                        break CloseReason::Idle;
                    }
                    let warn_at = self.settings.idle.saturating_sub(self.settings.idle_warn);
                    if !warned && !self.settings.idle_warn.is_zero() && idle >= warn_at {
                        warned = true;
                        let remaining = (self.settings.idle - idle).as_secs_f64().ceil() as u64;
                        let warn = ServerControl::IdleWarn { seconds_remaining: remaining };
                        let _ = ws_tx.send(Message::Text(warn.text().into())).await;
                    }
                }
            }
        };
        if reason == CloseReason::NoShell {
            let message = "no shell found in the container (tried bash and sh)";
            let frame = ServerControl::Error { code: "E_NO_SHELL", message, retryable: false };
            let _ = ws_tx.send(Message::Text(frame.text().into())).await;
        }
        let closed = ServerControl::Closed { reason, exit_code: exit };
        let _ = ws_tx.send(Message::Text(closed.text().into())).await;
        let _ = ws_tx.send(Message::Close(None)).await;
        let duration = started.elapsed();
        let recording = self.recording.take();
        let id = std::mem::take(&mut self.id);
        // The session's place (caps, the session list) is free once the browser was told;
        // what follows only collects the upstream's error for the audit row.
        drop(self);
        if exit.is_none() {
            if let Ok(Err(e)) = tokio::time::timeout(Duration::from_secs(1), process.join()).await {
                tracing::warn!(session = %id, error = %e, "exec stream error");
                error = Some(e.to_string());
            }
        } else {
            process.abort();
        }
        let ended = Ended {
            reason,
            exit_code: exit,
            duration,
            bytes_in: stats.bytes_in.load(std::sync::atomic::Ordering::Relaxed),
            bytes_out: stats.bytes_out.load(std::sync::atomic::Ordering::Relaxed),
            error,
        };
        (ended, recording)
    }

    /// Sends output to the browser (and the recording); false when the browser is gone.
    async fn forward(
        &mut self,
        ws_tx: &mut futures::stream::SplitSink<WebSocket, Message>,
        bytes: &[u8],
        stats: &super::registry::Stats,
    ) -> bool {
        stats.bytes_out.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        stats.touch();
        if let Some(rec) = self.recording.as_mut() {
            rec.output(bytes).await;
        }
        ws_tx.send(Message::Binary(bytes.to_vec().into())).await.is_ok()
    }

    fn exit_reason(&self, exit: Option<i32>, started: Instant, stats: &super::registry::Stats) -> CloseReason {
        let silent = stats.bytes_out.load(std::sync::atomic::Ordering::Relaxed) == 0
            && stats.bytes_in.load(std::sync::atomic::Ordering::Relaxed) == 0;
        close_reason(exit, self.default_command && silent && started.elapsed() < NO_SHELL_WINDOW)
    }
}

/// Why a session whose process ended closed. `probe_failed_fast`: the default command's shell
/// probe ended at once without a byte either way, so an exit of 127 means no shell was found
/// (an explicit command that exits 127 is just an exit).
fn close_reason(exit: Option<i32>, probe_failed_fast: bool) -> CloseReason {
    match exit {
        Some(127) if probe_failed_fast => CloseReason::NoShell,
        Some(0) => CloseReason::Completed,
        Some(_) => CloseReason::ContainerExit,
        None => CloseReason::StreamCanceled,
    }
}

/// The exit status once the output ended (briefly waited for).
async fn finish<F: std::future::Future<Output = Option<Status>> + Unpin>(status: &mut F) -> Option<i32> {
    tokio::time::timeout(Duration::from_secs(2), status).await.ok().flatten().as_ref().and_then(exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_silent_fast_failing_probe_is_no_shell() {
        assert_eq!(close_reason(Some(127), true), CloseReason::NoShell);
        assert_eq!(close_reason(Some(127), false), CloseReason::ContainerExit, "a command that exits 127 itself");
        assert_eq!(close_reason(Some(0), true), CloseReason::Completed);
        assert_eq!(close_reason(Some(3), false), CloseReason::ContainerExit);
        assert_eq!(close_reason(None, true), CloseReason::StreamCanceled);
    }

    #[test]
    fn exit_codes_come_from_the_status() {
        let ok: Status = serde_json::from_value(serde_json::json!({"status": "Success"})).unwrap();
        assert_eq!(exit_code(&ok), Some(0));
        let three: Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}
        }))
        .unwrap();
        assert_eq!(exit_code(&three), Some(3));
        let wrapped: Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "reason": "InternalError",
            "message": "Internal error occurred: error executing command in container: cmd wait: sh -c exit 3: exit status 3"
        }))
        .unwrap();
        assert_eq!(exit_code(&wrapped), Some(3));
        let other: Status =
            serde_json::from_value(serde_json::json!({"status": "Failure", "message": "boom"})).unwrap();
        assert_eq!(exit_code(&other), None);
    }
}
