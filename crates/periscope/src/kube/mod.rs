//! Reaching clusters: connection pools per cluster (requests, watches) ([`connection`]) over TCP
//! or an agent tunnel ([`dialer`]) and one cached,
//! impersonating client per identity ([`factory`]), with apiserver request metrics ([`metrics`]).
//! Every Kubernetes call goes through here.

pub mod connection;
pub mod dialer;
pub mod factory;
pub mod metrics;

pub use connection::{ClusterConnection, Pool};
pub use factory::ClientFactory;
