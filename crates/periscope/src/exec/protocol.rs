//! The browser side of an exec session: the Go original's frame protocol. Binary frames are
//! stdin (in) and the merged output (out); text frames are JSON control messages.

use serde::{Deserialize, Serialize};

/// Why a session ended, as the `closed` frame and the `exec_close` row say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The command exited with status 0.
    Completed,
    /// The command exited with another status.
    ContainerExit,
    /// No input or output for the idle time.
    Idle,
    /// The browser stopped answering pings.
    HeartbeatTimeout,
    /// The browser closed the terminal.
    Client,
    /// The session reached its maximum length.
    Deadline,
    /// The apiserver refused the exec (RBAC).
    Forbidden,
    /// The default shell probe found no shell.
    NoShell,
    ServerError,
    /// The upstream stream broke.
    StreamCanceled,
    /// Ended from the session list (`DELETE /api/exec/sessions/{id}`).
    Terminated,
    /// The server is shutting down.
    ServerShutdown,
    /// Written on the next start for a session the server was killed during.
    ServerRestart,
}

impl CloseReason {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Completed => "completed",
            CloseReason::ContainerExit => "container_exit",
            CloseReason::Idle => "idle",
            CloseReason::HeartbeatTimeout => "heartbeat_timeout",
            CloseReason::Client => "client",
            CloseReason::Deadline => "deadline",
            CloseReason::Forbidden => "forbidden",
            CloseReason::NoShell => "no_shell",
            CloseReason::ServerError => "server_error",
            CloseReason::StreamCanceled => "stream_canceled",
            CloseReason::Terminated => "terminated",
            CloseReason::ServerShutdown => "server_shutdown",
            CloseReason::ServerRestart => "server_restart",
        }
    }
}

/// A control message from the browser; anything else is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientControl {
    Resize { cols: i64, rows: i64 },
    Close,
}

impl ClientControl {
    /// Parses a text frame; invalid JSON and unknown types are `None` (ignored, as the Go
    /// original does), and so are non-positive or absurd sizes.
    pub fn parse(text: &str) -> Option<ClientControl> {
        match serde_json::from_str(text).ok()? {
            ClientControl::Resize { cols, rows } if !(1..=10_000).contains(&cols) || !(1..=10_000).contains(&rows) => {
                None
            }
            other => Some(other),
        }
    }
}

/// A control message to the browser.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerControl<'a> {
    Hello {
        #[serde(rename = "sessionId")]
        session_id: &'a str,
        container: &'a str,
        /// Whether input is recorded (the terminal says so).
        #[serde(rename = "recordInput")]
        record_input: bool,
    },
    IdleWarn {
        #[serde(rename = "secondsRemaining")]
        seconds_remaining: u64,
    },
    Closed {
        reason: CloseReason,
        #[serde(rename = "exitCode")]
        exit_code: Option<i32>,
    },
    Error {
        code: &'a str,
        message: &'a str,
        retryable: bool,
    },
}

impl ServerControl<'_> {
    /// The frame's JSON text.
    pub fn text(&self) -> String {
        // Serialising these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_frames_parse_and_bad_ones_are_ignored() {
        assert_eq!(
            ClientControl::parse(r#"{"type":"resize","cols":80,"rows":24}"#),
            Some(ClientControl::Resize { cols: 80, rows: 24 })
        );
        assert_eq!(ClientControl::parse(r#"{"type":"close"}"#), Some(ClientControl::Close));
        assert_eq!(ClientControl::parse(r#"{"type":"resize","cols":0,"rows":24}"#), None);
        assert_eq!(ClientControl::parse(r#"{"type":"resize","cols":-3,"rows":24}"#), None);
        assert_eq!(ClientControl::parse("not json"), None);
        assert_eq!(ClientControl::parse(r#"{"type":"dance"}"#), None);
        let closed = ServerControl::Closed { reason: CloseReason::ContainerExit, exit_code: Some(3) }.text();
        assert_eq!(closed, r#"{"type":"closed","reason":"container_exit","exitCode":3}"#);
        let warn = ServerControl::IdleWarn { seconds_remaining: 30 }.text();
        assert_eq!(warn, r#"{"type":"idle_warn","secondsRemaining":30}"#);
    }
}
