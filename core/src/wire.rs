//! The community database on the wire: signed snapshot, delta and lookup-bucket files,
//! and the JSON manifest that points at them. One definition, used by the server to
//! write them and by the phone to read them (`docs/protocol.md` describes it byte by
//! byte for other implementations).
//!
//! A file is a fixed 56-byte header, a zstd-compressed columnar body and an ed25519
//! signature over everything before it:
//!
//! ```text
//! header   magic "RFWF", format 1, kind, 2 reserved bytes, key id (8), version (u64),
//!          base version (u64), created_at (i64), half-life seconds (u32),
//!          entry count (u32), deletion count (u32), body length (u32); little-endian
//! body     zstd( key gaps in 4 byte planes + long gaps | categories | scores | ages |
//!                deleted key gaps, the same way )
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

use crate::decision::Category;
use crate::number::E164;
use ed25519_dalek::{Signature, Signer, Verifier};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Read;

pub use ed25519_dalek::{SigningKey, VerifyingKey};

pub const MAGIC: [u8; 4] = *b"RFWF";
pub const FORMAT_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 56;
pub const SIGNATURE_LEN: usize = 64;
const DAY: i64 = 86_400;
/// Lookup tags keep 56 bits of the keyed hash (after the 16-bit bucket).
pub const TAG_BITS: u32 = 56;

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
    fn from_u8(b: u8) -> Option<Kind> {
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
    /// Net spam votes at `last_activity` (quantised: see [`quantise`]).
    pub score: f64,
    /// Unix seconds of the last vote, rounded up to a day boundary (see [`age_days`]).
    pub last_activity: i64,
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

/// Caps that keep a hostile or broken file from exhausting memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_entries: u32,
    pub max_deletions: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_entries: 20_000_000, max_deletions: 20_000_000 }
    }
}

pub fn key_id(key: &VerifyingKey) -> [u8; 8] {
    let d = Sha256::digest(key.as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&d[..8]);
    id
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2)
        .map(|c| {
            let d = |b: u8| (b as char).to_digit(16);
            Some((d(c[0])? * 16 + d(c[1])?) as u8)
        })
        .collect()
}

/// A public key from its 64 hex digits (what `ringfence-server pubkey` prints).
pub fn parse_public_key(s: &str) -> Option<VerifyingKey> {
    let b: [u8; 32] = unhex(s)?.try_into().ok()?;
    VerifyingKey::from_bytes(&b).ok()
}

// ---- scores ----

/// Scores travel as one byte: quarter steps up to 8 (so the small integers thresholds
/// are set at are exact), then steps of 2^(1/24) (under 3 %) up to about 5,000.
pub fn quantise(score: f64) -> u8 {
    if score.is_nan() || score <= 0.0 {
        return 1;
    }
    if score <= 8.125 {
        return (score * 4.0).round().clamp(1.0, 32.0) as u8;
    }
    (32.0 + (24.0 * (score / 8.0).log2()).round()).clamp(33.0, 255.0) as u8
}

pub fn dequantise(q: u8) -> f64 {
    match q {
        0 => 0.0,
        1..=32 => f64::from(q) / 4.0,
        _ => 8.0 * (f64::from(q - 32) / 24.0).exp2(),
    }
}

// ---- private lookup ----

/// The keyed hash a phone sends the first 16 bits of: HMAC-SHA256(salt, E.164 digits).
/// Returns (bucket, tag): bits 0..16 and 16..72 of the hash.
pub fn lookup_hash(salt: &[u8], number: E164) -> (u16, u64) {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(salt).expect("HMAC takes keys of any length");
    mac.update(number.digits().as_bytes());
    let h = mac.finalize().into_bytes();
    let bucket = u16::from_be_bytes([h[0], h[1]]);
    let mut tag = [0u8; 8];
    tag[1..].copy_from_slice(&h[2..9]);
    (bucket, u64::from_be_bytes(tag))
}

// ---- encoding ----

