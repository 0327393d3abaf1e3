//! Periscope: a multi-cluster Kubernetes web console. See docs/ARCHITECTURE.md for the map.

pub mod api_types;
pub mod app;
pub mod audience;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod cli;
pub mod clusters;
pub mod config;
pub mod edit;
pub mod error;
pub mod exec;
pub mod http;
pub mod identity;
pub mod kube;
pub mod logs;
pub mod memory;
pub mod names;
pub mod postgres;
pub mod resources;
pub mod routes;
pub mod server;
pub mod shutdown;
pub mod telemetry;
pub mod watch;
