//! The `periscope` binary: logging set-up, then the command line in `periscope::cli`.

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("PERISCOPE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().json().flatten_event(true).with_current_span(true).with_env_filter(filter).init();
    let cli = periscope::cli::Cli::parse();
    match periscope::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "periscope failed");
            eprintln!("periscope: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