/// Last activity travels as whole days before the end of the file's creation day,
/// rounded so the time moves *later* (never earlier): a phone then never sees evidence
/// as older, and so weaker, than it is, and five fresh votes still reach a threshold of
/// five after the phone decays them.
pub fn age_days(created_at: i64, last_activity: i64) -> u64 {
    let end_of_today = created_at.div_euclid(DAY) + 1;
    let day = last_activity.div_euclid(DAY) + i64::from(last_activity.rem_euclid(DAY) != 0);
    (end_of_today - day).max(0) as u64
}

/// Ages travel as one byte: exact days up to 31, then weeks up to a year, then
/// 30-day months (up to 15 years). Always rounded to the younger side.
pub fn age_code(days: u64) -> u8 {
    match days {
        0..=31 => days as u8,
        32..=367 => (31 + (days - 31) / 7) as u8,
        _ => (79 + (days - 367) / 30).min(255) as u8,
    }
}

pub fn age_of_code(code: u8) -> i64 {
    let c = i64::from(code);
    match code {
        0..=31 => c,
        32..=79 => 31 + (c - 31) * 7,
        _ => 367 + (c - 79) * 30,
    }
}

/// What a phone reads back for `last_activity` (see [`age_days`] and [`age_code`]).
pub fn rounded_activity(created_at: i64, last_activity: i64) -> i64 {
    let age = age_of_code(age_code(age_days(created_at, last_activity)));
    (created_at.div_euclid(DAY) + 1 - age) * DAY
}

/// A key column: ascending keys as gaps (the first gap is the first key), each gap as 4
/// little-endian bytes split into 4 planes (every first byte, then every second byte,
/// ...), which compress far better than interleaved bytes. A gap of 2^32 - 1 or more is
/// written as 0xFFFFFFFF in the planes and in full, as a LEB128 varint, in a list that
/// follows the planes in the same order.
fn put_keys(out: &mut Vec<u8>, keys: &[u64]) {
    let gaps: Vec<u64> = keys.iter().scan(0u64, |prev, k| Some(k - std::mem::replace(prev, *k))).collect();
    for plane in 0..4 {
        out.extend(gaps.iter().map(|g| ((*g).min(u64::from(u32::MAX)) >> (8 * plane)) as u8));
    }
    for g in gaps.iter().filter(|g| **g >= u64::from(u32::MAX)) {
        put_varint(out, *g);
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

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

/// Signs and writes a file. The header's counts and key id are filled in from the
/// payload and the key; entries must be ascending by key.
pub fn encode(payload: &Payload, key: &SigningKey) -> Result<Vec<u8>, EncodeError> {
    let (entries, deletions) = (&payload.entries, &payload.deletions);
    if !entries.windows(2).all(|w| w[0].key < w[1].key) || !deletions.windows(2).all(|w| w[0] < w[1]) {
        return Err(EncodeError::Unsorted);
    }
    if payload.header.kind != Kind::Delta && !deletions.is_empty() {
        return Err(EncodeError::DeletionInSnapshot);
    }
    let n = u32::try_from(entries.len()).map_err(|_| EncodeError::TooMany)?;
    let d = u32::try_from(deletions.len()).map_err(|_| EncodeError::TooMany)?;

    let body = zstd::bulk::compress(&columns_of(payload), 19).expect("zstd compresses any input in memory");

    let h = &payload.header;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + SIGNATURE_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    out.push(h.kind as u8);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&key_id(&key.verifying_key()));
    out.extend_from_slice(&h.version.to_le_bytes());
    out.extend_from_slice(&h.base_version.to_le_bytes());
    out.extend_from_slice(&h.created_at.to_le_bytes());
    out.extend_from_slice(&h.half_life_secs.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&d.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    let sig = key.sign(&out);
    out.extend_from_slice(&sig.to_bytes());
    Ok(out)
}

/// The body before compression: the columns (see [`encode`]).
fn columns_of(payload: &Payload) -> Vec<u8> {
    let (entries, deletions) = (&payload.entries, &payload.deletions);
    let mut body = Vec::with_capacity(entries.len() * 7 + deletions.len() * 4);
    put_keys(&mut body, &entries.iter().map(|e| e.key).collect::<Vec<_>>());
    body.extend(entries.iter().map(|e| e.category.code()));
    body.extend(entries.iter().map(|e| quantise(e.score)));
    body.extend(entries.iter().map(|e| age_code(age_days(payload.header.created_at, e.last_activity))));
    put_keys(&mut body, deletions);
    body
}

// ---- decoding ----

fn le<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[at..at + N]);
    a
}

