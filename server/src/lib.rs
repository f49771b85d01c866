//! ringfence-server: collects spam reports from phones, aggregates them into a listing,
//! and publishes it as signed snapshot and delta files (see `docs/protocol.md`).

pub mod aggregate;
pub mod api;
pub mod keys;
pub mod limit;
pub mod origin;
pub mod publish;
pub mod ranges;
pub mod request;
pub mod retention;
pub mod serve;
pub mod storage;
