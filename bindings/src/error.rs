//! The one error type that crosses the FFI boundary.
//!
//! Kotlin: `dev.ringfence.RingfenceException` with one subclass per variant
//! (`RingfenceException.UnknownRegion`, ...), fields as properties, and the readable
//! message (Rust's `Display`, the same text as the core error's) as `toString()`.
//! Swift: `enum RingfenceError: Error` with one case per variant, the fields as
//! associated values, and the message as `description` / `localizedDescription`.

use ringfence_core::number::NumberError;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum RingfenceError {
    // ---- bad input: fix the argument ----
    /// The region is not a two-letter ISO 3166 code that the numbering plan knows.
    #[error("unknown region {region:?}: use a two-letter ISO 3166 code such as KR, US or CN")]
    UnknownRegion { region: String },
    /// A block or allow list entry is neither a number nor a prefix such as `+8270*`.
    #[error("{pattern:?} is not a number, prefix or group: it {reason}")]
    InvalidPattern { pattern: String, reason: String },
    /// A number the user typed (to report, to add as a contact) is hidden or malformed.
    #[error("{input:?} is not a phone number: it {reason}")]
    InvalidNumber { input: String, reason: String },
    /// A policy key that does not exist (see `Screener.policySettings()`).
    #[error("unknown policy setting {key:?}")]
    UnknownSetting { key: String },
    /// A policy value the setting refuses; `expected` says what it takes.
    #[error("bad value {value:?} for {key}: {expected}")]
    BadSettingValue { key: String, value: String, expected: String },
    /// A category name that does not exist, or one that cannot be reported or set.
    #[error("unknown category {name:?}; known: {known}")]
    UnknownCategory { name: String, known: String },
    /// An action name other than allow, warn, silence or block.
    #[error("unknown action {name:?}; use allow, warn, silence or block")]
    UnknownAction { name: String },
    /// A backup document that cannot be restored (not a backup, a newer version, a bad
    /// rule, contact, setting or report); nothing was changed.
    #[error("the backup cannot be restored: {reason}; nothing was changed")]
    BadBackup { reason: String },
    /// Emergency numbers can never be blocked or reported as spam.
    #[error("{number} is an emergency number and cannot be blocked")]
    EmergencyNumber { number: String },
    /// An argument of a binding call is out of range (a negative cursor, a zero limit).
    #[error("bad {argument}: {details}")]
    InvalidArgument { argument: String, details: String },

    // ---- the database and files ----
    /// The database file cannot be opened or created (path, permissions, not SQLite).
    #[error("database {path}: {details}")]
    DatabaseOpen { path: String, details: String },
    /// The database was written by a newer ringfence: update the app.
    #[error(
        "database {path} was written by a newer ringfence (schema {found}, this build knows {known}); update the app"
    )]
    SchemaTooNew { path: String, found: i64, known: i64 },
    /// The database file is damaged; `Screener.recover` moves it aside and keeps what
    /// can still be read.
    #[error("database {path} is damaged ({details})")]
    Corrupt { path: String, details: String },
    /// The screener runs on what could be read from a file that could not be opened;
    /// changes cannot be saved until it is recovered.
    #[error("database {path} could not be opened ({why}); calls are screened with what could be read from it, and changes cannot be saved until it is recovered")]
    Degraded { path: String, why: String },
    /// A database operation failed (disk full, another process holding the write lock
    /// for longer than the busy timeout, ...).
    #[error("database error: {details}")]
    Database { details: String },
    /// This exact list file was imported before; nothing was changed.
    #[error("this {format} file was already imported (at Unix time {imported_at}); nothing was changed")]
    AlreadyImported { format: String, imported_at: i64 },
    /// A file could not be read (missing, unreadable, not a list of that format).
    #[error("could not read {what}: {details}")]
    Io { what: String, details: String },

    // ---- the community server (sync, lookupOnline) ----
    /// The server address is not a usable URL.
    #[error("bad server address {url:?}: use a URL such as https://ringfence.example.org")]
    BadServerUrl { url: String },
    /// No connection (offline, DNS, timeout): try again later.
    #[error("cannot reach the community server at {url}: {reason}; check the network and try again")]
    ServerUnreachable { url: String, reason: String },
    /// The server answered with a 5xx: try again later.
    #[error("the community server at {url} failed (HTTP {status}): {details}; try again later")]
    ServerFailed { url: String, status: u16, details: String },
    /// The server refused the request (4xx); `code` is the machine-readable reason.
    #[error("the community server refused the request (HTTP {status}, {code}): {details}")]
    Refused { status: u16, code: String, details: String },
    /// This device sent too much; wait `retry_after_secs`.
    #[error("the community server is rate limiting this device; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A download was larger than allowed; nothing was applied.
    #[error("{what} from the community server is larger than the {limit}-byte limit; nothing was applied")]
    PayloadTooLarge { what: String, limit: u64 },
    /// A download was truncated, tampered with or unsigned; nothing was applied.
    #[error("{what} from the community server was refused ({details}); nothing was applied")]
    BadPayload { what: String, details: String },
    /// The server's signing key differs from the pinned one; nothing was applied.
    #[error("the community server's key changed from {pinned} to {offered}; nothing was applied")]
    KeyChanged { pinned: String, offered: String },
    /// A server key that is not 64 hex digits.
    #[error("bad server key {key:?}: expected 64 hex digits")]
    BadKey { key: String },
    /// The server offered an older version than this device has; nothing was applied.
    #[error(
        "the community server offers version {offered}, older than the {local} this device has; refusing to go back"
    )]
    RollbackRefused { local: u64, offered: u64 },
    /// The server sent something unusable (bad manifest, wrong file kind); nothing applied.
    #[error("the community server sent an unusable {what}: {why}; nothing was applied")]
    BadResponse { what: String, why: String },

    /// The server did not answer within the deadline (`SyncConfig.timeoutMs`); nothing applied.
    #[error("the community server at {url} did not answer within the {secs} s deadline; nothing was applied, try again later")]
    TimedOut { url: String, secs: u64 },
    /// An old (replayed or frozen) copy of the server's data was refused.
    #[error("{what} from the community server was made at Unix time {made_at}, before the newest this device accepted ({newest}); an old copy is refused")]
    ReplayRefused { what: String, made_at: i64, newest: i64 },
    /// The call was cancelled (its coroutine or `Task`); nothing was changed.
    #[error("cancelled; nothing was changed")]
    Cancelled,

    // ---- bugs ----
    /// A bug in ringfence (a Rust panic, caught at the boundary). Please report it.
    #[error("internal error in ringfence: {details}")]
    Internal { details: String },
}

