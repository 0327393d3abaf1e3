//! Reaching clusters: one connection pool per cluster ([`connection`]) and one cached,
//! impersonating client per identity ([`factory`]). Every Kubernetes call goes through here.

pub mod connection;
pub mod factory;

pub use connection::ClusterConnection;
pub use factory::ClientFactory;
