//! The per-user Kubernetes API proxy at `/api/clusters/{c}/k8s/{*path}` (kubectl and helm through Periscope).

pub mod request_info;
