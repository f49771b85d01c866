//! What a file holds, decoded: its [`Header`] and its [`Entry`]s and deletions.

use crate::decision::Category;
use serde::{Deserialize, Serialize};

/// What a file holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Every listed number at `version`.
    Snapshot = 1,
    /// What changed from `base_version` to `version`: upserts and deletions.
    Delta = 2,
    /// The listed numbers of one lookup bucket (`base_version` holds the bucket); keys
    /// are hash tags, not numbers.
    Bucket = 3,
}

impl Kind {
    pub(super) fn from_u8(b: u8) -> Option<Kind> {
        match b {
            1 => Some(Kind::Snapshot),
            2 => Some(Kind::Delta),
            3 => Some(Kind::Bucket),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Header {
    pub kind: Kind,
    /// Which key signed it: the first 8 bytes of SHA-256 of the public key.
    pub key_id: [u8; 8],
    pub version: u64,
    pub base_version: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// The server's evidence half-life, for information (0: no decay).
    pub half_life_secs: u32,
    pub entries: u32,
    pub deletions: u32,
}

/// One listed number (or, in a bucket, one hash tag).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Entry {
    /// The E.164 key (`E164::as_u64`), or the lookup tag in a bucket.
    pub key: u64,
    pub category: Category,
    /// Net spam votes at `last_activity` (quantised: see [`quantise`](super::quantise)).
    pub score: f64,
    /// Unix seconds of the last vote, rounded up to a day boundary (see
    /// [`age_days`](super::age_days)).
    pub last_activity: i64,
    /// Disputed and held for an operator's review: phones at most warn for it (format 2's
    /// flags column; files without a flagged entry are format 1).
    pub disputed: bool,
}

/// A decoded (or to-be-encoded) file.
#[derive(Clone, PartialEq, Debug)]
pub struct Payload {
    pub header: Header,
    /// Ascending by key, no duplicates.
    pub entries: Vec<Entry>,
    /// Deltas only: keys no longer listed. Ascending, no duplicates, none in `entries`.
    pub deletions: Vec<u64>,
}
