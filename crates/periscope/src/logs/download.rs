//! `…/logs/download`: the whole log of a pod, or of a workload's pods one after another, as a
//! text or gzip file streamed as it is read (never held whole in memory).

use std::{convert::Infallible, io::Write, sync::Arc};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use flate2::{Compression, write::GzEncoder};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::{
    line::{LineReader, LogLine},
    source::Reader,
};
use crate::error::ApiError;

/// Bytes gathered before a chunk goes to the body.
const CHUNK: usize = 64 * 1024;

/// The file format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Text,
    Gzip,
}

/// Writes plain or gzip bytes into chunks for the body.
enum Sink {
    Text(Vec<u8>),
    Gzip(GzEncoder<Vec<u8>>),
}

impl Sink {
    fn new(format: Format) -> Sink {
        match format {
            Format::Text => Sink::Text(Vec::with_capacity(CHUNK)),
            Format::Gzip => Sink::Gzip(GzEncoder::new(Vec::with_capacity(CHUNK), Compression::default())),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        // Writing into a Vec (through the encoder) cannot fail.
        let _ = match self {
            Sink::Text(buf) => buf.write_all(bytes),
            Sink::Gzip(gz) => gz.write_all(bytes),
        };
    }

    /// Takes the bytes ready so far once there are enough of them.
    fn ready(&mut self) -> Option<Bytes> {
        let buf = match self {
            Sink::Text(buf) => buf,
            Sink::Gzip(gz) => gz.get_mut(),
        };
        (buf.len() >= CHUNK).then(|| Bytes::from(std::mem::take(buf)))
    }

    fn finish(self) -> Bytes {
        match self {
            Sink::Text(buf) => Bytes::from(buf),
            Sink::Gzip(gz) => Bytes::from(gz.finish().unwrap_or_default()),
        }
    }
}

/// The file name: what the log is of and when it was taken.
pub fn file_name(cluster: &str, namespace: &str, kind: &str, name: &str, format: Format) -> String {
    let at = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    let clean = |s: &str| {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || ".-".contains(c) { c } else { '-' }).collect::<String>()
    };
    let ext = match format {
        Format::Text => "log",
        Format::Gzip => "log.gz",
    };
    format!("{}_{}_{}-{}_{at}.{ext}", clean(cluster), clean(namespace), clean(kind), clean(name))
}

/// The download of `pods` (`(pod, container)`); lines are prefixed with their pod when
/// `prefixed`. The first pod is opened before answering, so its refusal is an envelope.
pub async fn download(
    reader: Arc<Reader>,
    pods: Vec<(String, String)>,
    prefixed: bool,
    format: Format,
    file: String,
) -> Result<Response, ApiError> {
    let mut pods = pods.into_iter();
    let first = match pods.next() {
        Some((pod, container)) => Some((reader.stream_history(&pod, &container).await?, pod)),
        None => None,
    };
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut sink = Sink::new(format);
        if let Some((lines, pod)) = first
            && !copy(&reader, lines, prefixed.then_some(pod.as_str()), &mut sink, &tx).await
        {
            return;
        }
        for (pod, container) in pods {
            let copied = match reader.stream_history(&pod, &container).await {
                Ok(lines) => copy(&reader, lines, prefixed.then_some(pod.as_str()), &mut sink, &tx).await,
                Err(e) => {
                    sink.write(format!("# periscope: the logs of pod {pod} could not be read: {e}\n").as_bytes());
                    true
                }
            };
            if !copied {
                return;
            }
        }
        let _ = tx.send(sink.finish()).await;
    });
    let body = Body::from_stream(
        futures::stream::unfold(rx, |mut rx| async move {
            let chunk = rx.recv().await?;
            Some((Ok::<_, Infallible>(chunk), rx))
        })
        // The compression layer polls a body again after its end; a fused stream stays ended.
        .fuse(),
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let content_type = match format {
        Format::Text => "text/plain; charset=utf-8",
        Format::Gzip => "application/gzip",
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Copies one pod's lines into the sink; false when the client went away.
async fn copy<R: futures::AsyncBufRead>(
    reader: &Reader,
    mut lines: LineReader<R>,
    pod: Option<&str>,
    sink: &mut Sink,
    tx: &mpsc::Sender<Bytes>,
) -> bool {
    let mut last = 0;
    loop {
        let (raw, truncated) = match lines.next_line().await {
            Ok(Some(next)) => next,
            Ok(None) => return true,
            Err(e) => {
                sink.write(format!("# periscope: reading stopped: {e}\n").as_bytes());
                return true;
            }
        };
        let line = LogLine::parse(&raw, truncated, last);
        last = line.nanos;
        if !reader.filter.matches(&line.text) {
            continue;
        }
        let mut out = String::with_capacity(line.text.len() + line.t.len() + 2);
        out.push_str(&line.t);
        out.push(' ');
        if let Some(pod) = pod {
            out.push('[');
            out.push_str(pod);
            out.push_str("] ");
        }
        out.push_str(&line.text);
        out.push('\n');
        sink.write(out.as_bytes());
        if let Some(chunk) = sink.ready()
            && tx.send(chunk).await.is_err()
        {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_say_what_and_when() {
        let name = file_name("alpha", "team-a", "deployment", "web", Format::Gzip);
        assert!(name.starts_with("alpha_team-a_deployment-web_"), "{name}");
        assert!(name.ends_with("Z.log.gz"), "{name}");
        let odd = file_name("a\"b", "ns", "pod", "p", Format::Text);
        assert!(odd.starts_with("a-b_ns_pod-p_") && odd.ends_with(".log"), "{odd}");
    }
}
