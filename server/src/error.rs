//! Every way the server can fail, as types: what the storage, the publisher and
//! retention, the key file, the flags and the start-up return. Each message says what
//! failed and where (a file's path, a flag), so an operator can act on it; `main.rs`
//! prints it as `error: <message>`.

use ringfence_core::wire;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A database failure, whichever the database.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// The database was migrated by a newer server (`storage/schema.rs`).
    #[error(
        "the database is at schema version {found}, newer than this server's {known}: run a newer ringfence-server"
    )]
    NewerSchema { found: i64, known: i64 },
    /// No randomness for a dispute's id.
    #[error("no randomness for an id: {0}")]
    NoRandomness(getrandom::Error),
}

/// A file that could not be read, written or deleted.
#[derive(Debug, Error)]
#[error("{}: {source}", .path.display())]
pub struct FileError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl FileError {
    /// For `map_err`: the error of an operation on `path`.
    pub fn at(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
        move |source| FileError { path: path.to_path_buf(), source }
    }
}

/// A publication or a retention run that failed (it is retried at the next interval).
#[derive(Debug, Error)]
pub enum PublishError {
    #[error("database: {0}")]
    Database(#[from] StorageError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0}")]
    Encode(#[from] wire::EncodeError),
    #[error("{0}")]
    Manifest(#[from] serde_json::Error),
}

/// The key pair file (`keys.rs`).
#[derive(Debug, Error)]
pub enum KeyError {
    #[error("{}: not a ringfence key (64 hex digits)", .0.display())]
    NotAKey(PathBuf),
    #[error("no randomness for a key: {0}")]
    NoRandomness(getrandom::Error),
    #[error(transparent)]
    File(#[from] FileError),
}

/// Flags that parse but make no sense together (`config.rs`).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("--publish-interval and --list-threshold must be positive, --half-life-days not negative")]
    Publication,
    #[error(
        "--block-score must be above --list-threshold, --new-device-weight between 0 and 1, \
         --device-maturity-days not negative"
    )]
    Evidence,
    #[error("--header-timeout and --request-timeout must be positive")]
    Timeouts,
    #[error("{0} must be a number of days or seconds, not negative")]
    Duration(&'static str),
    #[error(
        "--publish-dir {} would serve {} to anyone: publish from a folder that holds neither the database nor its key",
        dir.display(), secret.display()
    )]
    PublishesSecrets { dir: std::path::PathBuf, secret: std::path::PathBuf },
    #[error(
        "--trusted-proxy {0} trusts every address, so any client could choose its origin network; \
         add --allow-any-trusted-proxy if a proxy in front overwrites X-Forwarded-For"
    )]
    TrustsEveryone(String),
}

/// Why the server could not start (or stopped).
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened: `what` is its file, or `PostgreSQL`.
    #[error("{what}: {source}")]
    Open { what: String, source: StorageError },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("no randomness for a secret: {0}")]
    NoRandomness(getrandom::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