/// Reads the header without checking the signature (for diagnostics and planning only:
/// trust nothing in it before [`decode`] succeeds).
pub fn peek_header(bytes: &[u8]) -> Result<(Header, usize), DecodeError> {
    if bytes.len() < HEADER_LEN + SIGNATURE_LEN {
        if bytes.len() >= 4 && bytes[..4] != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        return Err(DecodeError::Truncated { len: bytes.len(), expected: HEADER_LEN + SIGNATURE_LEN });
    }
    if bytes[..4] != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    if bytes[4] != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedFormat(bytes[4]));
    }
    let kind = Kind::from_u8(bytes[5]).ok_or(DecodeError::UnknownKind(bytes[5]))?;
    let header = Header {
        kind,
        key_id: le(bytes, 8),
        version: u64::from_le_bytes(le(bytes, 16)),
        base_version: u64::from_le_bytes(le(bytes, 24)),
        created_at: i64::from_le_bytes(le(bytes, 32)),
        half_life_secs: u32::from_le_bytes(le(bytes, 40)),
        entries: u32::from_le_bytes(le(bytes, 44)),
        deletions: u32::from_le_bytes(le(bytes, 48)),
    };
    let body_len = u32::from_le_bytes(le(bytes, 52)) as usize;
    Ok((header, body_len))
}

/// Checks the signature against `key`, then decodes and validates everything.
pub fn decode(bytes: &[u8], key: &VerifyingKey, limits: &Limits) -> Result<Payload, DecodeError> {
    let (header, body_len) = peek_header(bytes)?;
    let expected = HEADER_LEN + body_len + SIGNATURE_LEN;
    if bytes.len() < expected {
        return Err(DecodeError::Truncated { len: bytes.len(), expected });
    }
    if bytes.len() > expected {
        return Err(DecodeError::TrailingBytes { len: bytes.len(), expected });
    }
    let wanted = key_id(key);
    if header.key_id != wanted {
        return Err(DecodeError::WrongKey { expected: wanted, found: header.key_id });
    }
    let signed = &bytes[..HEADER_LEN + body_len];
    let sig = Signature::from_bytes(&le(bytes, HEADER_LEN + body_len));
    key.verify(signed, &sig).map_err(|_| DecodeError::BadSignature)?;
    if !(0..=1 << 40).contains(&header.created_at) {
        return Err(DecodeError::Corrupt("creation time out of range"));
    }
    if bytes[6..8] != [0, 0] {
        return Err(DecodeError::Corrupt("reserved header bytes are not zero"));
    }
    if header.entries > limits.max_entries {
        return Err(DecodeError::TooLarge("entry count above the limit"));
    }
    if header.deletions > limits.max_deletions {
        return Err(DecodeError::TooLarge("deletion count above the limit"));
    }
    if header.kind != Kind::Delta && header.deletions != 0 {
        return Err(DecodeError::Corrupt("deletions outside a delta"));
    }
    if header.kind == Kind::Delta && header.base_version >= header.version {
        return Err(DecodeError::Corrupt("delta base version not below its version"));
    }
    if header.kind == Kind::Bucket && header.base_version > u64::from(u16::MAX) {
        return Err(DecodeError::Corrupt("bucket number above 16 bits"));
    }
    // Each entry takes at most 4 + 10 + 3 bytes and each deletion 14: anything
    // longer is a zip bomb or garbage.
    let n = header.entries as usize;
    let d = header.deletions as usize;
    let bound = n * (4 + 10 + 3) + d * (4 + 10);
    let mut body = Vec::new();
    let decoder = zstd::stream::read::Decoder::with_buffer(&bytes[HEADER_LEN..HEADER_LEN + body_len])
        .map_err(|_| DecodeError::Corrupt("body is not zstd"))?;
    decoder
        .take(bound as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|_| DecodeError::Corrupt("body does not decompress"))?;
    if body.len() > bound {
        return Err(DecodeError::TooLarge("body decompresses beyond what its counts allow"));
    }
    columns(header, &body)
}

