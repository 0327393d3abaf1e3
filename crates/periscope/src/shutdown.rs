//! Graceful shutdown: SIGTERM or SIGINT stops accepting, lets requests drain, then exits.

use std::{future::Future, time::Duration};

/// How long in-flight requests get after the signal before the process exits anyway.
pub const DRAIN: Duration = Duration::from_secs(25);

/// Registers the SIGTERM and SIGINT handlers now (so a signal that arrives before the first
/// poll is not lost to the default action) and returns a future resolving on the first one.
pub fn install() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!(signal = "SIGTERM", "shutting down"),
            _ = interrupt.recv() => tracing::info!(signal = "SIGINT", "shutting down"),
        }
    })
}

/// Sends `server_shutdown` to every open live stream and ends them, before the drain starts.
pub fn announce(hub: &crate::watch::Hub) {
    hub.shutdown();
    tracing::info!(streams = hub.streams.list().len(), "live streams told to close");
}
