//! A terminal client for exec tests: opens `{pod}/exec` over a WebSocket the way the web app
//! does, and reads what the server sends (output bytes, control frames).

use std::time::Duration;

use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// What a refused upgrade answered: status and envelope.
pub type Refusal = (u16, Value);

/// One terminal session.
pub struct Terminal {
    ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    /// Every output byte received so far.
    pub output: Vec<u8>,
    /// Every control frame received so far.
    pub controls: Vec<Value>,
}

/// The `command=` value of an argv.
pub fn command_param(argv: &[&str]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(argv).unwrap_or_default())
}

impl Terminal {
    /// Opens `url` (`ws://…/exec?…`) with `Origin: origin` and extra `headers`; a refusal
    /// before the upgrade comes back as its status and JSON envelope.
    pub async fn open(url: &str, origin: &str, headers: &[(&str, &str)]) -> Result<Terminal, Refusal> {
        let mut request = url.into_client_request().expect("a valid ws URL");
        request.headers_mut().insert("origin", HeaderValue::from_str(origin).expect("origin header"));
        for (k, v) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).expect("header name");
            request.headers_mut().insert(name, HeaderValue::from_str(v).expect("header value"));
        }
        match connect_async(request).await {
            Ok((ws, _)) => Ok(Terminal { ws, output: Vec::new(), controls: Vec::new() }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let body = response.body().as_deref().map(|b| serde_json::from_slice(b).unwrap_or(Value::Null));
                Err((status, body.unwrap_or(Value::Null)))
            }
            Err(e) => Err((0, Value::String(e.to_string()))),
        }
    }

    /// Sends keystrokes.
    pub async fn send(&mut self, input: &str) {
        self.ws.send(Message::Binary(input.as_bytes().to_vec().into())).await.expect("send input");
    }

    /// Sends a control frame.
    pub async fn control(&mut self, frame: Value) {
        self.ws.send(Message::Text(frame.to_string().into())).await.expect("send control");
    }

    /// Reads frames until `done` holds or `wait` passes; false when it never held (or the
    /// socket closed first).
    pub async fn until(&mut self, wait: Duration, mut done: impl FnMut(&Terminal) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        while !done(self) {
            let next = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(next) => next,
            };
            match next {
                Some(Ok(Message::Binary(bytes))) => self.output.extend_from_slice(&bytes),
                Some(Ok(Message::Text(text))) => self.controls.push(serde_json::from_str(&text).unwrap_or(Value::Null)),
                Some(Ok(_)) => {}
                None | Some(Err(_)) => return done(self),
            }
        }
        true
    }

    /// The output as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// The first control frame of `kind` (`hello`, `closed`, `idle_warn`, `error`).
    pub fn control_of(&self, kind: &str) -> Option<&Value> {
        self.controls.iter().find(|c| c["type"] == kind)
    }

    /// Waits for the `closed` frame.
    pub async fn closed(&mut self, wait: Duration) -> Option<Value> {
        self.until(wait, |t| t.control_of("closed").is_some()).await;
        self.control_of("closed").cloned()
    }
}
