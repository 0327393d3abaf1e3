//! AWS Signature Version 4, the parts an EKS token needs: the canonical request, the string to
//! sign, the derived signing key and query-string presigning (`X-Amz-*` parameters).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The hex SHA-256 of an empty body: what a presigned STS request signs as its payload.
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// An AWS access key: what signs requests.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Present for temporary credentials (STS, IRSA, Pod Identity).
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret or the session token: this type ends up in logs through errors.
        f.debug_struct("AccessKey").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Where and when a request is signed: the credential scope plus the request time.
pub struct Scope<'a> {
    /// `YYYYMMDDTHHMMSSZ`, UTC.
    pub amz_date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

impl Scope<'_> {
    fn date(&self) -> &str {
        &self.amz_date[..8.min(self.amz_date.len())]
    }

    /// `date/region/service/aws4_request`.
    pub fn credential_scope(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date(), self.region, self.service)
    }
}

/// The parts of a request that SigV4 signs.
pub struct CanonicalRequest<'a> {
    pub method: &'a str,
    /// The absolute path, already URI-encoded as sent.
    pub path: &'a str,
    /// Query parameters, not yet encoded; sorted here.
    pub query: &'a [(String, String)],
    /// Signed headers, names in any case; sorted and lower-cased here.
    pub headers: &'a [(String, String)],
    pub payload_sha256: &'a str,
}

impl CanonicalRequest<'_> {
    /// `host;x-amz-date`: the lower-cased, sorted header names.
    pub fn signed_headers(&self) -> String {
        let mut names: Vec<String> = self.headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        names.sort();
        names.join(";")
    }

    /// The canonical query string: encoded pairs sorted by key, then value.
    pub fn canonical_query(&self) -> String {
        let mut pairs: Vec<(String, String)> = self.query.iter().map(|(k, v)| (uri_encode(k), uri_encode(v))).collect();
        pairs.sort();
        pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }

    /// The canonical request text.
    pub fn text(&self) -> String {
        let mut headers: Vec<(String, String)> =
            self.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), collapse_spaces(v))).collect();
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.path,
            self.canonical_query(),
            canonical_headers,
            self.signed_headers(),
            self.payload_sha256
        )
    }
}

/// The string to sign for `request` in `scope`.
pub fn string_to_sign(scope: &Scope<'_>, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        scope.amz_date,
        scope.credential_scope(),
        hex(&Sha256::digest(canonical_request.as_bytes()))
    )
}

/// The key derived from the secret for one day, region and service.
pub fn signing_key(secret: &str, scope: &Scope<'_>) -> Vec<u8> {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), scope.date().as_bytes());
    let k_region = hmac_sha256(&k_date, scope.region.as_bytes());
    let k_service = hmac_sha256(&k_region, scope.service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// The hex signature of `string_to_sign`.
pub fn signature(secret: &str, scope: &Scope<'_>, string_to_sign: &str) -> String {
    hex(&hmac_sha256(&signing_key(secret, scope), string_to_sign.as_bytes()))
}

/// A presigned GET: `https://{host}{path}?{query + X-Amz-* parameters}`. The signed headers
/// are `host` plus `extra_headers`, which the eventual caller must send unchanged.
pub struct Presign<'a> {
    pub host: &'a str,
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub extra_headers: Vec<(String, String)>,
    pub expires_seconds: u32,
    pub payload_sha256: &'a str,
}

impl Presign<'_> {
    /// The presigned URL for `key` in `scope`.
    pub fn url(self, key: &AccessKey, scope: &Scope<'_>) -> String {
        let mut headers = vec![("host".to_string(), self.host.to_string())];
        headers.extend(self.extra_headers);
        let signed_headers = CanonicalRequest {
            method: "GET",
            path: self.path,
            query: &[],
            headers: &headers,
            payload_sha256: self.payload_sha256,
        }
        .signed_headers();
        let mut query = self.query;
        query.push(("X-Amz-Algorithm".into(), ALGORITHM.into()));
        query.push(("X-Amz-Credential".into(), format!("{}/{}", key.access_key_id, scope.credential_scope())));
        query.push(("X-Amz-Date".into(), scope.amz_date.into()));
        query.push(("X-Amz-Expires".into(), self.expires_seconds.to_string()));
        query.push(("X-Amz-SignedHeaders".into(), signed_headers));
        if let Some(token) = &key.session_token {
            query.push(("X-Amz-Security-Token".into(), token.clone()));
        }
        let request = CanonicalRequest {
            method: "GET",
            path: self.path,
            query: &query,
            headers: &headers,
            payload_sha256: self.payload_sha256,
        };
        let signature = signature(&key.secret_access_key, scope, &string_to_sign(scope, &request.text()));
        format!("https://{}{}?{}&X-Amz-Signature={signature}", self.host, self.path, request.canonical_query())
    }
}

/// SigV4's URI encoding: unreserved characters stay, every other byte becomes `%XX`.
pub fn uri_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's published example credentials and values (SigV4 test suite, IAM and S3 guides).
    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn the_test_suite_get_vanilla_request_signs_as_published() {
        let headers = [
            ("Host".to_string(), "example.amazonaws.com".to_string()),
            ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()),
        ];
        let request = CanonicalRequest {
            method: "GET",
            path: "/",
            query: &[],
            headers: &headers,
            payload_sha256: EMPTY_PAYLOAD_SHA256,
        };
        let scope = Scope { amz_date: "20150830T123600Z", region: "us-east-1", service: "service" };
        let to_sign = string_to_sign(&scope, &request.text());
        assert_eq!(
            to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        assert_eq!(
            signature(SUITE_SECRET, &scope, &to_sign),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn the_iam_guide_signing_key_derives_as_published() {
        let scope = Scope { amz_date: "20150830T123600Z", region: "us-east-1", service: "iam" };
        assert_eq!(
            hex(&signing_key(SUITE_SECRET, &scope)),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn the_s3_guide_presigned_url_signs_as_published() {
        let key = AccessKey {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let scope = Scope { amz_date: "20130524T000000Z", region: "us-east-1", service: "s3" };
        let url = Presign {
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            query: vec![],
            extra_headers: vec![],
            expires_seconds: 86400,
            payload_sha256: "UNSIGNED-PAYLOAD",
        }
        .url(&key, &scope);
        assert_eq!(
            url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn encoding_keeps_unreserved_characters_only() {
        assert_eq!(uri_encode("a-Z_0.~/ +="), "a-Z_0.~%2F%20%2B%3D");
        assert_eq!(uri_encode("é"), "%C3%A9");
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let key = AccessKey {
            access_key_id: "AKID".into(),
            secret_access_key: "s3cr3t".into(),
            session_token: Some("tok".into()),
        };
        let shown = format!("{key:?}");
        assert!(shown.contains("AKID") && !shown.contains("s3cr3t") && !shown.contains("tok"), "{shown}");
    }
}