/// The columns of a decompressed body, checked against its (verified) header.
fn columns(header: Header, body: &[u8]) -> Result<Payload, DecodeError> {
    let n = header.entries as usize;
    let d = header.deletions as usize;
    let mut r = Cursor { b: body, at: 0 };
    let max_key = match header.kind {
        Kind::Bucket => (1u64 << TAG_BITS) - 1,
        _ => 10u64.pow(E164::MAX_DIGITS) - 1,
    };
    let keys = r.sorted_keys(n, max_key, header.kind == Kind::Bucket)?;
    let categories = r.bytes(n)?;
    let scores = r.bytes(n)?;
    let ages = r.bytes(n)?;
    let end_of_today = header.created_at.div_euclid(DAY) + 1;
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let category = Category::from_code(categories[i])
            .filter(Category::is_reportable)
            .ok_or(DecodeError::Corrupt("unknown or unlisted category"))?;
        if scores[i] == 0 {
            return Err(DecodeError::Corrupt("zero score"));
        }
        entries.push(Entry {
            key: keys[i],
            category,
            score: dequantise(scores[i]),
            last_activity: (end_of_today - age_of_code(ages[i])) * DAY,
        });
    }
    let deletions = r.sorted_keys(d, max_key, false)?;
    if r.at != body.len() {
        return Err(DecodeError::Corrupt("bytes left after the last column"));
    }
    // Deletions and entries are both sorted: one merge walk finds an overlap.
    let (mut i, mut j) = (0, 0);
    while i < entries.len() && j < deletions.len() {
        match entries[i].key.cmp(&deletions[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return Err(DecodeError::Corrupt("a number both listed and deleted")),
        }
    }
    Ok(Payload { header, entries, deletions })
}

