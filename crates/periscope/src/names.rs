//! Kubernetes name rules (DNS-1123 labels and subdomains) and [`Namespace`], the one type a
//! namespace from a URL, a query string or a body becomes before anything uses it.

use std::{fmt, ops::Deref};

/// Checks the Kubernetes DNS-1123 label rule: 1–63 of `[a-z0-9-]`, alphanumeric at both ends.
pub fn check_dns1123_label(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 63 {
        return Err("must be 1 to 63 characters");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err("only lowercase letters, digits and '-' are allowed");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("must start and end with a letter or digit");
    }
    Ok(())
}

/// Checks the Kubernetes DNS-1123 subdomain rule used by most object names: at most 253
/// characters, dot-separated labels of `[a-z0-9-]`.
pub fn check_dns1123_subdomain(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Err("only lowercase letters, digits, '-' and '.' are allowed");
    }
    if name.split('.').any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-')) {
        return Err("each dot-separated part must start and end with a letter or digit");
    }
    Ok(())
}

/// A name that breaks its rule; the message names what it is, the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?}: {why}")]
pub struct InvalidName {
    /// What the value was meant to be (`namespace`, `name`).
    pub what: &'static str,
    pub value: String,
    pub why: &'static str,
}

/// A valid namespace name (a DNS-1123 label). Deserializes only from a valid name, so a
/// query or body field of this type is validated by the extractor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Namespace(String);

impl Namespace {
    /// Validates `raw` as a namespace name.
    pub fn parse(raw: impl Into<String>) -> Result<Namespace, InvalidName> {
        let value = raw.into();
        match check_dns1123_label(&value) {
            Ok(()) => Ok(Namespace(value)),
            Err(why) => Err(InvalidName { what: "namespace", value, why }),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates `raw` as an object name (a DNS-1123 subdomain).
pub fn check_object_name(raw: &str) -> Result<(), InvalidName> {
    check_dns1123_subdomain(raw).map_err(|why| InvalidName { what: "name", value: raw.to_string(), why })
}

impl TryFrom<String> for Namespace {
    type Error = InvalidName;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Namespace::parse(raw)
    }
}

impl From<Namespace> for String {
    fn from(ns: Namespace) -> String {
        ns.0
    }
}

impl Deref for Namespace {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Namespace {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_dns_labels_and_errors_name_the_value() {
        assert_eq!(Namespace::parse("team-a").map(String::from), Ok("team-a".to_string()));
        let err = Namespace::parse("Bad_NS").expect_err("invalid");
        assert_eq!(err.to_string(), "namespace \"Bad_NS\": only lowercase letters, digits and '-' are allowed");
        assert!(Namespace::parse("a.b").is_err(), "a label has no dots");
        assert!(Namespace::parse("").is_err());
        assert!(Namespace::parse("-a").is_err());
        assert!(Namespace::parse("a".repeat(64)).is_err());
    }

    #[test]
    fn namespaces_deserialize_only_when_valid() {
        let ok: Namespace = serde_json::from_str("\"team-a\"").expect("valid");
        assert_eq!(ok.as_str(), "team-a");
        let err = serde_json::from_str::<Namespace>("\"Team A\"").expect_err("invalid");
        assert!(err.to_string().contains("namespace \"Team A\""), "{err}");
    }

    #[test]
    fn object_names_are_dns_subdomains() {
        assert!(check_object_name("web-1.example").is_ok());
        assert_eq!(
            check_object_name("Web").expect_err("upper case").to_string(),
            "name \"Web\": only lowercase letters, digits, '-' and '.' are allowed"
        );
    }
}
