//! Route handlers, thin: extract, call the module that owns the concern, answer.

pub mod audit;
pub mod clusters;
pub mod console;
pub mod resources;
pub mod session;
pub mod system;
