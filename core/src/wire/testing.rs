//! Fuzzing and test support, not part of the API: the decoder's layers below the
//! signature check, which a fixed key otherwise keeps mutated files from reaching
//! (`fuzz/src/targets.rs`).

use super::columns;
use super::error::DecodeError;
use super::file::{self, Limits};
use super::keys::SigningKey;
use super::payload::{Header, Payload};

/// Signs `unsigned` (a header and body) and appends the signature: any bytes become
/// a file that passes the signature check.
pub fn sign(unsigned: &[u8], key: &SigningKey) -> Vec<u8> {
    file::sign(unsigned.to_vec(), key)
}

/// What [`encode`](super::encode) compresses: the columns of `payload` (which must be
/// sorted).
pub fn encode_columns(payload: &Payload) -> Vec<u8> {
    columns::encode(payload)
}

/// The checks `decode` makes after the signature and decompression: the columns of a
/// decompressed `body` against `header` (whose counts say how many entries and
/// deletions it holds).
pub fn decode_columns(header: Header, body: &[u8], limits: &Limits) -> Result<Payload, DecodeError> {
    if header.entries > limits.max_entries || header.deletions > limits.max_deletions {
        return Err(DecodeError::TooLarge("count above the limit"));
    }
    columns::decode(header, body, false)
}

/// [`decode_columns`] for a format-2 body (with the entry flags column).
pub fn decode_columns_with_flags(header: Header, body: &[u8], limits: &Limits) -> Result<Payload, DecodeError> {
    if header.entries > limits.max_entries || header.deletions > limits.max_deletions {
        return Err(DecodeError::TooLarge("count above the limit"));
    }
    columns::decode(header, body, true)
}