/// Fuzzing and test support, not part of the API: the decoder's layers below the
/// signature check, which a fixed key otherwise keeps mutated files from reaching
/// (`fuzz/src/targets.rs`).
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// Signs `unsigned` (a header and body) and appends the signature: any bytes become
    /// a file that passes the signature check.
    pub fn sign(unsigned: &[u8], key: &SigningKey) -> Vec<u8> {
        let mut out = unsigned.to_vec();
        out.extend_from_slice(&key.sign(unsigned).to_bytes());
        out
    }

    /// What [`encode`] compresses: the columns of `payload` (which must be sorted).
    pub fn encode_columns(payload: &Payload) -> Vec<u8> {
        columns_of(payload)
    }

    /// The checks `decode` makes after the signature and decompression: the columns of a
    /// decompressed `body` against `header` (whose counts say how many entries and
    /// deletions it holds).
    pub fn decode_columns(header: Header, body: &[u8], limits: &Limits) -> Result<Payload, DecodeError> {
        if header.entries > limits.max_entries || header.deletions > limits.max_deletions {
            return Err(DecodeError::TooLarge("count above the limit"));
        }
        columns(header, body)
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.at).ok_or(DecodeError::Corrupt("body ends inside a column"))?;
            self.at += 1;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(DecodeError::Corrupt("varint overflows 64 bits"));
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError::Corrupt("varint longer than 10 bytes"))
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(DecodeError::Corrupt("body ends inside a column"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// A key column of `n` keys (see `put_keys`): strictly ascending, each in `1..=max`
    /// (`0..=max` for tags).
    fn sorted_keys(&mut self, n: usize, max: u64, zero_ok: bool) -> Result<Vec<u64>, DecodeError> {
        let planes = self.bytes(n.checked_mul(4).ok_or(DecodeError::TooLarge("key count"))?)?;
        let mut keys = Vec::with_capacity(n);
        let mut prev = 0u64;
        for i in 0..n {
            let g = u32::from_le_bytes([planes[i], planes[n + i], planes[2 * n + i], planes[3 * n + i]]);
            let gap = if g == u32::MAX {
                let v = self.varint()?;
                if v < u64::from(u32::MAX) {
                    return Err(DecodeError::Corrupt("a short gap written long"));
                }
                v
            } else {
                u64::from(g)
            };
            if i > 0 && gap == 0 {
                return Err(DecodeError::Corrupt("keys not strictly ascending"));
            }
            let key = prev.checked_add(gap).ok_or(DecodeError::Corrupt("key overflows"))?;
            if key > max || (key == 0 && !zero_ok) {
                return Err(DecodeError::Corrupt("key out of range"));
            }
            keys.push(key);
            prev = key;
        }
        Ok(keys)
    }
}

// ---- manifest ----

/// `manifest.json` at the root of the publish directory: where the files are. It is not
/// signed; every file names its own version and base, so a stale or forged manifest can
/// only make a phone refuse, never apply the wrong data.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Wire format version (1).
    pub format: u8,
    /// The newest published version (0: nothing published yet).
    pub latest: u64,
    /// The newest full snapshot, if any.
    pub snapshot: Option<FileRef>,
    /// The oldest version whose delta (from version - 1) is still available.
    pub oldest_delta: Option<u64>,
    /// Path template of deltas, relative to the manifest: `{version}` is replaced.
    pub delta_path: String,
    /// Hex salt of the lookup hash.
    pub lookup_salt: String,
    /// Hex ed25519 public key that signs every file, and its id.
    pub key: String,
    pub key_id: String,
    pub created_at: i64,
    pub half_life_secs: u32,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct FileRef {
    pub version: u64,
    /// Relative to the manifest.
    pub path: String,
}

pub const DELTA_PATH: &str = "deltas/{version}.rfd";

pub fn snapshot_path(version: u64) -> String {
    format!("snapshots/{version}.rfs")
}

pub fn delta_path(version: u64) -> String {
    DELTA_PATH.replace("{version}", &version.to_string())
}

// ---- HTTP API bodies (JSON) ----

/// Most reports one upload may carry.
pub const MAX_BATCH: usize = 500;
/// Largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// `POST /v1/reports`.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBatch {
    /// Pseudonymous device id: 32 lowercase hex digits, random, made once per install.
    pub device: String,
    pub reports: Vec<ReportItem>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportItem {
    /// Idempotency key: unique per report; the server counts a key once.
    pub key: String,
    /// E.164 with `+`.
    pub number: String,
    /// `false`: "not spam".
    pub spam: bool,
    /// A reportable category name (`scam`, `telemarketing`, ...); ignored for "not spam".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When the user reported it (Unix seconds; informational).
    pub at: i64,
}

/// The answer to an accepted batch.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ReportAck {
    /// Reports counted now.
    pub accepted: u32,
    /// Reports whose idempotency key was already known (counted before).
    pub duplicates: u32,
}

