//! A small Server-Sent Events reader for tests of Periscope's live streams.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// One SSE event: its name, `id:` and JSON `data:`.
#[derive(Debug, Clone)]
pub struct Event {
    pub event: String,
    pub id: Option<String>,
    pub data: Value,
}

/// An open event stream.
pub struct Sse {
    body: reqwest::Response,
    buf: Vec<u8>,
    /// `: ping` comments seen so far.
    pub pings: usize,
}

impl Sse {
    /// Reads events from an already accepted response.
    pub fn from_response(body: reqwest::Response) -> Sse {
        Sse { body, buf: Vec::new(), pings: 0 }
    }

    /// The next event, skipping comments; `None` at the end of the stream or after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("frames are UTF-8");
                let (mut event, mut id, mut data) = (String::from("message"), None, String::new());
                let mut comment_only = true;
                for line in block.lines().filter(|l| !l.is_empty()) {
                    if line.starts_with(':') {
                        self.pings += usize::from(line.contains("ping"));
                        continue;
                    }
                    comment_only = false;
                    if let Some(v) = line.strip_prefix("event: ") {
                        event = v.to_string();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if comment_only {
                    continue;
                }
                let data = serde_json::from_str(&data).unwrap_or_else(|e| panic!("data is JSON ({e}): {data}"));
                return Some(Event { event, id, data });
            }
            match tokio::time::timeout_at(deadline, self.body.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buf.extend_from_slice(&chunk),
                Ok(Ok(None) | Err(_)) | Err(_) => return None,
            }
        }
    }

    /// The next event, failing the test if none comes within `wait`.
    pub async fn expect(&mut self, wait: Duration) -> Event {
        self.next(wait).await.expect("an event arrives in time")
    }
}

/// An HTTP client without a total timeout (streams live long).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build().expect("client")
}

/// Opens an SSE stream, or returns the refusal's status and JSON body.
pub async fn open(http: &reqwest::Client, url: &str, last_event_id: Option<&str>) -> Result<Sse, (StatusCode, Value)> {
    let mut request = http.get(url).header("accept", "text/event-stream");
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    if status != StatusCode::OK {
        return Err((status, response.json().await.unwrap_or(Value::Null)));
    }
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(content_type, "text/event-stream");
    Ok(Sse::from_response(response))
}

/// [`open`], failing the test on a refusal.
pub async fn open_ok(http: &reqwest::Client, url: &str, last_event_id: Option<&str>) -> Sse {
    match open(http, url, last_event_id).await {
        Ok(sse) => sse,
        Err((status, body)) => panic!("{url}: {status} {body}"),
    }
}
