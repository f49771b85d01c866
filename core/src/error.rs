//! Errors a caller can act on. Each message says what went wrong and, where it helps,
//! what to do about it.

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("unknown region {0:?}: use a two-letter ISO 3166 code such as KR, US or CN")]
    UnknownRegion(String),

    #[error("{pattern:?} is not a number or prefix: it {why}")]
    InvalidPattern { pattern: String, why: String },

    #[error("{input:?} is not a phone number: it {why}")]
    InvalidNumber { input: String, why: String },

    #[error("unknown policy setting {0:?}; `policy show` lists them")]
    UnknownSetting(String),

    #[error("bad value {value:?} for {key}: {expected}")]
    BadSettingValue { key: String, value: String, expected: String },

    #[error("unknown category {0:?}; known: {known}", known = crate::Category::names().join(", "))]
    UnknownCategory(String),

    #[error("unknown action {0:?}; use allow, warn, silence or block")]
    UnknownAction(String),

    #[error("{0} is an emergency number and cannot be blocked")]
    EmergencyNumber(String),

    #[error("database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },

    #[error("database {path} was written by a newer ringfence (schema {found}, this build knows {known}); update the app")]
    SchemaTooNew { path: PathBuf, found: i64, known: i64 },

    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),

    #[error("this {format} file was already imported (at Unix time {imported_at}); nothing was changed")]
    AlreadyImported { format: String, imported_at: i64 },

    #[error("could not read {what}: {source}")]
    Io { what: String, source: std::io::Error },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
