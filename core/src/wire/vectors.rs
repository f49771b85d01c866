//! Golden vectors: committed example files in `tests/fixtures/wire/` that pin the
//! format `docs/protocol.md` ("Test vectors") promises other implementations. Each
//! binary vector `NAME.bin` comes with `NAME.json`, its expected decoded content; the
//! test checks both directions: decoding the committed bytes gives that content, and
//! encoding the content gives exactly the committed bytes. A change to the format then
//! fails here even when encoder and decoder change together.
//!
//! `RINGFENCE_REGENERATE_VECTORS=1 cargo test -p ringfence-core wire::vectors` rewrites
//! the fixtures from the definitions below (after a deliberate format change, or a zstd
//! upgrade that compresses differently: then `columns` must not change).

use super::*;
use crate::decision::Category;
use crate::number::E164;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The test key's ed25519 seed: the bytes 0, 1, ..., 31.
const SEED: [u8; 32] = {
    let mut s = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        s[i] = i as u8;
        i += 1;
    }
    s
};
/// The lookup salt of the manifest and the bucket vector.
const SALT: &[u8; 16] = b"ringfence-vector";
const HALF_LIFE_SECS: u32 = 125 * 86_400;
const SNAPSHOT_AT: i64 = 1_795_600_000;
const DELTA_AT: i64 = 1_795_606_460;
const BUCKET_AT: i64 = 1_795_606_520;

fn key() -> SigningKey {
    SigningKey::from_bytes(&SEED)
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wire")
}

// ---- the definitions ----

/// An entry of `key` with the score of `score_code`, last active `days_ago` days and a
/// few hours before `created_at`, as a phone reads it back.
fn entry(created_at: i64, key: u64, category: Category, score_code: u8, days_ago: i64) -> Entry {
    let at = created_at - days_ago * 86_400 - 3 * 3600;
    Entry { key, category, score: dequantise(score_code), last_activity: rounded_activity(created_at, at) }
}

fn header(kind: Kind, version: u64, base_version: u64, created_at: i64) -> Header {
    Header {
        kind,
        key_id: key_id(&key().verifying_key()),
        version,
        base_version,
        created_at,
        half_life_secs: HALF_LIFE_SECS,
        entries: 0,
        deletions: 0,
    }
}

fn payload(header: Header, mut entries: Vec<Entry>, deletions: Vec<u64>) -> Payload {
    entries.sort_by_key(|e| e.key);
    Payload {
        header: Header { entries: entries.len() as u32, deletions: deletions.len() as u32, ..header },
        entries,
        deletions,
    }
}

/// Version 2, every listed number: ages of each code range, quarter and exponential
/// scores, a run of consecutive numbers, gaps long (varints) and short.
fn snapshot() -> Payload {
    use Category::*;
    let e = |key, category, score, days| entry(SNAPSHOT_AT, key, category, score, days);
    payload(
        header(Kind::Snapshot, 2, 0, SNAPSHOT_AT),
        vec![
            e(8_215_881_234, Representative, 255, 367),
            e(12_025_550_143, Robocall, 20, 2),
            e(12_125_550_187, Telemarketing, 8, 40),
            e(442_079_460_958, Scam, 200, 400),
            e(821_098_765_432, Telemarketing, 12, 0),
            e(827_012_345_670, Spoofed, 9, 5),
            e(827_012_345_671, Spoofed, 9, 5),
            e(8_617_012_345_678, VirtualOperator, 33, 31),
        ],
        vec![],
    )
}

/// Version 3 on top of version 2: two upserts (one changed, one new) and two deletions.
fn delta() -> Payload {
    use Category::*;
    payload(
        header(Kind::Delta, 3, 2, DELTA_AT),
        vec![entry(DELTA_AT, 821_098_765_432, Telemarketing, 16, 0), entry(DELTA_AT, 821_055_550_101, Scam, 12, 0)],
        vec![12_125_550_187, 827_012_345_671],
    )
}

/// The answer to a lookup of +821098765432 at version 3: the three numbers of its
/// bucket, found by counting up from +821000000000, as tags.
fn bucket() -> (Payload, Vec<E164>) {
    let first = E164::from_digits("821098765432").unwrap();
    let (bucket, _) = lookup_hash(SALT, first);
    let mut numbers = vec![first];
    numbers.extend(
        (821_000_000_000..)
            .map(|k| E164::from_u64(k).unwrap())
            .filter(|n| *n != first && lookup_hash(SALT, *n).0 == bucket)
            .take(2),
    );
    let categories = [Category::Telemarketing, Category::Unknown, Category::DebtCollection];
    let entries = numbers
        .iter()
        .zip(categories)
        .enumerate()
        .map(|(i, (n, c))| entry(BUCKET_AT, lookup_hash(SALT, *n).1, c, 16 - 4 * i as u8, 3 * i as i64))
        .collect();
    let p = payload(header(Kind::Bucket, 3, u64::from(bucket), BUCKET_AT), entries, vec![]);
    let mut by_tag = numbers;
    by_tag.sort_by_key(|n| lookup_hash(SALT, *n).1);
    (p, by_tag)
}

