//! The `periscope` binary: logging set-up, then the command line in `periscope::cli`.

use clap::Parser;
use periscope::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_env("PERISCOPE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().json().flatten_event(true).with_current_span(true).with_env_filter(filter);
    // The server logs to stdout (the container convention); tools keep stdout for their output.
    match cli.command {
        Command::Serve(_) => logs.init(),
        _ => logs.with_writer(std::io::stderr).init(),
    }
    match periscope::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "periscope failed");
            eprintln!("periscope: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
