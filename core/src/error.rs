//! The public error: what went wrong, as stable kinds ([`ErrorKind`]) with structured
//! fields, and a message for a person that names no command or API (the command line and
//! the bindings add their own hints: `ringfence recover`, `Screener.recover()`).
//!
//! Errors of the parts below (SQLite, I/O, the wire decoder) are mapped into it where they
//! arise: `rusqlite::Error` becomes [`Error::Database`], or [`Error::Corrupt`] when the
//! file is damaged, so no dependency's error type reaches a caller.
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

    #[error("unknown policy setting {0:?}")]
    UnknownSetting(String),

    #[error("bad value {value:?} for {key}: {expected}")]
    BadSettingValue { key: String, value: String, expected: String },

    #[error("unknown category {0:?}; known: {known}", known = Category::names().join(", "))]
    UnknownCategory(String),

    #[error("unknown action {0:?}; use allow, warn, silence or block")]
    UnknownAction(String),

    /// A backup document that cannot be restored (`Screener::import_backup`).
    #[error("the backup cannot be restored: {why}; nothing was changed")]
    BadBackup { why: String },

    #[error("{0} is an emergency number and cannot be blocked")]
    EmergencyNumber(String),

    #[error("database {path}: {detail}")]
    Open { path: PathBuf, detail: String },

    #[error(
        "database {path} was written by a newer ringfence (schema {found}, this build knows {known}); update the app"
    )]
    SchemaTooNew { path: PathBuf, found: i64, known: i64 },

    /// The file is damaged, or holds a schema that is not ringfence's. Recovering moves
    /// it aside and keeps what can still be read.
    #[error("database {} is damaged ({detail})", shown(path))]
    Corrupt { path: PathBuf, detail: String },

    #[error("database {path} could not be opened ({why}); calls are screened with what could be read from it, and changes cannot be saved until it is recovered")]
    Degraded { path: PathBuf, why: String },

    /// SQLite failed otherwise (disk full, a lock held longer than the busy timeout).
    #[error("database error: {detail}")]
    Database { detail: String },

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

    /// If the operator really changed the key, sync once with the new key pinned.
    #[error("the community server's key changed from {pinned} to {offered}; nothing was applied")]
    KeyChanged { pinned: String, offered: String },

    #[error("bad server key {0:?}: expected 64 hex digits")]
    BadKey(String),

    #[error(
        "the community server offers version {offered}, older than the {local} this device has; refusing to go back"
    )]
    RollbackRefused { local: u64, offered: u64 },

    #[error("the community server sent an unusable {what}: {why}; nothing was applied")]
    BadResponse { what: String, why: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is: stable, for code that decides what to do.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ErrorKind {
    /// An argument is wrong: a number, pattern, region, setting, category, server address
    /// or key. Fix the input.
    InvalidInput,
    /// An emergency number cannot be blocked or reported.
    EmergencyNumber,
    /// The database could not be opened or written (permissions, disk full, busy).
    Database,
    /// The database file is damaged or not ringfence's: recover it.
    Corrupt,
    /// Screening runs on what could be read; changes wait for a recovery.
    Degraded,
    /// Written by a newer ringfence: update the app.
    SchemaTooNew,
    /// This list file was imported before; nothing changed.
    AlreadyImported,
    /// A file could not be read.
    Io,
    /// The server could not be reached, or did not answer by the deadline: retry later.
    Network,
    /// The server failed (5xx) or refused (4xx) the request.
    Server,
    /// The server asks this device to slow down.
    RateLimited,
    /// What came back failed a check (signature, key, version, size, freshness); nothing
    /// was applied.
    Integrity,
    /// The caller cancelled; nothing changed.
    Cancelled,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Error::Number(_)
            | Error::InvalidNumber { .. }
            | Error::UnknownSetting(_)
            | Error::BadSettingValue { .. }
            | Error::UnknownCategory(_)
            | Error::UnknownAction(_)
            | Error::BadServerUrl(_)
            | Error::BadBackup { .. }
            | Error::BadKey(_) => K::InvalidInput,
            Error::EmergencyNumber(_) => K::EmergencyNumber,
            Error::Open { .. } | Error::Database { .. } => K::Database,
            Error::Corrupt { .. } => K::Corrupt,
            Error::Degraded { .. } => K::Degraded,
            Error::SchemaTooNew { .. } => K::SchemaTooNew,
            Error::AlreadyImported { .. } => K::AlreadyImported,
            Error::Io { .. } => K::Io,
            Error::ServerUnreachable { .. } | Error::TimedOut { .. } => K::Network,
            Error::ServerFailed { .. } | Error::Refused { .. } => K::Server,
            Error::RateLimited { .. } => K::RateLimited,
            Error::PayloadTooLarge { .. }
            | Error::BadPayload { .. }
            | Error::KeyChanged { .. }
            | Error::RollbackRefused { .. }
            | Error::ReplayRefused { .. }
            | Error::BadResponse { .. } => K::Integrity,
            Error::Cancelled => K::Cancelled,
        }
    }

    /// The database file is damaged (SQLite said "malformed" or "not a database", or its
    /// schema is not ringfence's).
    pub fn is_corruption(&self) -> bool {
        matches!(self, Error::Corrupt { .. })
    }

    /// Opening `path` failed with `e`: [`Error::Corrupt`] if the file is damaged.
    pub(crate) fn open(path: &std::path::Path, e: rusqlite::Error) -> Error {
        let detail = e.to_string();
        match is_corruption(&e) {
            true => Error::Corrupt { path: path.to_path_buf(), detail },
            false => Error::Open { path: path.to_path_buf(), detail },
        }
    }

    /// The same error, naming `path` if it is a corruption found without knowing it.
    pub(crate) fn at(self, path: &std::path::Path) -> Error {
        match self {
            Error::Corrupt { path: p, detail } if p.as_os_str().is_empty() => {
                Error::Corrupt { path: path.to_path_buf(), detail }
            }
            other => other,
        }
    }
}

/// SQLite's errors, mapped where they arise: a damaged file is [`Error::Corrupt`] (its
/// path filled in by [`Error::at`] where the caller knows it), the rest
/// [`Error::Database`].
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        let detail = e.to_string();
        match is_corruption(&e) {
            true => Error::Corrupt { path: PathBuf::new(), detail },
            false => Error::Database { detail },
        }
    }
}

/// A database path for a message ("the database" when it is not known yet).
fn shown(path: &std::path::Path) -> String {
    match path.as_os_str().is_empty() {
        true => "file".into(),
        false => path.display().to_string(),
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
