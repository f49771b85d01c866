//! Errors a caller can act on.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("unknown region {0:?}: use a two-letter ISO 3166 code such as KR, US or CN")]
    UnknownRegion(String),
    #[error("{pattern:?} is not a number or prefix: it {why}")]
    InvalidPattern { pattern: String, why: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
