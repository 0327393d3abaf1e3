//! Resource kinds as data, their list projections, and the list function over an
//! impersonating client. The generic engine (every kind, CRDs, sort, watch-backed stores)
//! grows here; this is its first, small table.

pub mod builtin;
pub mod catalog;
pub mod kinds;
pub mod list;
pub mod order;
pub mod page_decode;
pub mod printer;
pub mod projection;

pub use kinds::{KindSpec, find_kind};