/// What the server publishes along with the files above.
fn manifest() -> Manifest {
    let vk = key().verifying_key();
    Manifest {
        format: FORMAT_VERSION,
        latest: 3,
        snapshot: Some(FileRef { version: 2, path: snapshot_path(2) }),
        oldest_delta: Some(1),
        delta_path: DELTA_PATH.into(),
        lookup_salt: hex(SALT),
        key: hex(vk.as_bytes()),
        key_id: hex(&key_id(&vk)),
        created_at: DELTA_AT,
        half_life_secs: HALF_LIFE_SECS,
    }
}

/// A phone's upload: a spam report with category and comment, and a "not spam" vote.
fn report_batch() -> ReportBatch {
    ReportBatch {
        device: "3d61b649eb69912c656c5f4b6d19b3d9".into(),
        reports: vec![
            ReportItem {
                key: "9f1c0b7e4d2a47b58e0c6a1d2f3b4c5d".into(),
                number: "+821098765432".into(),
                spam: true,
                category: Some("telemarketing".into()),
                comment: Some("loan offers".into()),
                at: 1_795_606_400,
            },
            ReportItem {
                key: "0b2e6f8a1c3d4e5f6a7b8c9d0e1f2a3b".into(),
                number: "+15551234567".into(),
                spam: false,
                category: None,
                comment: None,
                at: 1_795_606_460,
            },
        ],
    }
}

// ---- the readable form (NAME.json) ----

/// `NAME.json`: what `NAME.bin` decodes to. 64-bit keys are decimal strings (JSON
/// readers may round numbers past 2^53); the codes are the bytes on the wire.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct FileVector {
    about: String,
    /// The signing public key, hex.
    public_key: String,
    /// The lookup salt, hex (bucket only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lookup_salt: Option<String>,
    #[serde(with = "HeaderJson")]
    header: Header,
    /// The header's last field, the length of the compressed body.
    body_length: u32,
    /// The body after zstd decompression: the columns, hex.
    columns: String,
    entries: Vec<EntryJson>,
    deletions: Vec<DeletionJson>,
}

/// [`Header`] in JSON (serde's remote derive: the fields are `Header`'s), the key id in
/// hex.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Header", deny_unknown_fields)]
struct HeaderJson {
    kind: Kind,
    #[serde(with = "hex_id")]
    key_id: [u8; 8],
    version: u64,
    base_version: u64,
    created_at: i64,
    half_life_secs: u32,
    entries: u32,
    deletions: u32,
}

mod hex_id {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &[u8; 8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(id))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 8], D::Error> {
        let s = String::deserialize(d)?;
        super::unhex(&s).and_then(|v| v.try_into().ok()).ok_or_else(|| D::Error::custom("a key id is 16 hex digits"))
    }
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct EntryJson {
    /// The number (in a bucket: the number whose tag `key` is).
    number: String,
    key: String,
    category: Category,
    category_code: u8,
    /// `dequantise(score_code)`, for reading; `score_code` is what counts.
    score: f64,
    score_code: u8,
    last_activity: i64,
    age_code: u8,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct DeletionJson {
    number: String,
    key: String,
}

fn describe(about: &str, p: &Payload, bytes: &[u8], numbers: &[E164], salt: Option<&[u8]>) -> FileVector {
    let (_, body_len) = peek_header(bytes).unwrap();
    let h = &p.header;
    FileVector {
        about: about.into(),
        public_key: hex(key().verifying_key().as_bytes()),
        lookup_salt: salt.map(hex),
        header: p.header,
        body_length: body_len as u32,
        columns: hex(&testing::encode_columns(p)),
        entries: p
            .entries
            .iter()
            .zip(numbers)
            .map(|(e, n)| EntryJson {
                number: n.to_string(),
                key: e.key.to_string(),
                category: e.category,
                category_code: e.category.code(),
                score: e.score,
                score_code: quantise(e.score),
                last_activity: e.last_activity,
                age_code: age_code(age_days(h.created_at, e.last_activity)),
            })
            .collect(),
        deletions: p
            .deletions
            .iter()
            .map(|k| DeletionJson { number: E164::from_u64(*k).unwrap().to_string(), key: k.to_string() })
            .collect(),
    }
}

fn numbers_of(p: &Payload) -> Vec<E164> {
    p.entries.iter().map(|e| E164::from_u64(e.key).unwrap()).collect()
}

const FILES: [(&str, Kind); 3] = [("snapshot", Kind::Snapshot), ("delta", Kind::Delta), ("bucket", Kind::Bucket)];

fn regenerate() {
    let dir = dir();
    std::fs::create_dir_all(&dir).unwrap();
    let (bucket, bucket_numbers) = bucket();
    let files = [
        ("snapshot", "a snapshot: every listed number at version 2", snapshot(), numbers_of(&snapshot()), None),
        ("delta", "a delta from version 2 to 3: two upserts, two deletions", delta(), numbers_of(&delta()), None),
        ("bucket", "the lookup bucket of +821098765432 at version 3", bucket, bucket_numbers, Some(&SALT[..])),
    ];
    for (name, about, p, numbers, salt) in files {
        let bytes = encode(&p, &key()).unwrap();
        let json = serde_json::to_string_pretty(&describe(about, &p, &bytes, &numbers, salt)).unwrap();
        std::fs::write(dir.join(format!("{name}.bin")), &bytes).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), json + "\n").unwrap();
    }
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest()).unwrap()).unwrap();
    std::fs::write(dir.join("report-batch.json"), serde_json::to_vec(&report_batch()).unwrap()).unwrap();
}

