//! Helm 3 release storage, read without the Helm SDK: a release is one Secret (type
//! `helm.sh/release.v1`) or ConfigMap per revision, labelled `owner=helm`, whose `release` key
//! holds base64(gzip(JSON)) (a Secret's data adds Kubernetes' own base64 on top).

use std::io::Read;

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest decompressed release Periscope reads (a chart with huge manifests or values).
pub const MAX_RELEASE_BYTES: u64 = 5 * 1024 * 1024;

/// Why a stored release could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("the release data is not base64: {0}")]
    Base64(String),
    #[error("the release data is not gzip: {0}")]
    Gzip(String),
    #[error("the release is larger than {} MiB uncompressed; Periscope does not read it", MAX_RELEASE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the release is not Helm's JSON: {0}")]
    Json(String),
}

/// One revision of a release, as Helm stores it (the fields Periscope reads).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Release {
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    pub version: i64,
    #[serde(default)]
    pub info: Info,
    #[serde(default)]
    pub chart: Chart,
    /// The values the user supplied.
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub manifest: String,
}

/// A revision's state.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Info {
    #[serde(default)]
    pub first_deployed: Option<String>,
    #[serde(default)]
    pub last_deployed: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
}

/// The chart a revision was made from.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Chart {
    #[serde(default)]
    pub metadata: ChartMetadata,
    /// The chart's default values.
    #[serde(default)]
    pub values: Option<Value>,
}

/// Chart.yaml's fields that a list shows.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChartMetadata {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub app_version: Option<String>,
    #[serde(default)]
    pub icon: Option<String>,
}

/// Decodes the `release` value of a storage object (a Secret's once Kubernetes' base64 of its
/// `data` is undone, as the typed client does).
pub fn decode(release: &str) -> Result<Release, DecodeError> {
    decode_as(release)
}

/// [`decode`] into another view of the release JSON (e.g. the whole chart, for an upgrade).
pub fn decode_as<T: serde::de::DeserializeOwned>(release: &str) -> Result<T, DecodeError> {
    let compressed = STANDARD.decode(release.trim()).map_err(|e| DecodeError::Base64(e.to_string()))?;
    // Helm gzips releases; very old ones were plain JSON.
    let json = if compressed.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let mut reader = flate2::read::GzDecoder::new(compressed.as_slice()).take(MAX_RELEASE_BYTES + 1);
        reader.read_to_end(&mut out).map_err(|e| DecodeError::Gzip(e.to_string()))?;
        out
    } else {
        compressed
    };
    if json.len() as u64 > MAX_RELEASE_BYTES {
        return Err(DecodeError::TooLarge);
    }
    serde_json::from_slice(&json).map_err(|e| DecodeError::Json(e.to_string()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use serde_json::json;
    use std::io::Write;

    /// `release` as Helm stores it in a ConfigMap (base64 of gzip of JSON).
    pub(crate) fn encode(release: &Value) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(release.to_string().as_bytes()).expect("gzip");
        STANDARD.encode(gz.finish().expect("gzip"))
    }

    fn sample() -> Value {
        json!({"name": "web", "namespace": "a", "version": 2,
               "info": {"status": "deployed", "description": "Upgrade complete", "notes": "hi"},
               "chart": {"metadata": {"name": "hello", "version": "0.1.0", "appVersion": "1.0"}, "values": {"replicas": 1}},
               "config": {"replicas": 3}, "manifest": "---\nkind: ConfigMap\n"})
    }

    #[test]
    fn a_stored_release_decodes() {
        let release = decode(&encode(&sample())).expect("decoded");
        assert_eq!(release.chart.metadata.app_version.as_deref(), Some("1.0"));
        assert_eq!(release.config, Some(json!({"replicas": 3})));
        assert_eq!(release.info.status, "deployed");
        let plain = decode(&STANDARD.encode(sample().to_string())).expect("old releases were not gzipped");
        assert_eq!(plain, release);
    }

    #[test]
    fn bad_and_huge_releases_are_refused_not_read() {
        assert!(matches!(decode("***"), Err(DecodeError::Base64(_))));
        assert!(matches!(decode(&STANDARD.encode([0x1f, 0x8b, 1, 2, 3])), Err(DecodeError::Gzip(_))));
        assert!(matches!(decode(&STANDARD.encode("{")), Err(DecodeError::Json(_))));
        let mut huge = sample();
        huge["manifest"] = json!("x".repeat(MAX_RELEASE_BYTES as usize + 10));
        assert_eq!(decode(&encode(&huge)), Err(DecodeError::TooLarge));
    }
}
