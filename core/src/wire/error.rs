//! Why bytes were refused ([`DecodeError`]) or a payload could not be written
//! ([`EncodeError`]).

use super::keys::hex;
use std::fmt;

/// Why bytes were refused. Every variant means "nothing was applied".
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DecodeError {
    /// Shorter than a header and a signature, or shorter than the header says.
    Truncated {
        len: usize,
        expected: usize,
    },
    /// Longer than the header says.
    TrailingBytes {
        len: usize,
        expected: usize,
    },
    BadMagic,
    UnsupportedFormat(u8),
    UnknownKind(u8),
    /// Signed by another key than the pinned one.
    WrongKey {
        expected: [u8; 8],
        found: [u8; 8],
    },
    /// The signature does not match the content: the file was changed after signing.
    BadSignature,
    /// More entries, deletions or bytes than the limits allow.
    TooLarge(&'static str),
    /// Signed by the right key but inconsistent (a server bug): which check failed.
    Corrupt(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { len, expected } => write!(f, "truncated: {len} bytes, expected {expected}"),
            DecodeError::TrailingBytes { len, expected } => {
                write!(f, "{len} bytes where {expected} were expected (extra data appended)")
            }
            DecodeError::BadMagic => f.write_str("not a ringfence data file"),
            DecodeError::UnsupportedFormat(v) => {
                write!(f, "format version {v} is newer than this app knows; update the app")
            }
            DecodeError::UnknownKind(k) => write!(f, "unknown file kind {k}"),
            DecodeError::WrongKey { expected, found } => {
                write!(f, "signed by key {} instead of the pinned key {}", hex(found), hex(expected))
            }
            DecodeError::BadSignature => {
                f.write_str("signature mismatch: the file was altered after the server signed it")
            }
            DecodeError::TooLarge(what) => write!(f, "too large: {what}"),
            DecodeError::Corrupt(what) => write!(f, "inconsistent content: {what}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a payload could not be encoded (a caller's bug, not bad input from outside).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum EncodeError {
    Unsorted,
    DeletionInSnapshot,
    TooMany,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EncodeError::Unsorted => "entries and deletions must be ascending without duplicates",
            EncodeError::DeletionInSnapshot => "a snapshot has no deletions",
            EncodeError::TooMany => "more than 2^32 - 1 entries",
        })
    }
}

impl std::error::Error for EncodeError {}
