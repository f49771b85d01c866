//! The sync phase: how big the community files are and how fast a phone applies them.
//!
//! Builds a realistic listing (country codes, area/operator prefixes, vote counts and
//! last-activity ages drawn from the real PhoneBlock and FTC files in `data/`,
//! the remaining digits at random), encodes it as a signed snapshot, then a 10,000-change
//! delta, and applies both to a fresh phone database through the same code a sync uses.
//! Baselines in the same run: the listing as plain CSV and as zstd-compressed CSV (bytes
//! per entry), and the delta's rows written straight into SQLite (apply time).

use crate::peak_rss_mib;
use ringfence_core::wire::{self, Entry, Header, Kind, Payload, SigningKey};
use ringfence_core::{Category, Region, Screener};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const DAY: i64 = 86_400;

/// (prefix digits, digits after the prefix), votes, age in days, from the real files.
struct Seeds {
    prefixes: Vec<(u64, u32)>,
    votes: Vec<f64>,
    ages: Vec<i64>,
}

fn seeds(now: i64) -> Seeds {
    let dir =
        std::env::var("RINGFENCE_DATA").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../data").into());
    let mut s = Seeds { prefixes: vec![], votes: vec![], ages: vec![] };
    let add = |s: &mut Seeds, digits: &str| {
        // Keep the country code and the first three national digits; randomise the rest.
        let cc_len = if digits.starts_with('1') || digits.starts_with('7') { 1 } else { 2 };
        let keep = (cc_len + 3).min(digits.len().saturating_sub(3));
        if let Ok(p) = digits[..keep].parse::<u64>() {
            s.prefixes.push((p, (digits.len() - keep) as u32));
        }
    };
    if let Ok(text) = std::fs::read_to_string(format!("{dir}/phoneblock-blocklist-snapshot.csv")) {
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() < 3 {
                continue;
            }
            let digits = f[0].trim_start_matches('+');
            if digits.len() >= 8 && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0') {
                add(&mut s, digits);
            }
            if let (Ok(v), Ok(ms)) = (f[1].parse::<f64>(), f[2].parse::<i64>()) {
                s.votes.push(v.max(1.0));
                s.ages.push(((now - ms / 1000) / DAY).clamp(0, 730));
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(format!("{dir}/ftc-dnc-complaints-2021-07-08.csv")) {
        for line in text.lines().skip(1) {
            let n = line.split(',').next().unwrap_or("");
            if n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) {
                add(&mut s, &format!("1{n}"));
            }
        }
    }
    if s.prefixes.is_empty() || s.votes.is_empty() {
        eprintln!("note: real data not found in {dir}; using synthetic KR/US/DE prefixes");
        s.prefixes = vec![(8210, 8), (8270, 8), (1212, 7), (1415, 7), (49151, 8), (4930, 8)];
        s.votes = vec![3.0, 3.0, 4.0, 5.0, 8.0, 20.0];
        s.ages = vec![1, 5, 20, 60, 200];
    }
    s
}

fn listing(n: usize, now: i64, rng: &mut fastrand::Rng, seeds: &Seeds) -> Vec<Entry> {
    // Reported categories are skewed: most spam is telemarketing, robocalls or scams.
    let weighted = [
        (Category::Telemarketing, 40),
        (Category::Unknown, 20),
        (Category::Scam, 15),
        (Category::Robocall, 12),
        (Category::Survey, 5),
        (Category::DebtCollection, 4),
        (Category::Representative, 3),
        (Category::OneRing, 1),
    ];
    let mut by_key = BTreeMap::new();
    while by_key.len() < n {
        let (prefix, rest) = seeds.prefixes[rng.usize(..seeds.prefixes.len())];
        let key = prefix * 10u64.pow(rest) + rng.u64(..10u64.pow(rest));
        let mut pick = rng.i64(0..100);
        let category = weighted
            .iter()
            .find(|(_, w)| {
                pick -= *w;
                pick < 0
            })
            .map_or(Category::Unknown, |c| c.0);
        let score = seeds.votes[rng.usize(..seeds.votes.len())];
        let age = seeds.ages[rng.usize(..seeds.ages.len())];
        let last_activity = (now / DAY - age) * DAY;
        by_key.insert(key, Entry { key, category, score, last_activity, disputed: false });
    }
    by_key.into_values().collect()
}

fn header(kind: Kind, version: u64, base: u64, now: i64) -> Header {
    Header {
        kind,
        key_id: [0; 8],
        version,
        base_version: base,
        created_at: now,
        half_life_secs: 125 * 86_400,
        entries: 0,
        deletions: 0,
    }
}

