//! Chart repositories the server fetches from for installs and upgrades: classic HTTP(S)
//! repositories (`index.yaml` plus archives) and OCI registries (`oci://host/path`, anonymous or
//! token-challenged pulls). Every request goes through the SSRF guard (`guard.rs`); the server
//! downloads the chart archive itself and hands helm a local file, so helm never dials out.

use std::{collections::HashMap, io::Read, time::Duration};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::guard;

/// The largest `index.yaml` read (public indexes of big repositories run to tens of MB).
const MAX_INDEX_BYTES: usize = 32 * 1024 * 1024;
/// The largest chart archive downloaded.
pub const MAX_ARCHIVE_BYTES: usize = 10 * 1024 * 1024;
/// The most bytes an archive may unpack to (a small gzip can inflate enormously).
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most versions a listing answers.
pub const MAX_VERSIONS: usize = 50;
/// How long one repository operation (with its redirects and token exchange) may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a chart could not be fetched.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChartError {
    #[error(transparent)]
    Blocked(#[from] guard::Blocked),
    #[error("{0}")]
    UnsupportedRef(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    VersionNotFound(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    UnsupportedDeps(String),
}

/// Where a chart comes from: a repository and the chart's name in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ChartSource {
    /// `https://…` (a classic repository) or `oci://host/path` (a registry).
    pub repo: String,
    pub chart: String,
}

/// One version of a chart in a repository.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartVersion {
    pub version: String,
    pub app_version: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
}

/// A parsed repository reference.
#[derive(Debug, Clone, PartialEq)]
enum RepoRef {
    /// A classic repository: its base URL (ending in `/`).
    Http(url::Url),
    /// An OCI registry: `https://host[:port]` and the repository path of the chart.
    Oci { base: url::Url, repository: String },
}

