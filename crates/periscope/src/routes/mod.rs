//! Route handlers, thin: extract, call the module that owns the concern, answer.

pub mod agents;
pub mod apply;
pub mod audit;
pub mod auth;
pub mod bulk_download;
pub mod cache;
pub mod cani;
pub mod clusters;
pub mod console;
pub mod dashboard;
pub mod edit;
pub mod exec;
pub mod fleet;
pub mod helm;
pub mod helm_write;
pub mod history;
pub mod kinds;
pub mod logs;
pub mod metrics;
pub mod mutations;
pub mod object_ops;
pub mod objects;
pub mod openapi;
pub mod podhealth;
pub mod proxy;
pub mod reason;
pub mod resources;
pub mod rollout;
pub mod search;
pub mod session;
pub mod streams;
pub mod system;
pub mod tokens;
pub mod usage;
pub mod watch;

/// A `{items}` answer (an object's events, a workload's revisions).
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct Items<T> {
    pub items: Vec<T>,
}
