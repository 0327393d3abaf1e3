//! The web console is embedded from `web/dist` (built by `make web`). Without node the
//! directory may be missing: create it empty so the binary still builds and serves a
//! placeholder page, and rebuild whenever the web build changes.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    if let Err(e) = std::fs::create_dir_all(&dist) {
        println!("cargo::warning=could not create {}: {e}", dist.display());
    }
    println!("cargo::rerun-if-changed={}", dist.display());
}