pub fn run(n: usize, work: &Path) -> Value {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let vk = key.verifying_key();
    // A fixed seed: the same listing every run.
    let mut rng = fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    let seeds = seeds(now);

    let entries = listing(n, now, &mut rng, &seeds);
    let csv: String =
        entries.iter().map(|e| format!("+{},{},{},{}\n", e.key, e.category.code(), e.score, e.last_activity)).collect();
    let csv_zstd = zstd::bulk::compress(csv.as_bytes(), 19).map_or(0, |z| z.len());
    let snapshot = Payload { header: header(Kind::Snapshot, 1, 0, now), entries, deletions: vec![] };
    let t = Instant::now();
    let bytes = wire::encode(&snapshot, &key).expect("encode");
    let encode_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let decoded = wire::decode(&bytes, &vk, &wire::Limits::default()).expect("decode");
    let decode_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(decoded.entries.len(), n);

    // A 10,000-change delta: 6,000 changed scores, 3,000 new numbers, 1,000 deletions.
    let mut upserts: BTreeMap<u64, Entry> = BTreeMap::new();
    for _ in 0..6_000 {
        let mut e = snapshot.entries[rng.usize(..n)];
        e.score += 1.0;
        e.last_activity = now / DAY * DAY;
        upserts.insert(e.key, e);
    }
    for e in listing(3_000, now, &mut rng, &seeds) {
        upserts.entry(e.key).or_insert(e);
    }
    let mut deletions: Vec<u64> =
        (0..1_000).map(|_| snapshot.entries[rng.usize(..n)].key).filter(|k| !upserts.contains_key(k)).collect();
    deletions.sort_unstable();
    deletions.dedup();
    let delta = Payload { header: header(Kind::Delta, 2, 1, now), entries: upserts.into_values().collect(), deletions };
    let delta_bytes = wire::encode(&delta, &key).expect("encode delta");
    let changes = delta.entries.len() + delta.deletions.len();

    let phone_db = work.join("phone.db");
    let mut phone = Screener::open(&phone_db, Region::KR).expect("open");
    let t = Instant::now();
    phone.apply_community_files(&vk, &[&bytes]).expect("apply snapshot");
    let snapshot_apply_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let s = phone.apply_community_files(&vk, &[&delta_bytes]).expect("apply delta");
    let delta_total_ms = t.elapsed().as_secs_f64() * 1e3;
    // Until the data is live: everything but the checkpoint that follows.
    let delta_apply_ms = delta_total_ms - s.checkpoint_micros as f64 / 1e3;
    assert_eq!(s.upserted as usize + s.deleted as usize, changes, "every change applied");
    drop(phone);

    // Baseline: the same changes straight into a copy of the snapshot-applied table.
    let raw_db = work.join("phone-raw.db");
    std::fs::copy(&phone_db, &raw_db).expect("copy db");
    let mut conn = rusqlite::Connection::open(&raw_db).expect("open raw");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL").expect("sync");
    let t = Instant::now();
    let tx = conn.transaction().expect("tx");
    {
        let mut up = tx
            .prepare("INSERT OR REPLACE INTO community (number, source, category, votes, last_activity) VALUES (?1, 1, ?2, ?3, ?4)")
            .expect("prepare");
        for e in &delta.entries {
            up.execute(rusqlite::params![e.key as i64, e.category.code(), e.score, e.last_activity]).expect("upsert");
        }
        let mut del = tx.prepare("DELETE FROM community WHERE number = ?1 AND source = 1").expect("prepare");
        for k in &delta.deletions {
            del.execute([*k as i64]).expect("delete");
        }
    }
    tx.commit().expect("commit");
    let raw_delta_ms = t.elapsed().as_secs_f64() * 1e3;

    json!({
        "entries": n,
        "snapshot_bytes": bytes.len(),
        "csv_bytes": csv.len(),
        "csv_zstd_bytes": csv_zstd,
        "encode_ms": encode_ms,
        "decode_ms": decode_ms,
        "snapshot_apply_ms": snapshot_apply_ms,
        "delta_changes": changes,
        "delta_bytes": delta_bytes.len(),
        "delta_apply_ms": delta_apply_ms,
        "delta_checkpoint_ms": s.checkpoint_micros as f64 / 1e3,
        "raw_delta_ms": raw_delta_ms,
        "peak_rss_mib": peak_rss_mib(),
    })
}

/// Where the bytes go: each column compressed on its own (for tuning the format).
#[allow(dead_code)]
pub fn breakdown(entries: &[Entry], now: i64) {
    let mut prev = 0u64;
    let gaps: Vec<u64> = entries.iter().map(|e| e.key - std::mem::replace(&mut prev, e.key)).collect();
    let mut planes = Vec::new();
    for b in 0..4 {
        planes.extend(gaps.iter().map(|g| ((*g).min(u64::from(u32::MAX)) >> (8 * b)) as u8));
    }
    let cats: Vec<u8> = entries.iter().map(|e| e.category.code()).collect();
    let scores: Vec<u8> = entries.iter().map(|e| wire::quantise(e.score)).collect();
    let ages: Vec<u8> = entries.iter().map(|e| wire::age_code(wire::age_days(now, e.last_activity))).collect();
    for (name, col) in [("key gaps", planes), ("categories", cats), ("scores", scores), ("ages", ages)] {
        let z = zstd::bulk::compress(&col, 19).unwrap_or_default();
        println!(
            "  {name:<10} raw {:>9} zstd {:>9} ({:.2} bytes/entry)",
            col.len(),
            z.len(),
            z.len() as f64 / entries.len() as f64
        );
    }
}
