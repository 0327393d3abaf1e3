//! Server-side line filters (`q`, `regex`, `level`): they cut bytes before the browser sees
//! them. The regex engine is the `regex` crate (finite automata, linear in the input), so no
//! pattern can stall the server; its size is bounded so none can exhaust memory either.

use regex::{Regex, RegexBuilder};

use crate::error::ApiError;

/// Longest pattern accepted.
pub const MAX_PATTERN: usize = 1024;
/// Bound on a compiled pattern (and its lazy DFA cache).
const COMPILED_LIMIT: usize = 1 << 20;

/// Log severities in order, as `level=` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Reads a level as programs spell it (`WARNING`, `err`, `crit`, `panic`, …).
    pub fn parse(name: &str) -> Option<Level> {
        let name = name.trim().to_ascii_lowercase();
        Some(match name.as_str() {
            "trace" | "trc" => Level::Trace,
            "debug" | "dbg" | "d" => Level::Debug,
            "info" | "inf" | "information" | "notice" | "i" => Level::Info,
            "warn" | "warning" | "wrn" | "w" => Level::Warn,
            "error" | "err" | "eror" | "e" => Level::Error,
            "fatal" | "critical" | "crit" | "panic" | "emerg" | "alert" | "dpanic" | "f" => Level::Fatal,
            _ => return None,
        })
    }
}

/// Keys that carry a line's level in JSON and logfmt lines.
const LEVEL_KEYS: &[&str] = &["level", "severity", "lvl", "loglevel", "log.level"];

/// The level a structured line states: a JSON object with one of [`LEVEL_KEYS`], or logfmt
/// `key=value` pairs with one of them.
pub fn level_of(text: &str) -> Option<Level> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed).ok()?;
        let object = value.as_object()?;
        return LEVEL_KEYS.iter().find_map(|k| object.get(*k).and_then(|v| v.as_str()).and_then(Level::parse));
    }
    logfmt_level(trimmed)
}

fn logfmt_level(text: &str) -> Option<Level> {
    let mut rest = text;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let key_end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        if !rest.starts_with('=') {
            continue;
        }
        rest = &rest[1..];
        let (value, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if LEVEL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            return Level::parse(value);
        }
        rest = after;
    }
    None
}

/// What a viewer asked to see.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    query: Option<String>,
    regex: Option<Regex>,
    level: Option<Level>,
}

impl Filter {
    /// Validates the parameters; a bad or oversized pattern or an unknown level is 400.
    pub fn new(query: Option<&str>, regex: Option<&str>, level: Option<&str>) -> Result<Filter, ApiError> {
        let query = query.filter(|q| !q.is_empty()).map(str::to_string);
        let regex = match regex.filter(|r| !r.is_empty()) {
            None => None,
            Some(pattern) if pattern.len() > MAX_PATTERN => {
                return Err(ApiError::bad(format!("regex must be at most {MAX_PATTERN} bytes")));
            }
            Some(pattern) => Some(
                RegexBuilder::new(pattern)
                    .size_limit(COMPILED_LIMIT)
                    .dfa_size_limit(COMPILED_LIMIT)
                    .build()
                    .map_err(|e| ApiError::bad(format!("regex: {}", first_line(&e.to_string()))))?,
            ),
        };
        let level = match level.filter(|l| !l.is_empty()) {
            None => None,
            Some(name) => Some(Level::parse(name).ok_or_else(|| {
                ApiError::bad(format!("level must be one of trace, debug, info, warn, error, fatal, not {name:?}"))
            })?),
        };
        Ok(Filter { query, regex, level })
    }

    /// Whether every line passes (nothing to check).
    pub fn is_empty(&self) -> bool {
        self.query.is_none() && self.regex.is_none() && self.level.is_none()
    }

    /// Whether `text` is to be shown.
    pub fn matches(&self, text: &str) -> bool {
        if let Some(q) = &self.query
            && !text.contains(q.as_str())
        {
            return false;
        }
        if let Some(re) = &self.regex
            && !re.is_match(text)
        {
            return false;
        }
        match self.level {
            None => true,
            Some(min) => level_of(text).is_some_and(|l| l >= min),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_come_from_json_and_logfmt_lines() {
        assert_eq!(level_of(r#"{"level":"warn","msg":"x"}"#), Some(Level::Warn));
        assert_eq!(level_of(r#"{"severity":"ERROR"}"#), Some(Level::Error));
        assert_eq!(level_of(r#"{"msg":"level=error"}"#), None);
        assert_eq!(level_of(r#"ts=1 level=info msg="a level=error b""#), Some(Level::Info));
        assert_eq!(level_of(r#"msg="level=error inside" lvl=debug"#), Some(Level::Debug));
        assert_eq!(level_of("plain text with level in it"), None);
        assert_eq!(level_of(r#"level="WARNING" x=1"#), Some(Level::Warn));
    }

    #[test]
    fn filters_combine_and_a_level_keeps_that_level_and_above() {
        let f = Filter::new(Some("db"), None, Some("warn")).unwrap();
        assert!(f.matches("level=error msg=db down"));
        assert!(f.matches("level=warn msg=db slow"));
        assert!(!f.matches("level=info msg=db ok"));
        assert!(!f.matches("level=error msg=cache down"));
        assert!(!f.matches("db down, no level"));
        let r = Filter::new(None, Some(r"status=5\d\d"), None).unwrap();
        assert!(r.matches("path=/ status=503") && !r.matches("path=/ status=200"));
    }

    #[test]
    fn bad_huge_and_catastrophic_patterns() {
        assert!(Filter::new(None, Some("("), None).is_err());
        assert!(Filter::new(None, Some(&"a".repeat(MAX_PATTERN + 1)), None).is_err());
        // Within the length limit but far beyond the compiled-size limit.
        assert!(Filter::new(None, Some(r"\w{1000}\w{1000}\w{1000}"), None).is_err());
        assert!(Filter::new(None, None, Some("loud")).is_err());
        // Exponential for a backtracking engine; linear here.
        let f = Filter::new(None, Some("(a+)+$"), None).unwrap();
        let line = format!("{}!", "a".repeat(100_000));
        assert!(!f.matches(&line));
    }
}
