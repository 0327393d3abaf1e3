//! Requests the agent makes to the server over its own tunnel (streams it opens, authenticated
//! by the tunnel's certificate): `hello` with its version, and certificate renewal once two
//! thirds of the certificate's life have passed. A renewed certificate is used from the next
//! connection on; the open tunnel and its requests carry on undisturbed.

use std::{sync::Arc, time::Duration};

use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use periscope::agent::mux::MuxHandle;
use tokio::sync::RwLock;

use crate::{
    state::{Identity, now_unix},
    store::StateStore,
};

/// How long to wait before trying a failed renewal again.
const RETRY: Duration = Duration::from_secs(30);

/// POSTs `body` to `path` on the server over a new stream of the tunnel.
async fn request(tunnel: &MuxHandle, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let stream = tunnel.open().await.map_err(|e| anyhow::anyhow!(e))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::post(path)
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(body.to_string())))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    anyhow::ensure!(status.is_success(), "{path}: {status} {}", String::from_utf8_lossy(&bytes));
    Ok(serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Says hello, then renews the certificate whenever it is due, for as long as the tunnel lives.
pub async fn run(tunnel: MuxHandle, identity: Arc<RwLock<Identity>>, cluster: String, store: Arc<StateStore>) {
    let hello = serde_json::json!({ "version": env!("CARGO_PKG_VERSION") });
    if let Err(e) = request(&tunnel, "/hello", hello).await {
        tracing::warn!(error = %format!("{e:#}"), "hello to the server failed");
    }
    loop {
        let due = identity.read().await.renewal_due();
        let wait = due.map(|due| due - now_unix()).unwrap_or(0).max(0) as u64;
        tokio::time::sleep(Duration::from_secs(wait)).await;
        match renew(&tunnel, &cluster).await {
            Ok(renewed) => {
                if let Err(e) = renewed.save(&store).await {
                    tracing::error!(error = %format!("{e:#}"), "cannot store the renewed certificate");
                }
                let until = renewed.validity().map(|(_, until)| until);
                *identity.write().await = renewed;
                tracing::info!(expires_unix = ?until, "certificate renewed");
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "certificate renewal failed; trying again");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

async fn renew(tunnel: &MuxHandle, cluster: &str) -> anyhow::Result<Identity> {
    let (key_pem, csr) = periscope::agent::pki::agent_csr(cluster)?;
    let answer = request(tunnel, "/renew", serde_json::json!({ "csr": csr })).await?;
    let text =
        |key: &str| answer[key].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("no {key} in the answer"));
    Ok(Identity::new(key_pem, text("cert")?, text("caBundle")?))
}
