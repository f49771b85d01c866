//! ringfence-core: the call-screening engine.

pub mod error;
pub mod number;

pub use error::Error;
