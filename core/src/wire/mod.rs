//! The community database on the wire: signed snapshot, delta and lookup-bucket files,
//! and the signed JSON manifest that points at them. One definition, used by the server to
//! write them and by the phone to read them (`docs/protocol.md` describes it byte by
//! byte for other implementations, and `tests/fixtures/wire/` holds test vectors).
//!
//! A file is a fixed 56-byte header, a zstd-compressed columnar body and an ed25519
//! signature over everything before it:
//!
//! ```text
//! header   magic "RFWF", format (1, or 2 with entry flags), kind, 2 reserved bytes, key id (8), version (u64),
//!          base version (u64), created_at (i64), half-life seconds (u32),
//!          entry count (u32), deletion count (u32), body length (u32); little-endian
//! body     zstd( key gaps in 4 byte planes + long gaps | categories | scores | ages |
//!                [format 2: flags, bit 0 disputed] | deleted key gaps, the same way )
//! sig      64 bytes
//! ```
//!
//! Columns compress far better than rows: sorted keys become small gaps (varints), and
//! categories, scores and ages are long runs of a few values. A million realistic
//! entries take well under 4 bytes each.
//!
//! Decoding checks the signature before it looks at anything else, then checks every
//! count, order and bound; it never panics and never allocates more than the limits
//! allow, whatever the bytes (it is fuzzed in `tests`).
//!
//! One concept per file, each depending only on those listed before it:
//!
//! | file | what |
//! |---|---|
//! | `keys.rs` | the signing key's id and hex form |
//! | `error.rs` | why bytes were refused or a payload not written |
//! | `payload.rs` | what a file holds: header fields, entries, deletions |
//! | `lookup.rs` | the private lookup's keyed hash and tags |
//! | `columns.rs` | the body: column codec, varints, score and age quantisation |
//! | `file.rs` | the signed file: header bytes, signature, encode and decode |
//! | `manifest.rs` | what `manifest.json` says |
//! | `signed.rs` | signed JSON: the manifest, a device's report batch, the server's acknowledgement |
//! | `api.rs` | the report API's JSON bodies |
//! | `testing.rs` | the layers below the signature, for the fuzz targets |

mod api;
mod columns;
mod error;
mod file;
mod keys;
mod lookup;
mod manifest;
mod payload;
mod signed;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod vectors;

pub use api::{ApiError, DisputeRequest, DisputeStatus, ReportAck, ReportBatch, ReportItem, MAX_BATCH, MAX_BODY_BYTES};
pub use columns::{age_code, age_days, age_of_code, dequantise, quantise, rounded_activity, FLAG_DISPUTED};
pub use error::{DecodeError, EncodeError};
pub use file::{
    decode, encode, peek_header, Limits, FORMAT_VERSION, FORMAT_WITHOUT_FLAGS, HEADER_LEN, MAGIC, SIGNATURE_LEN,
};
pub use keys::{hex, key_id, parse_public_key, unhex, SigningKey, VerifyingKey};
pub use lookup::{lookup_hash, TAG_BITS};
pub use manifest::{delta_path, snapshot_path, FileRef, Manifest, DELTA_PATH};
pub use payload::{Entry, Header, Kind, Payload};
pub use signed::{
    batch_digest, device_id, open_batch, open_manifest, sign_ack, sign_batch, sign_batch_text, sign_manifest,
    sign_rejection, verify_ack, verify_rejection, SignedAck, SignedBatch, SignedError, SignedManifest,
    BATCH_CLOCK_SKEW,
};
