//! The body of a file before compression: one column per field (key gaps in byte
//! planes with long gaps as varints, categories, quantised scores, ages, deleted key
//! gaps), and the one-byte quantisation of scores and ages.
//!
//! Columns compress far better than rows: sorted keys become small gaps, and
//! categories, scores and ages are long runs of a few values.

use super::error::DecodeError;
use super::lookup::TAG_BITS;
use super::payload::{Entry, Header, Kind, Payload};
use crate::decision::Category;
use crate::number::E164;

pub(super) const DAY: i64 = 86_400;

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

// ---- ages ----

/// The day number (Unix days) after the file's creation day: ages count back from it.
fn end_of_creation_day(created_at: i64) -> i64 {
    created_at.div_euclid(DAY) + 1
}

/// Last activity travels as whole days before the end of the file's creation day,
/// rounded so the time moves *later* (never earlier): a phone then never sees evidence
/// as older, and so weaker, than it is, and five fresh votes still reach a threshold of
/// five after the phone decays them.
pub fn age_days(created_at: i64, last_activity: i64) -> u64 {
    let day = last_activity.div_euclid(DAY) + i64::from(last_activity.rem_euclid(DAY) != 0);
    (end_of_creation_day(created_at) - day).max(0) as u64
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

/// The last activity an age code stands for in a file created at `created_at`.
fn activity_of_code(created_at: i64, code: u8) -> i64 {
    (end_of_creation_day(created_at) - age_of_code(code)) * DAY
}

/// What a phone reads back for `last_activity` (see [`age_days`] and [`age_code`]).
pub fn rounded_activity(created_at: i64, last_activity: i64) -> i64 {
    activity_of_code(created_at, age_code(age_days(created_at, last_activity)))
}

// ---- the body ----

/// The most bytes a body of `n` entries and `d` deletions can decompress to: each entry
/// takes at most 4 + 10 + 4 bytes (plane bytes, a long gap's varint, category, score,
/// age, flags) and each deletion 4 + 10. Anything longer is a zip bomb or garbage.
pub(super) fn max_len(n: usize, d: usize) -> usize {
    n * (4 + 10 + 4) + d * (4 + 10)
}

/// Entry flag bits (format 2's flags column). Bit 0: the listing is disputed and held
/// for review; phones at most warn for it. The other bits are reserved (zero).
pub const FLAG_DISPUTED: u8 = 1;

/// Whether the body of `payload` needs the flags column (format 2): only when an entry
/// carries a flag, so files without one stay format 1, byte for byte as before.
pub(super) fn has_flags(payload: &Payload) -> bool {
    payload.entries.iter().any(|e| e.disputed)
}

/// The body before compression: the columns of `payload` (whose entries and deletions
/// must be ascending), with the flags column when [`has_flags`].
pub(super) fn encode(payload: &Payload) -> Vec<u8> {
    let (entries, deletions) = (&payload.entries, &payload.deletions);
    let mut body = Vec::with_capacity(entries.len() * 8 + deletions.len() * 4);
    put_keys(&mut body, &entries.iter().map(|e| e.key).collect::<Vec<_>>());
    body.extend(entries.iter().map(|e| e.category.code()));
    body.extend(entries.iter().map(|e| quantise(e.score)));
    body.extend(entries.iter().map(|e| age_code(age_days(payload.header.created_at, e.last_activity))));
    if has_flags(payload) {
        body.extend(entries.iter().map(|e| if e.disputed { FLAG_DISPUTED } else { 0 }));
    }
    put_keys(&mut body, deletions);
    body
}

/// The columns of a decompressed body, checked against its (verified) header; `flags`:
/// the body has the flags column (format 2).
pub(super) fn decode(header: Header, body: &[u8], flags: bool) -> Result<Payload, DecodeError> {
    let n = header.entries as usize;
    let d = header.deletions as usize;
    let mut r = Cursor { b: body, at: 0 };
    let max_key = match header.kind {
        Kind::Bucket => (1u64 << TAG_BITS) - 1,
        _ => E164::MAX,
    };
    let keys = r.sorted_keys(n, max_key, header.kind == Kind::Bucket)?;
    let categories = r.bytes(n)?;
    let scores = r.bytes(n)?;
    let ages = r.bytes(n)?;
    let flag_bytes = if flags { Some(r.bytes(n)?) } else { None };
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let category = Category::from_code(categories[i])
            .filter(Category::is_reportable)
            .ok_or(DecodeError::Corrupt("unknown or unlisted category"))?;
        if scores[i] == 0 {
            return Err(DecodeError::Corrupt("zero score"));
        }
        let flag = flag_bytes.map_or(0, |f| f[i]);
        if flag & !FLAG_DISPUTED != 0 {
            return Err(DecodeError::Corrupt("reserved entry flag bits are set"));
        }
        entries.push(Entry {
            key: keys[i],
            category,
            score: dequantise(scores[i]),
            last_activity: activity_of_code(header.created_at, ages[i]),
            disputed: flag & FLAG_DISPUTED != 0,
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

// ---- key columns ----

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn long_gaps_go_to_varints_after_the_planes() {
        let keys = [5, 5 + u64::from(u32::MAX) - 1, 5 + u64::from(u32::MAX) - 1 + (1 << 40)];
        let mut out = Vec::new();
        put_keys(&mut out, &keys);
        // Gaps 5, 2^32 - 2 (short, just), 2^40 (long): 12 plane bytes, then one varint.
        assert_eq!(&out[..12], &[5, 0xfe, 0xff, 0, 0xff, 0xff, 0, 0xff, 0xff, 0, 0xff, 0xff]);
        assert_eq!(&out[12..], &[0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        let mut r = Cursor { b: &out, at: 0 };
        assert_eq!(r.sorted_keys(3, u64::MAX, false), Ok(keys.to_vec()));
        assert_eq!(r.at, out.len());
    }
}