fn parse_ref(source: &ChartSource) -> Result<RepoRef, ChartError> {
    let chart = source.chart.trim();
    let name_ok = !chart.is_empty()
        && chart.len() <= 253
        && chart.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !chart.starts_with('.');
    if !name_ok {
        return Err(ChartError::UnsupportedRef(format!("{chart:?} is not a chart name")));
    }
    let repo = source.repo.trim();
    if let Some(rest) = repo.strip_prefix("oci://") {
        let rest = rest.trim_end_matches('/');
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let base = url::Url::parse(&format!("https://{host}/"))
            .map_err(|e| ChartError::UnsupportedRef(format!("{repo:?} is not an OCI reference: {e}")))?;
        if host.is_empty() || base.path() != "/" || path.split('/').any(|s| s == ".." || s == ".") {
            return Err(ChartError::UnsupportedRef(format!("{repo:?} is not an OCI reference")));
        }
        let repository = if path.is_empty() { chart.to_string() } else { format!("{path}/{chart}") };
        return Ok(RepoRef::Oci { base, repository: repository.to_ascii_lowercase() });
    }
    let mut url = url::Url::parse(repo)
        .map_err(|e| ChartError::UnsupportedRef(format!("{repo:?} is not a repository URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ChartError::UnsupportedRef(format!(
            "{repo:?}: a repository is an http(s):// URL or an oci:// reference"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ChartError::UnsupportedRef("credentials in repository URLs are not accepted".into()));
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(RepoRef::Http(url))
}

/// Fetches from chart repositories through the SSRF guard.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
}

/// `index.yaml`: the entries of a classic repository.
#[derive(Debug, Deserialize)]
struct Index {
    #[serde(default)]
    entries: HashMap<String, Vec<IndexEntry>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexEntry {
    version: String,
    #[serde(default)]
    app_version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    urls: Vec<String>,
    #[serde(default)]
    digest: Option<String>,
}

/// An OCI image manifest's layers (the chart is one of them).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciManifest {
    #[serde(default)]
    layers: Vec<OciLayer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciLayer {
    media_type: String,
    digest: String,
}

/// The media type of a Helm chart layer in an OCI artifact.
const HELM_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/// `version` sorted newest first: semantic versions by precedence, then the rest by text.
fn newest_first(versions: &mut [ChartVersion]) {
    versions.sort_by(|a, b| match (semver::Version::parse(&a.version), semver::Version::parse(&b.version)) {
        (Ok(x), Ok(y)) => y.cmp(&x),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => b.version.cmp(&a.version),
    });
}

impl Fetcher {
    /// A fetcher; private addresses are dialled only with `allow_private`; `roots` are trusted
    /// beside the public certificate authorities.
    pub fn new(allow_private: bool, roots: Vec<reqwest::Certificate>) -> Self {
        Fetcher { client: guard::client(allow_private, roots), allow_private }
    }

    /// The chart's versions in its repository, newest first (at most [`MAX_VERSIONS`]).
    pub async fn versions(&self, source: &ChartSource) -> Result<Vec<ChartVersion>, ChartError> {
        within_deadline(async {
            let mut versions = match parse_ref(source)? {
                RepoRef::Http(base) => self
                    .index_entries(&base, &source.chart)
                    .await?
                    .into_iter()
                    .map(|e| ChartVersion {
                        version: e.version,
                        app_version: e.app_version,
                        description: e.description,
                        created: e.created,
                    })
                    .collect(),
                RepoRef::Oci { base, repository } => self.oci_tags(&base, &repository).await?,
            };
            newest_first(&mut versions);
            versions.truncate(MAX_VERSIONS);
            Ok(versions)
        })
        .await
    }

    /// The chart archive (`.tgz`) of `version`, checked against the digest the repository states.
    pub async fn archive(&self, source: &ChartSource, version: &str) -> Result<Vec<u8>, ChartError> {
        within_deadline(async {
            match parse_ref(source)? {
                RepoRef::Http(base) => {
                    let entries = self.index_entries(&base, &source.chart).await?;
                    let entry = entries.into_iter().find(|e| e.version == version).ok_or_else(|| {
                        ChartError::VersionNotFound(format!("chart {} has no version {version:?}", source.chart))
                    })?;
                    let first = entry.urls.first().ok_or_else(|| {
                        ChartError::Invalid(format!("the index lists no URL for {} {version}", source.chart))
                    })?;
                    let url = base.join(first).map_err(|e| ChartError::Invalid(format!("chart URL {first:?}: {e}")))?;
                    let bytes = self.get(url, None, MAX_ARCHIVE_BYTES).await?;
                    if let Some(digest) = entry.digest.filter(|d| !d.is_empty()) {
                        check_digest(&bytes, &digest)?;
                    }
                    Ok(bytes)
                }
                RepoRef::Oci { base, repository } => self.oci_archive(&base, &repository, version).await,
            }
        })
        .await
    }

    async fn index_entries(&self, base: &url::Url, chart: &str) -> Result<Vec<IndexEntry>, ChartError> {
        let url = base.join("index.yaml").map_err(|e| ChartError::UnsupportedRef(e.to_string()))?;
        let bytes = self.get(url, None, MAX_INDEX_BYTES).await?;
        let text = std::str::from_utf8(&bytes).map_err(|_| ChartError::Invalid("index.yaml is not UTF-8".into()))?;
        let mut index: Index = serde_saphyr::from_str(text)
            .map_err(|e| ChartError::Invalid(format!("index.yaml is not a chart repository index: {e}")))?;
        index
            .entries
            .remove(chart)
            .filter(|e| !e.is_empty())
            .ok_or_else(|| ChartError::NotFound(format!("the repository has no chart {chart:?}")))
    }

    /// GETs `url` (at most `limit` bytes) with an optional bearer token.
    async fn get(&self, url: url::Url, token: Option<&str>, limit: usize) -> Result<Vec<u8>, ChartError> {
        let response = self.send(url.clone(), token, &[]).await?;
        read_capped(response, limit, &url).await
    }

    async fn send(&self, url: url::Url, token: Option<&str>, accept: &[&str]) -> Result<reqwest::Response, ChartError> {
        guard::check_literal(&url, self.allow_private)?;
        let mut request = self.client.get(url.clone());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !accept.is_empty() {
            request = request.header(reqwest::header::ACCEPT, accept.join(", "));
        }
        let response = request.send().await.map_err(|e| transport(&e, &url))?;
        match response.status() {
            s if s.is_success() => Ok(response),
            reqwest::StatusCode::NOT_FOUND => Err(ChartError::NotFound(format!("{url} answered 404"))),
            reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN if token.is_some() => {
                Err(ChartError::Unauthorized(format!("{url} refused anonymous access ({})", response.status())))
            }
            reqwest::StatusCode::UNAUTHORIZED => Ok(response),
            s => Err(ChartError::Unreachable(format!("{url} answered {s}"))),
        }
    }

    /// GETs a registry URL, answering a bearer challenge with an anonymous token.
    async fn registry_get(
        &self,
        url: url::Url,
        token: &mut Option<String>,
        accept: &[&str],
    ) -> Result<reqwest::Response, ChartError> {
        let response = self.send(url.clone(), token.as_deref(), accept).await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let challenge = response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_challenge)
            .ok_or_else(|| ChartError::Unauthorized(format!("{url} needs credentials")))?;
        *token = Some(self.anonymous_token(&challenge).await?);
        let response = self.send(url.clone(), token.as_deref(), accept).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            return Err(ChartError::Unauthorized(format!("{url} refused anonymous access")));
        }
        Ok(response)
    }

    async fn anonymous_token(&self, challenge: &Challenge) -> Result<String, ChartError> {
        let mut url = url::Url::parse(&challenge.realm)
            .map_err(|e| ChartError::Unauthorized(format!("token realm {:?}: {e}", challenge.realm)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ChartError::Unauthorized(format!("token realm {:?} is not http(s)", challenge.realm)));
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = &challenge.service {
                query.append_pair("service", service);
            }
            if let Some(scope) = &challenge.scope {
                query.append_pair("scope", scope);
            }
        }
        let bytes = self.get(url, None, 64 * 1024).await?;
        #[derive(Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let answer: TokenAnswer = serde_json::from_slice(&bytes)
            .map_err(|e| ChartError::Unauthorized(format!("the registry's token answer: {e}")))?;
        answer
            .token
            .or(answer.access_token)
            .ok_or_else(|| ChartError::Unauthorized("the registry gave no anonymous token".into()))
    }

    async fn oci_tags(&self, base: &url::Url, repository: &str) -> Result<Vec<ChartVersion>, ChartError> {
        let url = base
            .join(&format!("v2/{repository}/tags/list?n=1000"))
            .map_err(|e| ChartError::UnsupportedRef(e.to_string()))?;
        let mut token = None;
        let response = self.registry_get(url.clone(), &mut token, &[]).await?;
        let bytes = read_capped(response, 4 * 1024 * 1024, &url).await?;
        #[derive(Deserialize)]
        struct Tags {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let tags: Tags =
            serde_json::from_slice(&bytes).map_err(|e| ChartError::Invalid(format!("the registry's tag list: {e}")))?;
        // Helm pushes `1.2.3+build` as the tag `1.2.3_build`; anything else is not a chart version.
        Ok(tags
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.replace('_', "+"))
            .filter(|t| semver::Version::parse(t).is_ok())
            .map(|version| ChartVersion { version, app_version: None, description: None, created: None })
            .collect())
    }

    async fn oci_archive(&self, base: &url::Url, repository: &str, version: &str) -> Result<Vec<u8>, ChartError> {
        let tag = version.replace('+', "_");
        let valid_tag = !tag.is_empty()
            && tag.len() <= 128
            && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid_tag {
            return Err(ChartError::VersionNotFound(format!("{version:?} is not a version")));
        }
        let url = base
            .join(&format!("v2/{repository}/manifests/{tag}"))
            .map_err(|e| ChartError::UnsupportedRef(e.to_string()))?;
        let mut token = None;
        let accept = ["application/vnd.oci.image.manifest.v1+json"];
        let response = match self.registry_get(url.clone(), &mut token, &accept).await {
            Err(ChartError::NotFound(_)) => {
                return Err(ChartError::VersionNotFound(format!("{repository} has no version {version:?}")));
            }
            other => other?,
        };
        let manifest: OciManifest = serde_json::from_slice(&read_capped(response, 1024 * 1024, &url).await?)
            .map_err(|e| ChartError::Invalid(format!("the registry's manifest: {e}")))?;
        let layer = manifest
            .layers
            .iter()
            .find(|l| l.media_type == HELM_LAYER)
            .ok_or_else(|| ChartError::Invalid(format!("{repository}:{tag} is not a Helm chart")))?;
        let digest = layer.digest.strip_prefix("sha256:").unwrap_or_default();
        if digest.len() != 64 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ChartError::Invalid(format!("unsupported layer digest {:?}", layer.digest)));
        }
        let url = base
            .join(&format!("v2/{repository}/blobs/{}", layer.digest))
            .map_err(|e| ChartError::UnsupportedRef(e.to_string()))?;
        let response = self.registry_get(url.clone(), &mut token, &[]).await?;
        let bytes = read_capped(response, MAX_ARCHIVE_BYTES, &url).await?;
        check_digest(&bytes, digest)?;
        Ok(bytes)
    }
}