impl From<NumberError> for RingfenceError {
    fn from(e: NumberError) -> Self {
        ringfence_core::Error::from(e).into()
    }
}

impl From<ringfence_core::Error> for RingfenceError {
    fn from(e: ringfence_core::Error) -> Self {
        use ringfence_core::Error as E;
        // Exhaustive on purpose: a new core error needs a variant (or a deliberate
        // mapping) here, and the messages must stay equal to the core's (tested below).
        match e {
            E::Number(NumberError::UnknownRegion(region)) => RingfenceError::UnknownRegion { region },
            E::Number(NumberError::InvalidPattern { pattern, why }) => {
                RingfenceError::InvalidPattern { pattern, reason: why }
            }
            E::InvalidNumber { input, why } => RingfenceError::InvalidNumber { input, reason: why },
            E::UnknownSetting(key) => RingfenceError::UnknownSetting { key },
            E::BadSettingValue { key, value, expected } => RingfenceError::BadSettingValue { key, value, expected },
            E::UnknownCategory(name) => {
                RingfenceError::UnknownCategory { name, known: ringfence_core::Category::names().join(", ") }
            }
            E::UnknownAction(name) => RingfenceError::UnknownAction { name },
            E::EmergencyNumber(number) => RingfenceError::EmergencyNumber { number },
            E::BadBackup { why } => RingfenceError::BadBackup { reason: why },
            E::Open { path, detail } => {
                RingfenceError::DatabaseOpen { path: path.display().to_string(), details: detail }
            }
            E::SchemaTooNew { path, found, known } => {
                RingfenceError::SchemaTooNew { path: path.display().to_string(), found, known }
            }
            E::Corrupt { path, detail } => {
                RingfenceError::Corrupt { path: path.display().to_string(), details: detail }
            }
            E::Degraded { path, why } => RingfenceError::Degraded { path: path.display().to_string(), why },
            E::Database { detail } => RingfenceError::Database { details: detail },
            E::AlreadyImported { format, imported_at } => RingfenceError::AlreadyImported { format, imported_at },
            E::Io { what, source } => RingfenceError::Io { what, details: source.to_string() },
            E::BadServerUrl(url) => RingfenceError::BadServerUrl { url },
            E::ServerUnreachable { url, reason } => RingfenceError::ServerUnreachable { url, reason },
            E::TimedOut { url, secs } => RingfenceError::TimedOut { url, secs },
            E::ReplayRefused { what, made_at, newest } => RingfenceError::ReplayRefused { what, made_at, newest },
            E::ServerFailed { url, status, message } => RingfenceError::ServerFailed { url, status, details: message },
            E::Refused { status, code, message } => RingfenceError::Refused { status, code, details: message },
            E::RateLimited { retry_after_secs } => RingfenceError::RateLimited { retry_after_secs },
            E::PayloadTooLarge { what, limit } => RingfenceError::PayloadTooLarge { what, limit },
            E::BadPayload { what, source } => RingfenceError::BadPayload { what, details: source.to_string() },
            E::KeyChanged { pinned, offered } => RingfenceError::KeyChanged { pinned, offered },
            E::BadKey(key) => RingfenceError::BadKey { key },
            E::RollbackRefused { local, offered } => RingfenceError::RollbackRefused { local, offered },
            E::BadResponse { what, why } => RingfenceError::BadResponse { what, why },
            E::Cancelled => RingfenceError::Cancelled,
        }
    }
}