/// Every 4xx/5xx answer.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ApiError {
    /// Machine-readable: `invalid_number`, `emergency_number`, `unknown_category`, ...
    pub error: String,
    pub message: String,
    /// The report in the batch that was refused, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn sample(kind: Kind) -> Payload {
        sample_of(kind, 1000)
    }

    fn sample_of(kind: Kind, n: u64) -> Payload {
        let created_at = 1_700_000_000;
        let entries: Vec<Entry> = (0..n)
            .map(|i| Entry {
                key: 821_012_340_000 + i * 7,
                category: Category::ALL[4 + (i as usize % 11)],
                score: dequantise((i % 200) as u8 + 1),
                last_activity: rounded_activity(created_at, created_at - (i as i64 % 400) * DAY),
            })
            .collect();
        let deletions = if kind == Kind::Delta { vec![15_551_234_567, 15_551_234_568] } else { vec![] };
        Payload {
            header: Header {
                kind,
                key_id: key_id(&key().verifying_key()),
                version: 5,
                base_version: if kind == Kind::Delta { 4 } else { 0 },
                created_at,
                half_life_secs: 125 * 86_400,
                entries: entries.len() as u32,
                deletions: deletions.len() as u32,
            },
            entries,
            deletions,
        }
    }

    #[test]
    fn round_trip() {
        for kind in [Kind::Snapshot, Kind::Delta] {
            let p = sample(kind);
            let bytes = encode(&p, &key()).unwrap();
            let back = decode(&bytes, &key().verifying_key(), &Limits::default()).unwrap();
            assert_eq!(back, p);
        }
    }

    #[test]
    fn quantisation_is_exact_on_quarters_and_close_above() {
        for q in 1..=32u8 {
            assert_eq!(quantise(dequantise(q)), q);
        }
        assert_eq!(dequantise(quantise(3.0)), 3.0);
        assert_eq!(dequantise(quantise(5.0)), 5.0);
        assert_eq!(dequantise(quantise(2.999)), 3.0);
        for s in [9.0, 17.5, 100.0, 1234.0] {
            let back = dequantise(quantise(s));
            assert!((back - s).abs() / s < 0.015, "{s} -> {back}");
        }
        assert_eq!(quantise(1e12), 255);
        assert_eq!(quantise(f64::NAN), 1);
    }

    #[test]
    fn every_flipped_byte_and_every_cut_is_refused() {
        let bytes = encode(&sample_of(Kind::Delta, 40), &key()).unwrap();
        let vk = key().verifying_key();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            assert!(decode(&b, &vk, &Limits::default()).is_err(), "flip at {i} accepted");
        }
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len], &vk, &Limits::default()).is_err(), "cut at {len} accepted");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode(&longer, &vk, &Limits::default()), Err(DecodeError::TrailingBytes { .. })));
    }

    #[test]
    fn another_key_is_named() {
        let bytes = encode(&sample(Kind::Snapshot), &key()).unwrap();
        let other = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert!(matches!(decode(&bytes, &other, &Limits::default()), Err(DecodeError::WrongKey { .. })));
    }

    #[test]
    fn limits_hold() {
        let bytes = encode(&sample(Kind::Snapshot), &key()).unwrap();
        let tight = Limits { max_entries: 999, max_deletions: 0 };
        assert_eq!(
            decode(&bytes, &key().verifying_key(), &tight),
            Err(DecodeError::TooLarge("entry count above the limit"))
        );
    }

    #[test]
    fn signed_garbage_is_refused_without_panicking() {
        // The right key signs nonsense: decoding must still fail cleanly.
        let k = key();
        let mut state = 0x1234_5678u64;
        for round in 0..500 {
            let mut body = Vec::new();
            let len = (round % 64) as usize;
            for _ in 0..len {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                body.push((state >> 56) as u8);
            }
            let z = zstd::bulk::compress(&body, 1).unwrap();
            let mut out = Vec::new();
            out.extend_from_slice(&MAGIC);
            out.extend_from_slice(&[FORMAT_VERSION, 1 + (round % 3) as u8, 0, 0]);
            out.extend_from_slice(&key_id(&k.verifying_key()));
            out.extend_from_slice(&(round as u64 + 1).to_le_bytes());
            out.extend_from_slice(&0u64.to_le_bytes());
            out.extend_from_slice(&1_700_000_000i64.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&((state >> 8) as u32 % 8).to_le_bytes());
            out.extend_from_slice(&((state >> 20) as u32 % 3).to_le_bytes());
            out.extend_from_slice(&(z.len() as u32).to_le_bytes());
            out.extend_from_slice(&z);
            let sig = k.sign(&out);
            out.extend_from_slice(&sig.to_bytes());
            let _ = decode(&out, &k.verifying_key(), &Limits::default());
        }
    }

    #[test]
    fn ages_round_to_the_younger_side() {
        let now = 1_700_000_000;
        for days in 0..5600i64 {
            let t = now - days * DAY - 5;
            let r = rounded_activity(now, t);
            assert!(r >= t, "{days}: {r} < {t}");
            let slack = if days <= 31 {
                2
            } else if days <= 367 {
                8
            } else {
                31
            };
            assert!(r - t <= slack * DAY, "{days}: rounded by {} days", (r - t) / DAY);
            assert_eq!(rounded_activity(now, r), r, "stable");
        }
    }

    #[test]
    fn lookup_hash_is_keyed() {
        let n = E164::from_digits("821012345678").unwrap();
        let (b1, t1) = lookup_hash(b"salt-a", n);
        let (b2, t2) = lookup_hash(b"salt-b", n);
        assert_ne!((b1, t1), (b2, t2));
        assert_eq!(lookup_hash(b"salt-a", n), (b1, t1));
        assert!(t1 < 1 << TAG_BITS);
    }
}
