//! The signed file: a fixed 56-byte header, the zstd-compressed columns (`columns.rs`)
//! and an ed25519 signature over everything before it. [`encode`] writes one,
//! [`decode`] checks the signature before anything else, then every count, order and
//! bound.

use super::columns;
use super::error::{DecodeError, EncodeError};
use super::keys::{key_id, SigningKey, VerifyingKey};
use super::payload::{Header, Kind, Payload};
use ed25519_dalek::{Signature, Signer, Verifier};
use std::io::Read;

pub const MAGIC: [u8; 4] = *b"RFWF";
/// The newest format: 2 adds the entry flags column (`disputed`). A file is written as
/// format 1 when no entry carries a flag (byte for byte what format 1 always was), as 2
/// otherwise; both decode. The manifest names this number: apps that only read format 1
/// are told to update rather than misreading a held listing as an ordinary one.
pub const FORMAT_VERSION: u8 = 2;
/// The first format, still written for files without flags and still read.
pub const FORMAT_WITHOUT_FLAGS: u8 = 1;
pub const HEADER_LEN: usize = 56;
pub const SIGNATURE_LEN: usize = 64;

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

    let body = zstd::bulk::compress(&columns::encode(payload), 19).expect("zstd compresses any input in memory");

    let header = Header { key_id: key_id(&key.verifying_key()), entries: n, deletions: d, ..payload.header };
    let format = if columns::has_flags(payload) { FORMAT_VERSION } else { FORMAT_WITHOUT_FLAGS };
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + SIGNATURE_LEN);
    put_header(&mut out, format, &header, body.len() as u32);
    out.extend_from_slice(&body);
    Ok(sign(out, key))
}

/// The 56 header bytes, as they are: the counts and key id are not checked here.
pub(super) fn put_header(out: &mut Vec<u8>, format: u8, h: &Header, body_len: u32) {
    out.extend_from_slice(&MAGIC);
    out.push(format);
    out.push(h.kind as u8);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&h.key_id);
    out.extend_from_slice(&h.version.to_le_bytes());
    out.extend_from_slice(&h.base_version.to_le_bytes());
    out.extend_from_slice(&h.created_at.to_le_bytes());
    out.extend_from_slice(&h.half_life_secs.to_le_bytes());
    out.extend_from_slice(&h.entries.to_le_bytes());
    out.extend_from_slice(&h.deletions.to_le_bytes());
    out.extend_from_slice(&body_len.to_le_bytes());
}

/// Appends the signature of everything in `unsigned` (a header and a body).
pub(super) fn sign(mut unsigned: Vec<u8>, key: &SigningKey) -> Vec<u8> {
    let sig = key.sign(&unsigned);
    unsigned.extend_from_slice(&sig.to_bytes());
    unsigned
}

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
    if !(FORMAT_WITHOUT_FLAGS..=FORMAT_VERSION).contains(&bytes[4]) {
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
    let bound = columns::max_len(header.entries as usize, header.deletions as usize);
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
    columns::decode(header, &body, bytes[4] >= 2)
}

#[cfg(test)]
mod tests {
    use super::super::columns::{dequantise, rounded_activity, DAY};
    use super::super::payload::Entry;
    use super::*;
    use crate::decision::Category;

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
                disputed: false,
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

    /// The right key signs nonsense: a header with random counts over random column
    /// bytes (zstd-compressed, or raw). Every such file gets past the signature and is
    /// then refused for its content, with the error its flaw calls for; none is
    /// accepted, none panics.
    #[test]
    fn signed_garbage_is_refused_for_its_content_never_accepted() {
        let k = key();
        let vk = k.verifying_key();
        let mut rng = fastrand::Rng::with_seed(0x1234_5678);
        let mut seen = std::collections::BTreeMap::<String, u32>::new();
        for round in 0..3000u32 {
            let kind = [Kind::Snapshot, Kind::Delta, Kind::Bucket][round as usize % 3];
            let n = rng.u32(..8);
            // Deletions outside a delta are refused first: only now and then.
            let d = if kind == Kind::Delta || rng.u8(..8) == 0 { rng.u32(..3) } else { 0 };
            let compressed = round % 4 != 0;
            let mut plain: Vec<u8> = (0..rng.usize(..64)).map(|_| rng.u8(..)).collect();
            // Garbage of the one length that columns of these counts without long gaps
            // have could be a valid file, and an empty raw body is an empty zstd
            // stream: both are made one byte longer.
            if plain.len() == 7 * n as usize + 4 * d as usize || (!compressed && plain.is_empty()) {
                plain.push(rng.u8(..));
            }
            let body = if compressed { zstd::bulk::compress(&plain, 1).unwrap() } else { plain.clone() };
            let header = Header {
                kind,
                key_id: key_id(&vk),
                version: u64::from(round) + 1,
                base_version: 0,
                created_at: 1_700_000_000,
                half_life_secs: 0,
                entries: n,
                deletions: d,
            };
            let mut unsigned = Vec::new();
            put_header(&mut unsigned, FORMAT_WITHOUT_FLAGS, &header, body.len() as u32);
            unsigned.extend_from_slice(&body);
            let file = sign(unsigned, &k);

            let got = decode(&file, &vk, &Limits::default());
            let (n, d) = (n as usize, d as usize);
            let expected = if kind != Kind::Delta && d > 0 {
                Some(DecodeError::Corrupt("deletions outside a delta"))
            } else if !compressed {
                Some(DecodeError::Corrupt("body does not decompress"))
            } else if plain.len() > columns::max_len(n, d) {
                Some(DecodeError::TooLarge("body decompresses beyond what its counts allow"))
            } else if plain.len() < 4 * n {
                Some(DecodeError::Corrupt("body ends inside a column"))
            } else {
                None // some column check: which one depends on the bytes
            };
            match (&expected, &got) {
                (Some(e), _) => assert_eq!(got.as_ref(), Err(e), "round {round}: {n} entries, {d} deletions"),
                (None, Err(DecodeError::Corrupt(_))) => {}
                (None, _) => panic!("round {round}: {n} entries, {d} deletions: {got:?}, not Corrupt"),
            }
            *seen.entry(got.unwrap_err().to_string()).or_default() += 1;
        }
        // The garbage reaches the column checks, not only the early refusals.
        for why in ["bytes left after the last column", "unknown or unlisted category", "body ends inside a column"] {
            assert!(seen.keys().any(|s| s.ends_with(why)), "never refused as {why:?}: {seen:?}");
        }
    }
}
