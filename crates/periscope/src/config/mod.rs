//! Configuration files: the cluster registry (`clusters.yaml`) and auth (`auth.yaml`).
//! Both are parsed and validated once at start-up; any error stops the server with a clear message.

pub mod auth;
pub mod clusters;
pub mod secret;

use std::path::{Path, PathBuf};

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not valid YAML of the expected shape.
    #[error("{path}: invalid YAML: {message}")]
    Parse { path: PathBuf, message: String },
    /// The file parsed but its content is not acceptable.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Reads and parses a YAML file into `T`; an empty file parses as `T::default()`.
pub(crate) fn read_yaml<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    parse_yaml(path, &text)
}

/// Parses YAML text (from `path`, for messages) into `T`; blank text is `T::default()`.
pub(crate) fn parse_yaml<T: serde::de::DeserializeOwned + Default>(path: &Path, text: &str) -> Result<T, ConfigError> {
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(T::default());
    }
    serde_saphyr::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.to_string() })
}