/// A `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge.
#[derive(Debug, PartialEq)]
struct Challenge {
    realm: String,
    service: Option<String>,
    scope: Option<String>,
}

fn parse_challenge(header: &str) -> Option<Challenge> {
    let rest = header.trim().strip_prefix("Bearer ").or_else(|| header.trim().strip_prefix("bearer "))?;
    let mut fields = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_once(',').unwrap_or((after, "")),
        };
        fields.insert(key.trim().to_ascii_lowercase(), value.to_string());
        rest = next.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    }
    Some(Challenge { realm: fields.remove("realm")?, service: fields.remove("service"), scope: fields.remove("scope") })
}

async fn within_deadline<T>(work: impl std::future::Future<Output = Result<T, ChartError>>) -> Result<T, ChartError> {
    tokio::time::timeout(FETCH_TIMEOUT, work).await.unwrap_or_else(|_| {
        Err(ChartError::Timeout(format!("the repository did not answer within {} s", FETCH_TIMEOUT.as_secs())))
    })
}

fn transport(error: &reqwest::Error, url: &url::Url) -> ChartError {
    if let Some(blocked) = guard::blocked_in(error) {
        return ChartError::Blocked(blocked);
    }
    if error.is_timeout() {
        return ChartError::Timeout(format!("{url} did not answer in time"));
    }
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        reason = format!("{reason}: {e}");
        source = e.source();
    }
    ChartError::Unreachable(format!("{url}: {reason}"))
}

