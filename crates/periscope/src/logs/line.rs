//! One log line as the apiserver sends it with `timestamps=true` (`<RFC3339Nano> <text>`), and
//! a reader that splits a byte stream into such lines without ever holding more than
//! [`MAX_LINE`] bytes of one.

use std::{pin::Pin, sync::Arc};

use futures::{AsyncBufRead, AsyncBufReadExt};

/// Longest line kept; the rest of a longer one is dropped and the line marked truncated.
pub const MAX_LINE: usize = 1024 * 1024;

/// A parsed log line, shared between every viewer it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The timestamp as the kubelet wrote it (RFC3339 with nanoseconds).
    pub t: Arc<str>,
    /// `t` as nanoseconds since the epoch, for ordering (the text form is not sortable: the
    /// kubelet trims trailing zeros of the fraction).
    pub nanos: i128,
    /// The line without its timestamp and newline.
    pub text: String,
    /// The line was longer than [`MAX_LINE`] and was cut.
    pub truncated: bool,
}

impl LogLine {
    /// Splits `raw` into timestamp and text; a line without a timestamp (should not happen
    /// with `timestamps=true`) keeps its whole text and sorts as of `fallback_nanos`.
    pub fn parse(raw: &str, truncated: bool, fallback_nanos: i128) -> LogLine {
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some((t, text)) = raw.split_once(' ')
            && let Ok(ts) = t.parse::<jiff::Timestamp>()
        {
            return LogLine { t: t.into(), nanos: ts.as_nanosecond(), text: text.to_string(), truncated };
        }
        let ts = jiff::Timestamp::from_nanosecond(fallback_nanos).unwrap_or_else(|_| jiff::Timestamp::now());
        LogLine { t: ts.to_string().into(), nanos: fallback_nanos, text: raw.to_string(), truncated }
    }

    /// The instant the line was written, as a timestamp for `sinceTime`.
    pub fn timestamp(&self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_nanosecond(self.nanos).ok()
    }
}

/// Splits an upstream log stream into lines, each at most [`MAX_LINE`] bytes.
pub struct LineReader<R> {
    inner: Pin<Box<R>>,
    buf: Vec<u8>,
    truncated: bool,
}

impl<R: AsyncBufRead> LineReader<R> {
    /// Reads lines from `inner`.
    pub fn new(inner: R) -> Self {
        LineReader { inner: Box::pin(inner), buf: Vec::new(), truncated: false }
    }

    /// The next line (`None` at the end of the stream), with whether it was truncated. A last
    /// line without a newline is returned too.
    pub async fn next_line(&mut self) -> std::io::Result<Option<(String, bool)>> {
        loop {
            let mut inner = self.inner.as_mut();
            let available = inner.fill_buf().await?;
            if available.is_empty() {
                if self.buf.is_empty() && !self.truncated {
                    return Ok(None);
                }
                return Ok(Some(self.take()));
            }
            let (used, done) = match memchr(b'\n', available) {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            let room = MAX_LINE.saturating_sub(self.buf.len());
            let keep = &available[..used.min(room)];
            self.buf.extend_from_slice(keep);
            if used > room {
                self.truncated = true;
            }
            inner.consume_unpin(used);
            if done {
                return Ok(Some(self.take()));
            }
        }
    }

    fn take(&mut self) -> (String, bool) {
        let bytes = std::mem::take(&mut self.buf);
        let truncated = std::mem::replace(&mut self.truncated, false);
        // Container output is bytes, not always UTF-8; show what is readable.
        let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        (text, truncated)
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_splits_into_timestamp_and_text_and_orders_by_instant() {
        let a = LogLine::parse("2026-11-30T18:00:00.1Z hello world\n", false, 0);
        let b = LogLine::parse("2026-11-30T18:00:00.12Z next", false, 0);
        assert_eq!(&*a.t, "2026-11-30T18:00:00.1Z");
        assert_eq!(a.text, "hello world");
        // As text ".1Z" sorts after ".12Z"; as instants it is before.
        assert!(a.nanos < b.nanos);
        let bare = LogLine::parse("no timestamp here", false, 42);
        assert_eq!(bare.text, "no timestamp here");
        assert_eq!(bare.nanos, 42);
    }

    #[tokio::test]
    async fn long_lines_are_cut_at_the_limit_and_marked() {
        let long = "x".repeat(MAX_LINE + 10);
        let input = format!("short\n{long}\nafter\nlast-without-newline");
        let mut reader = LineReader::new(futures::io::Cursor::new(input.into_bytes()));
        assert_eq!(reader.next_line().await.unwrap(), Some(("short\n".to_string(), false)));
        let (cut, truncated) = reader.next_line().await.unwrap().unwrap();
        assert!(truncated);
        assert_eq!(cut.len(), MAX_LINE);
        assert_eq!(reader.next_line().await.unwrap(), Some(("after\n".to_string(), false)));
        assert_eq!(reader.next_line().await.unwrap(), Some(("last-without-newline".to_string(), false)));
        assert_eq!(reader.next_line().await.unwrap(), None);
    }
}