fn read(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The payload `NAME.json` describes, after checking its redundant fields (codes,
/// numbers, the lookup hash) against each other.
fn expected(v: &FileVector) -> Payload {
    let h = &v.header;
    assert_eq!(v.public_key, hex(key().verifying_key().as_bytes()), "the test key");
    let salt = v.lookup_salt.as_deref().map(|s| unhex(s).unwrap());
    let entries = v
        .entries
        .iter()
        .map(|e| {
            let key: u64 = e.key.parse().unwrap();
            let number = E164::from_digits(e.number.strip_prefix('+').unwrap()).unwrap();
            match (&salt, h.kind) {
                (Some(salt), Kind::Bucket) => assert_eq!(lookup_hash(salt, number), (h.base_version as u16, key)),
                _ => assert_eq!(number.as_u64(), key),
            }
            assert_eq!(Category::from_code(e.category_code), Some(e.category));
            let score = dequantise(e.score_code);
            assert!((e.score - score).abs() < 1e-9, "score {} is not code {}", e.score, e.score_code);
            assert_eq!(age_code(age_days(h.created_at, e.last_activity)), e.age_code);
            assert_eq!(rounded_activity(h.created_at, e.last_activity), e.last_activity, "last_activity is rounded");
            Entry { key, category: e.category, score, last_activity: e.last_activity }
        })
        .collect();
    let deletions = v
        .deletions
        .iter()
        .map(|d| {
            let key: u64 = d.key.parse().unwrap();
            assert_eq!(d.number, E164::from_u64(key).unwrap().to_string());
            key
        })
        .collect();
    Payload { header: v.header, entries, deletions }
}

/// Rewrites the fixtures first when `RINGFENCE_REGENERATE_VECTORS=1` (once, before any
/// test here reads them).
fn fixtures_ready() {
    static REGENERATED: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("RINGFENCE_REGENERATE_VECTORS").is_some_and(|v| v == "1") {
        REGENERATED.call_once(regenerate);
    }
}

#[test]
fn golden_vectors_decode_to_their_content_and_encode_to_their_bytes() {
    fixtures_ready();
    let vk = key().verifying_key();
    for (name, kind) in FILES {
        let bytes = read(&format!("{name}.bin"));
        let v: FileVector = serde_json::from_slice(&read(&format!("{name}.json"))).unwrap();
        let want = expected(&v);
        assert_eq!(want.header.kind, kind, "{name}");

        // Bytes -> content.
        let (header, body_len) = peek_header(&bytes).unwrap();
        assert_eq!((header, body_len), (want.header, v.body_length as usize), "{name}: header");
        let body = &bytes[HEADER_LEN..HEADER_LEN + body_len];
        assert_eq!(hex(&zstd::decode_all(body).unwrap()), v.columns, "{name}: the decompressed columns");
        assert_eq!(decode(&bytes, &vk, &Limits::default()).as_ref(), Ok(&want), "{name}: decoded");

        // Content -> bytes.
        assert_eq!(hex(&testing::encode_columns(&want)), v.columns, "{name}: the columns");
        let encoded = encode(&want, &key()).unwrap();
        assert!(
            encoded == bytes,
            "{name}: encoding {name}.json no longer gives {name}.bin byte for byte. A format change must be \
             deliberate (docs/protocol.md); if the columns still match, zstd compresses differently: regenerate \
             with RINGFENCE_REGENERATE_VECTORS=1"
        );
    }

    // The manifest names the key that signed the files, and the bucket's salt.
    let bytes = read("manifest.json");
    let m: Manifest = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(m, manifest());
    assert_eq!(serde_json::to_vec_pretty(&manifest()).unwrap(), bytes, "manifest.json byte for byte");
    assert_eq!(parse_public_key(&m.key), Some(vk));
    assert_eq!(unhex(&m.lookup_salt).as_deref(), Some(&SALT[..]));

    let bytes = read("report-batch.json");
    assert_eq!(serde_json::from_slice::<ReportBatch>(&bytes).unwrap(), report_batch());
    assert_eq!(serde_json::to_vec(&report_batch()).unwrap(), bytes, "report-batch.json byte for byte");
}

/// The committed fixtures are the ones the definitions above make (so regenerating
/// changes nothing unless the format or zstd changed).
#[test]
fn golden_vectors_are_the_ones_defined_here() {
    fixtures_ready();
    let (bucket, _) = bucket();
    for (name, p) in [("snapshot", snapshot()), ("delta", delta()), ("bucket", bucket)] {
        let v: FileVector = serde_json::from_slice(&read(&format!("{name}.json"))).unwrap();
        assert_eq!(expected(&v), p, "{name}.json");
    }
}