/// Runs an exported function's body, turning a panic into [`RingfenceError::Internal`].
///
/// UniFFI 0.32 itself catches panics at the boundary too, but reports them as its own
/// untyped error (Kotlin `InternalException`; Swift `UniffiInternalError.rustPanic`, which
/// a non-throwing Swift function turns into a `try!` crash). Catching here keeps every
/// failure inside the one documented error type.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, RingfenceError>) -> Result<T, RingfenceError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(RingfenceError::Internal { details: panic_message(payload.as_ref()) }),
    }
}

/// The message a panic was raised with.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_internal() {
        let r: Result<(), _> = guard(|| panic!("boom {}", 42));
        match r {
            Err(RingfenceError::Internal { details }) => assert_eq!(details, "boom 42"),
            other => panic!("expected Internal, got {other:?}"),
        }
        let r: Result<(), _> = guard(|| panic!("static"));
        assert!(matches!(r, Err(RingfenceError::Internal { details }) if details == "static"));
    }

    /// A real error of the core's (a directory is not a database).
    fn open_error() -> ringfence_core::Error {
        match ringfence_core::Screener::open(std::env::temp_dir(), ringfence_core::Region::KR) {
            Err(e @ ringfence_core::Error::Open { .. }) => e,
            Err(other) => panic!("expected Open, got {other:?}"),
            Ok(_) => panic!("opened a directory as a database"),
        }
    }

    /// Every core error keeps its exact message across the boundary.
    #[test]
    fn messages_equal_the_core_messages() {
        use ringfence_core::Error as E;
        use std::path::PathBuf;
        let cases: Vec<E> = vec![
            E::Number(NumberError::UnknownRegion("XX".into())),
            E::Number(NumberError::InvalidPattern { pattern: "abc*".into(), why: "has letters".into() }),
            E::InvalidNumber { input: "abc".into(), why: "has letters".into() },
            E::UnknownSetting("colour".into()),
            E::BadSettingValue { key: "threshold.block".into(), value: "-1".into(), expected: "a number >= 0".into() },
            E::UnknownCategory("weird".into()),
            E::UnknownAction("explode".into()),
            E::EmergencyNumber("+82112".into()),
            open_error(),
            E::SchemaTooNew { path: PathBuf::from("/x.db"), found: 9, known: 2 },
            E::Database { detail: "database is locked".into() },
            E::AlreadyImported { format: "csv".into(), imported_at: 1_700_000_000 },
            E::Io { what: "the csv file".into(), source: std::io::Error::other("gone") },
            E::Corrupt { path: PathBuf::from("/x.db"), detail: "malformed".into() },
            E::Degraded { path: PathBuf::from("/x.db"), why: "not a database".into() },
            E::BadServerUrl("ftp:/x".into()),
            E::ServerUnreachable { url: "https://x".into(), reason: "timed out".into() },
            E::ServerFailed { url: "https://x".into(), status: 503, message: "busy".into() },
            E::Refused { status: 400, code: "bad_number".into(), message: "no".into() },
            E::RateLimited { retry_after_secs: 30 },
            E::PayloadTooLarge { what: "the snapshot".into(), limit: 1 << 20 },
            E::BadPayload { what: "the snapshot".into(), source: ringfence_core::wire::DecodeError::BadSignature },
            E::KeyChanged { pinned: "aa".into(), offered: "bb".into() },
            E::BadKey("zz".into()),
            E::RollbackRefused { local: 9, offered: 3 },
            E::BadResponse { what: "manifest".into(), why: "not JSON".into() },
        ];
        for e in cases {
            let want = e.to_string();
            let got = RingfenceError::from(e).to_string();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn core_errors_map_to_variants() {
        let e: RingfenceError = ringfence_core::Error::from(NumberError::UnknownRegion("XX".into())).into();
        assert!(matches!(e, RingfenceError::UnknownRegion { ref region } if region == "XX"));
        assert!(e.to_string().contains("unknown region \"XX\""));
    }
}
