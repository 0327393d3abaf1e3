//! Where the agent keeps its key, certificate and CA bundle: files in a state directory, or a
//! Secret in its own namespace when it runs in the cluster (a restarted pod keeps its identity).

use std::path::{Path, PathBuf};

use k8s_openapi::{ByteString, api::core::v1::Secret};
use kube::{
    Api,
    api::{Patch, PatchParams},
};

/// The three files of an identity, by name.
const FILES: [&str; 3] = ["client.key", "client.crt", "ca.crt"];

/// The agent's state storage.
pub enum StateStore {
    Dir(PathBuf),
    Secret { api: Box<Api<Secret>>, name: String },
}

impl StateStore {
    /// What the store is, for logs.
    pub fn describe(&self) -> String {
        match self {
            StateStore::Dir(dir) => format!("directory {}", dir.display()),
            StateStore::Secret { name, .. } => format!("secret {name}"),
        }
    }

    /// The stored key, certificate and CA bundle (PEM), when all three are there.
    pub async fn load(&self) -> anyhow::Result<Option<[String; 3]>> {
        match self {
            StateStore::Dir(dir) => {
                let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
                Ok(match FILES.map(read) {
                    [Some(key), Some(cert), Some(ca)] => Some([key, cert, ca]),
                    _ => None,
                })
            }
            StateStore::Secret { api, name } => {
                let Some(secret) = api.get_opt(name).await? else { return Ok(None) };
                let data = secret.data.unwrap_or_default();
                let read = |name: &str| data.get(name).map(|b| String::from_utf8_lossy(&b.0).into_owned());
                Ok(match FILES.map(read) {
                    [Some(key), Some(cert), Some(ca)] => Some([key, cert, ca]),
                    _ => None,
                })
            }
        }
    }

    /// Stores the three (each file replaced whole; the Secret applied in one request).
    pub async fn save(&self, parts: [&str; 3]) -> anyhow::Result<()> {
        match self {
            StateStore::Dir(dir) => {
                std::fs::create_dir_all(dir)?;
                for (name, text) in FILES.iter().zip(parts) {
                    let temp = dir.join(format!(".{name}.new"));
                    write_file(&temp, text, *name == "client.key")?;
                    std::fs::rename(&temp, dir.join(name))?;
                }
                Ok(())
            }
            StateStore::Secret { api, name } => {
                let data: std::collections::BTreeMap<String, ByteString> =
                    FILES.iter().zip(parts).map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec()))).collect();
                let secret = serde_json::json!({
                    "apiVersion": "v1", "kind": "Secret", "metadata": { "name": name }, "type": "Opaque", "data": data,
                });
                api.patch(name, &PatchParams::apply("periscope-agent").force(), &Patch::Apply(&secret)).await?;
                Ok(())
            }
        }
    }
}

fn write_file(path: &Path, text: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    options.open(path)?.write_all(text.as_bytes())
}
