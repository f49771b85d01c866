//! Errors a caller can act on. Each message says what went wrong and, where it helps,
//! what to do about it.
//!
//! Reading the decision vocabulary's names from text (`"block".parse::<Action>()`) lives
//! here too: it fails with these errors, whose messages list the names that are known.
//! So this module depends on `decision.rs`, and never the other way round.

use crate::decision::{Action, Category, Verification};
use std::path::PathBuf;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// An unknown region, or a list pattern that is no number or prefix.
    #[error(transparent)]
    Number(#[from] crate::number::NumberError),

    #[error("{input:?} is not a phone number: it {why}")]
    InvalidNumber { input: String, why: String },

    #[error("unknown policy setting {0:?}; `policy show` lists them")]
    UnknownSetting(String),

    #[error("bad value {value:?} for {key}: {expected}")]
    BadSettingValue { key: String, value: String, expected: String },

    #[error("unknown category {0:?}; known: {known}", known = Category::names().join(", "))]
    UnknownCategory(String),

    #[error("unknown action {0:?}; use allow, warn, silence or block")]
    UnknownAction(String),

    #[error("{0} is an emergency number and cannot be blocked")]
    EmergencyNumber(String),

    #[error("database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },

    #[error(
        "database {path} was written by a newer ringfence (schema {found}, this build knows {known}); update the app"
    )]
    SchemaTooNew { path: PathBuf, found: i64, known: i64 },

    #[error(
        "database {path} is damaged ({detail}); Screener::recover moves it aside and keeps what can still be read"
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error("database {path} could not be opened ({why}); calls are screened with what could be read from it, and changes cannot be saved until it is recovered")]
    Degraded { path: PathBuf, why: String },

    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),

    #[error("this {format} file was already imported (at Unix time {imported_at}); nothing was changed")]
    AlreadyImported { format: String, imported_at: i64 },

    #[error("could not read {what}: {source}")]
    Io { what: String, source: std::io::Error },

    /// The caller cancelled the work ([`crate::Cancel`]); nothing was changed.
    #[error("cancelled; nothing was changed")]
    Cancelled,

    // ---- community sync (sync.rs) ----
    #[error("bad server address {0:?}: use a URL such as https://ringfence.example.org")]
    BadServerUrl(String),

    #[error("cannot reach the community server at {url}: {reason}; check the network and try again")]
    ServerUnreachable { url: String, reason: String },

    #[error("the community server at {url} did not answer within the {secs} s deadline; nothing was applied, try again later")]
    TimedOut { url: String, secs: u64 },

    #[error("{what} from the community server was made at Unix time {made_at}, before the newest this device accepted ({newest}); an old copy is refused")]
    ReplayRefused { what: String, made_at: i64, newest: i64 },

    #[error("the community server at {url} failed (HTTP {status}): {message}; try again later")]
    ServerFailed { url: String, status: u16, message: String },

    #[error("the community server refused the request (HTTP {status}, {code}): {message}")]
    Refused { status: u16, code: String, message: String },

    #[error("the community server is rate limiting this device; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },

    #[error("{what} from the community server is larger than the {limit}-byte limit; nothing was applied")]
    PayloadTooLarge { what: String, limit: u64 },

    #[error("{what} from the community server was refused ({source}); nothing was applied")]
    BadPayload { what: String, source: crate::wire::DecodeError },

    #[error("the community server's key changed from {pinned} to {offered}; nothing was applied. If the operator really changed it, sync once with --key {offered}")]
    KeyChanged { pinned: String, offered: String },

    #[error("bad server key {0:?}: expected 64 hex digits (what `ringfence-server pubkey` prints)")]
    BadKey(String),

    #[error(
        "the community server offers version {offered}, older than the {local} this device has; refusing to go back"
    )]
    RollbackRefused { local: u64, offered: u64 },

    #[error("the community server sent an unusable {what}: {why}; nothing was applied")]
    BadResponse { what: String, why: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The database file is damaged (SQLite says "malformed" or "not a database").
    pub fn is_corruption(&self) -> bool {
        match self {
            Error::Corrupt { .. } => true,
            Error::Sql(e) | Error::Open { source: e, .. } => is_corruption(e),
            _ => false,
        }
    }

    /// The same error, as [`Error::Corrupt`] naming `path` if it is a corruption.
    pub(crate) fn at(self, path: &std::path::Path) -> Error {
        match self {
            Error::Sql(e) | Error::Open { source: e, .. } if is_corruption(&e) => {
                Error::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
            }
            other => other,
        }
    }
}

pub(crate) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

// ---- the decision vocabulary, read from text ----

impl FromStr for Action {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownAction(s.chars().take(40).collect()))
    }
}

impl FromStr for Category {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(t) || c.as_str().replace('_', "-").eq_ignore_ascii_case(t))
            .ok_or_else(|| Error::UnknownCategory(s.chars().take(40).collect()))
    }
}

impl FromStr for Verification {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "passed" | "pass" => Ok(Verification::Passed),
            "failed" | "fail" => Ok(Verification::Failed),
            "none" | "not_verified" | "not-verified" | "unknown" => Ok(Verification::NotVerified),
            _ => Err(Error::BadSettingValue {
                key: "verified".into(),
                value: s.chars().take(40).collect(),
                expected: "passed, failed or none".into(),
            }),
        }
    }
}
