//! Reaching clusters: connection pools per cluster (requests, watches) ([`connection`]) over TCP
//! or an agent tunnel ([`dialer`]) and one cached,
//! impersonating client per identity ([`factory`]), with apiserver request metrics ([`metrics`]).
//! Backend credentials beyond kubeconfig: the pod's service account ([`incluster`]) and EKS
//! tokens ([`eks`], sent by [`bearer`]). Every Kubernetes call goes through here.

pub mod bearer;
pub mod connection;
pub mod dialer;
pub mod eks;
pub mod factory;
pub mod incluster;
pub mod metrics;

pub use connection::{ClusterConnection, Pool};
pub use factory::ClientFactory;