async fn read_capped(mut response: reqwest::Response, limit: usize, url: &url::Url) -> Result<Vec<u8>, ChartError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ChartError::Invalid(format!("{url} is larger than {} MiB", limit / 1024 / 1024)));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e, url))? {
        if bytes.len() + chunk.len() > limit {
            return Err(ChartError::Invalid(format!("{url} is larger than {} MiB", limit / 1024 / 1024)));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn check_digest(bytes: &[u8], expected: &str) -> Result<(), ChartError> {
    let actual: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    if actual.eq_ignore_ascii_case(expected.trim_start_matches("sha256:")) {
        Ok(())
    } else {
        Err(ChartError::Invalid(format!("the chart archive's digest is {actual}, the repository says {expected}")))
    }
}

/// What a chart archive says about itself.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartInfo {
    pub name: String,
    pub version: String,
    pub app_version: Option<String>,
    pub description: Option<String>,
}

/// The chart's metadata and default `values.yaml` text from its archive.
pub fn archive_values(archive: &[u8]) -> Result<(ChartInfo, String), ChartError> {
    let invalid = |what: String| ChartError::Invalid(format!("not a chart archive: {what}"));
    let decoder = flate2::read::GzDecoder::new(archive).take(MAX_UNPACKED_BYTES);
    let mut tar = tar::Archive::new(decoder);
    let (mut chart_yaml, mut values) = (None, None);
    for entry in tar.entries().map_err(|e| invalid(e.to_string()))? {
        let mut entry = entry.map_err(|e| invalid(e.to_string()))?;
        let path = entry.path().map_err(|e| invalid(e.to_string()))?.to_string_lossy().into_owned();
        let mut parts = path.splitn(2, '/');
        let (_top, file) = (parts.next(), parts.next().unwrap_or_default());
        let slot = match file {
            "Chart.yaml" => &mut chart_yaml,
            "values.yaml" => &mut values,
            _ => continue,
        };
        if slot.is_none() {
            let mut text = String::new();
            entry.read_to_string(&mut text).map_err(|e| invalid(format!("{path}: {e}")))?;
            *slot = Some(text);
        }
    }
    let chart_yaml = chart_yaml.ok_or_else(|| invalid("it has no Chart.yaml".into()))?;
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        name: String,
        version: String,
        #[serde(default)]
        app_version: Option<String>,
        #[serde(default)]
        description: Option<String>,
    }
    let meta: Meta = serde_saphyr::from_str(&chart_yaml).map_err(|e| invalid(format!("Chart.yaml: {e}")))?;
    let info = ChartInfo {
        name: meta.name,
        version: meta.version,
        app_version: meta.app_version,
        description: meta.description,
    };
    Ok((info, values.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(repo: &str, chart: &str) -> ChartSource {
        ChartSource { repo: repo.into(), chart: chart.into() }
    }

    #[test]
    fn references_parse_into_repositories_and_registries() {
        assert_eq!(
            parse_ref(&source("https://charts.example.com/stable", "web")).expect("http"),
            RepoRef::Http(url::Url::parse("https://charts.example.com/stable/").expect("url"))
        );
        assert_eq!(
            parse_ref(&source("oci://ghcr.io/acme/charts/", "Web")).expect("oci"),
            RepoRef::Oci {
                base: url::Url::parse("https://ghcr.io/").expect("url"),
                repository: "acme/charts/web".into()
            }
        );
        for (repo, chart) in [
            ("ftp://x/", "web"),
            ("file:///etc", "web"),
            ("https://u:p@x.example/", "web"),
            ("https://x.example/", "../web"),
            ("https://x.example/", ""),
            ("oci://", "web"),
            ("oci://host/../x", "web"),
            ("not a url", "web"),
        ] {
            assert!(parse_ref(&source(repo, chart)).is_err(), "{repo} {chart} must be refused");
        }
    }

    #[test]
    fn versions_sort_by_semantic_precedence() {
        let mut versions: Vec<ChartVersion> = ["1.2.0", "1.10.0", "1.10.0-rc.1", "latest", "0.9.9"]
            .iter()
            .map(|v| ChartVersion { version: v.to_string(), app_version: None, description: None, created: None })
            .collect();
        newest_first(&mut versions);
        let order: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(order, ["1.10.0", "1.10.0-rc.1", "1.2.0", "0.9.9", "latest"]);
    }

    #[test]
    fn bearer_challenges_parse() {
        let c =
            parse_challenge(r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull""#)
                .expect("a challenge");
        assert_eq!(
            c,
            Challenge {
                realm: "https://ghcr.io/token".into(),
                service: Some("ghcr.io".into()),
                scope: Some("repository:a/b:pull".into())
            }
        );
        assert!(parse_challenge("Basic realm=x").is_none());
        assert!(parse_challenge("Bearer service=x").is_none());
    }

    fn archive(files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        for (path, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, text.as_bytes()).expect("append");
        }
        builder.into_inner().expect("tar").finish().expect("gzip")
    }

    #[test]
    fn an_archive_gives_its_metadata_and_default_values() {
        let bytes = archive(&[
            ("hello/Chart.yaml", "apiVersion: v2\nname: hello\nversion: 0.2.0\nappVersion: \"1.1\"\n"),
            ("hello/values.yaml", "greeting: hi\n"),
            ("hello/charts/sub/values.yaml", "ignored: true\n"),
        ]);
        let (info, values) = archive_values(&bytes).expect("a chart");
        assert_eq!(
            (info.name.as_str(), info.version.as_str(), info.app_version.as_deref()),
            ("hello", "0.2.0", Some("1.1"))
        );
        assert_eq!(values, "greeting: hi\n");
        assert!(matches!(archive_values(b"not gzip"), Err(ChartError::Invalid(_))));
        assert!(matches!(archive_values(&archive(&[("x/values.yaml", "a: 1")])), Err(ChartError::Invalid(_))));
    }

    #[test]
    fn digests_are_checked() {
        let sum = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        assert!(check_digest(b"hello", sum).is_ok());
        assert!(check_digest(b"hello", &format!("sha256:{sum}")).is_ok());
        assert!(matches!(check_digest(b"hellO", sum), Err(ChartError::Invalid(_))));
    }
}
