//! Where the server keeps votes and what it published: the `Storage` trait, with the
//! embedded SQLite file as the default (`sqlite.rs`) and PostgreSQL for more than one
//! machine's disk (`postgres.rs`). Both keep the same tables, made and upgraded by the
//! same migrations (`schema.rs`; `docs/protocol.md`, "Scaling").
//!
//! Published state is the last version's listing, one row per number, with its lookup
//! bucket, when it lapses, and whether it is listed by its own votes (a member) or as part
//! of a spam range (`ranges.rs`). Numbers that got votes since the last publication are
//! queued in `dirty`; the publisher re-aggregates those and the lapsed ones only, and
//! recomputes the ranges of their blocks of 100 only (`changes`).

mod disputes;
mod postgres;
mod schema;
mod sqlite;

pub use postgres::Postgres;
pub use schema::VERSION as SCHEMA_VERSION;
pub use sqlite::Sqlite;

/// Kept here too for the fuzz targets (`fuzz/src/server_targets.rs`).
pub use crate::aggregate::is_emergency;
pub use crate::error::StorageError;
pub use disputes::{NumberRecord, VoteRow};

use crate::aggregate::{aggregate, Listing, Vote};
use crate::disputes::{AuditEntry, Dispute, Filed, Hold, NewDispute, Resolved};
use crate::ranges::{self, Member};
use crate::rules::Rules;
use ringfence_core::wire;
use ringfence_core::Category;
use std::collections::BTreeMap;

pub type Result<T> = std::result::Result<T, StorageError>;

/// One validated report.
#[derive(Clone, PartialEq, Debug)]
pub struct Report {
    pub key: String,
    pub number: u64,
    pub spam: bool,
    pub category: Category,
    pub comment: Option<String>,
}

/// A number that is listed, as published.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Listed {
    pub number: u64,
    pub listing: Listing,
    /// Published as part of a spam range, not by votes of its own (`ranges.rs`).
    pub range: bool,
    /// Held by a dispute: published with the `disputed` flag (`disputes.rs`).
    pub disputed: bool,
}

/// What the next version changes.
#[derive(Default, Debug)]
pub struct Changes {
    /// Ascending by number, quantised as they will be published.
    pub upserts: Vec<Listed>,
    /// Ascending.
    pub deletions: Vec<u64>,
    /// The queue position these changes cover (see `mark_published`).
    pub dirty_upto: i64,
    /// Listed numbers whose published values stay but whose lapse time moved (a vote
    /// that changed nothing visible): (number, new expires_at).
    pub expiry_updates: Vec<(u64, i64)>,
    /// Numbers newly listed by their own votes: each device with a spam vote on one has
    /// a report others confirmed (`rules::DeviceRules`).
    pub confirmed: Vec<u64>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.deletions.is_empty()
    }
}

/// The network a batch came from (`origin::Origin`; 0: reporters are counted by device),
/// and whether it is an IPv6 one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BatchOrigin {
    pub origin: i64,
    pub v6: bool,
}

pub trait Storage: Send {
    /// Counts a batch in one transaction: reports whose (device, key) was seen before
    /// are skipped. A device seen for the first time is registered with `from` as its
    /// home network; every vote counts under its device's home, which later batches
    /// never move (a batch from the other IP family links its network to the home,
    /// once: `aggregate::reporters`). Returns (accepted, duplicates).
    fn record_from(&mut self, device: &str, from: BatchOrigin, reports: &[Report], now: i64) -> Result<(u32, u32)>;
    /// `record_from` an IPv4 network.
    fn record(&mut self, device: &str, origin: i64, reports: &[Report], now: i64) -> Result<(u32, u32)> {
        self.record_from(device, BatchOrigin { origin, v6: false }, reports, now)
    }
    /// Claims a signed batch's nonce for `device`: false if the device used it before (a
    /// replayed request). Kept with the idempotency keys, as `nonce:<hex>` (report keys
    /// never contain `:`), and pruned with them.
    fn claim_nonce(&mut self, device: &str, nonce: &str, now: i64) -> Result<bool>;
    /// Whether `device` has sent an accepted batch before (the per-origin budget for new
    /// devices applies to the others).
    fn device_known(&mut self, device: &str) -> Result<bool>;
    /// What publishing at `now` would change. Changes nothing.
    fn pending_changes(&mut self, now: i64, rules: &Rules) -> Result<Changes>;
    /// Stores `version` as published with `changes`, atomically.
    fn mark_published(&mut self, version: u64, changes: &Changes, now: i64, salt: &[u8]) -> Result<()>;
    /// Records re-aggregations that changed nothing visible (no new version): drops
    /// the queue up to `changes.dirty_upto` and moves lapse times.
    fn settle(&mut self, changes: &Changes) -> Result<()>;
    /// Queues every published number for re-aggregation, so that the next publication
    /// recomputes every block that has a listing (after the range rules changed).
    fn requeue_published(&mut self) -> Result<()>;
    fn latest_version(&mut self) -> Result<u64>;
    /// Every listed number, ascending.
    fn listed(&mut self) -> Result<Vec<Listed>>;
    /// The listed numbers of a lookup bucket, as (tag, listing, disputed).
    fn bucket(&mut self, bucket: u16) -> Result<Vec<(u64, Listing, bool)>>;
    fn meta(&mut self, key: &str) -> Result<Option<String>>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    /// The newest version published at or before `at` (0: none).
    fn version_at(&mut self, at: i64) -> Result<u64>;
    /// Deletes at most `limit` idempotency keys recorded before `before` (retention.rs);
    /// returns how many it deleted.
    fn prune_seen(&mut self, before: i64, limit: u32) -> Result<u64>;
    /// Deletes at most `limit` rows of `versions` below `below`, oldest first, never the
    /// latest; returns how many it deleted.
    fn prune_versions(&mut self, below: u64, limit: u32) -> Result<u64>;

    // Disputes (`disputes.rs`, rows in `storage/disputes.rs`).

    /// Files a dispute of a listed number under the new `id`, from `origin`, and queues
    /// the number for publication.
    fn file_dispute(&mut self, id: &str, d: &NewDispute, origin: i64, now: i64) -> Result<Filed>;
    fn dispute(&mut self, id: &str) -> Result<Option<Dispute>>;
    /// Newest first; `open_only`: those waiting for review.
    fn disputes(&mut self, open_only: bool) -> Result<Vec<Dispute>>;
    /// Upholds the listing or clears the number, in the audit log under `who`, and queues
    /// the number for publication.
    fn resolve_dispute(&mut self, id: &str, uphold: bool, who: &str, note: Option<&str>, now: i64) -> Result<Resolved>;
    /// The audit log, oldest first.
    fn audit_log(&mut self) -> Result<Vec<AuditEntry>>;
    /// The published row, the votes and the disputes of a number.
    fn number_record(&mut self, number: u64) -> Result<NumberRecord>;
}

/// A listing as the phones will see it: score and day quantised like the wire does.
pub(crate) fn as_published(l: Listing, now: i64) -> Listing {
    Listing {
        score: wire::dequantise(wire::quantise(l.score)),
        last_activity: wire::rounded_activity(now, l.last_activity),
        ..l
    }
}

/// What a backend reads for `pending_changes` (the rest is `changes`, the same for all).
pub(crate) trait Reads {
    /// The votes on `number`, with their origins as they count (`vote_origin`).
    fn votes(&mut self, number: u64) -> Result<Vec<Vote>>;
    /// The published rows of the numbers `first..=last`, ascending.
    fn published_between(&mut self, first: u64, last: u64) -> Result<Vec<Listed>>;
    /// The numbers `first..=last` that disputes hold or protect (`disputes.rs`).
    fn holds_between(&mut self, first: u64, last: u64) -> Result<BTreeMap<u64, Hold>>;
}

/// What publishing at `now` changes, given the `touched` numbers (voted on since the last
/// publication, or lapsed): their own listings, and the ranges of their blocks of 100,
/// which are recomputed from the members stored for the rest of the block. Blocks nobody
/// touched keep what they published.
pub(crate) fn changes(
    reads: &mut dyn Reads,
    mut touched: Vec<u64>,
    dirty_upto: i64,
    now: i64,
    rules: &Rules,
) -> Result<Changes> {
    touched.sort_unstable();
    touched.dedup();
    let mut changes = Changes { dirty_upto, ..Changes::default() };
    // Numbers whose listing confirms its reporters: it stands on established reporters
    // alone, so new devices cannot confirm each other (`aggregate::established_reporters`).
    let mut confirming = std::collections::BTreeSet::new();
    for block in touched.chunk_by(|a, b| a / 100 == b / 100) {
        let first = block[0] / 100 * 100;
        let was: BTreeMap<u64, Listed> =
            reads.published_between(first, first.saturating_add(99))?.into_iter().map(|l| (l.number, l)).collect();
        let mut members: BTreeMap<u64, Listing> =
            was.values().filter(|l| !l.range).map(|l| (l.number, l.listing)).collect();
        let holds = reads.holds_between(first, first.saturating_add(99))?;
        for &number in block {
            let votes = reads.votes(number)?;
            if crate::aggregate::established_reporters(&votes, rules) >= rules.min_reporters {
                confirming.insert(number);
            }
            match member_listing(number, &votes, now, rules, holds.get(&number)) {
                Some(l) => members.insert(number, l),
                None => members.remove(&number),
            };
        }
        let ms: Vec<Member> = members
            .iter()
            .map(|(n, l)| Member { number: *n, category: l.category, score: l.score, last_activity: l.last_activity })
            .collect();
        // A disputed or cleared number is never part of a range.
        let publishable =
            |n: u64| ringfence_core::E164::from_u64(n).is_some() && !is_emergency(n) && !holds.contains_key(&n);
        let held = |n: u64| holds.get(&n).is_some_and(|h| h.held);
        let mut now_listed: BTreeMap<u64, Listed> = members
            .into_iter()
            .map(|(number, listing)| (number, Listed { number, listing, range: false, disputed: held(number) }))
            .collect();
        for (number, listing) in
            ranges::expand(&ms, &rules.ranges, rules.half_life_secs, rules.list_threshold, publishable)
        {
            // Quantised as the wire carries it, so an unchanged range compares equal.
            let listing = Listing { score: wire::dequantise(wire::quantise(listing.score)), ..listing };
            now_listed.entry(number).or_insert(Listed { number, listing, range: true, disputed: false });
        }
        diff_block(&was, &now_listed, &mut changes);
    }
    changes.confirmed.retain(|n| confirming.contains(n));
    Ok(changes)
}

/// The listing `number` earns by its own votes, as published. A number an operator
/// cleared counts only the votes cast since, against the stronger rules.
fn member_listing(number: u64, votes: &[Vote], now: i64, rules: &Rules, hold: Option<&Hold>) -> Option<Listing> {
    if is_emergency(number) {
        return None;
    }
    if let Some(cleared_at) = hold.and_then(|h| h.cleared_at) {
        let since: Vec<Vote> = votes.iter().filter(|v| v.at >= cleared_at).copied().collect();
        return aggregate(&since, now, &crate::disputes::relist_rules(rules)).map(|l| as_published(l, now));
    }
    aggregate(votes, now, rules).map(|l| as_published(l, now))
}

/// Appends the changes from `was` to `now` (one block, both by number) to `changes`.
fn diff_block(was: &BTreeMap<u64, Listed>, now: &BTreeMap<u64, Listed>, changes: &mut Changes) {
    let mut numbers: Vec<u64> = was.keys().chain(now.keys()).copied().collect();
    numbers.sort_unstable();
    numbers.dedup();
    for number in numbers {
        match (was.get(&number), now.get(&number)) {
            (Some(_), None) => changes.deletions.push(number),
            (None, Some(l)) => {
                if !l.range {
                    changes.confirmed.push(number);
                }
                changes.upserts.push(*l)
            }
            (Some(w), Some(l)) => {
                if w.range && !l.range {
                    changes.confirmed.push(number);
                }
                let visible =
                    |x: &Listed| (x.listing.category, x.listing.score, x.listing.last_activity, x.range, x.disputed);
                if visible(w) != visible(l) {
                    changes.upserts.push(*l)
                } else if w.listing.expires_at != l.listing.expires_at {
                    changes.expiry_updates.push((number, l.listing.expires_at))
                }
            }
            (None, None) => {}
        }
    }
}

/// The origin a stored vote counts under: its own, or for a vote recorded before origins
/// were (stored as 0), a stand-in per device, so that each such vote stays one reporter
/// as it was when it was cast. Stand-ins are negative; real origins are positive.
pub(crate) fn vote_origin(origin: i64, device: &str) -> i64 {
    if origin != 0 {
        return origin;
    }
    // FNV-1a: stable across runs and platforms.
    let h = device.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    -((h >> 1) as i64) - 1
}

pub(crate) fn category(code: i64) -> Category {
    u8::try_from(code).ok().and_then(Category::from_code).unwrap_or(Category::Unknown)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn report(key: &str, number: u64, spam: bool) -> Report {
        Report { key: key.into(), number, spam, category: Category::Scam, comment: None }
    }

    /// What every implementation must do; run on SQLite here and on PostgreSQL by
    /// `postgres::tests` (scripts/test-postgres.sh).
    pub(crate) fn behaves(db: &mut dyn Storage) {
        // One vote lists a number (a Wilson bound of 0.21), one "not spam" against it
        // takes it out (0.09).
        let rules = Rules {
            min_reporters: 1,
            list_threshold: 1.0,
            min_confidence: 0.2,
            half_life_secs: 0.0,
            ..Rules::default()
        };
        let n = 821055550101;
        assert!(!db.device_known("d1").unwrap());
        assert_eq!(db.record("d1", 1, &[report("key-0001", n, true)], 100).unwrap(), (1, 0));
        assert_eq!(db.record("d1", 1, &[report("key-0001", n, true)], 101).unwrap(), (0, 1), "same key: a duplicate");
        assert!(db.device_known("d1").unwrap() && !db.device_known("d2").unwrap());
        let changes = db.pending_changes(100, &rules).unwrap();
        assert_eq!(changes.upserts.len(), 1);
        // Another device votes while version 1 is being written.
        db.record("d2", 2, &[report("key-0002", n, true)], 102).unwrap();
        db.mark_published(1, &changes, 102, b"salt").unwrap();
        let next = db.pending_changes(103, &rules).unwrap();
        assert_eq!(next.upserts.len(), 1, "the second vote is still queued");
        assert_eq!(next.upserts[0].listing.score, 2.0);
        db.mark_published(2, &next, 103, b"salt").unwrap();
        assert!(db.pending_changes(104, &rules).unwrap().is_empty());
        // A vote that changes nothing a phone sees (d2 votes again) is settled without
        // a version, and leaves the queue.
        db.record("d2", 2, &[report("key-0005", n, true)], 103).unwrap();
        let same = db.pending_changes(104, &rules).unwrap();
        assert!(same.is_empty() && same.dirty_upto > 0);
        db.settle(&same).unwrap();
        assert_eq!(db.pending_changes(104, &rules).unwrap().dirty_upto, 0);
        assert_eq!(db.latest_version().unwrap(), 2);
        assert_eq!(db.listed().unwrap().len(), 1);
        // "Not spam" from both: a deletion.
        db.record("d1", 1, &[report("key-0003", n, false)], 105).unwrap();
        db.record("d2", 2, &[report("key-0004", n, false)], 105).unwrap();
        let out = db.pending_changes(106, &rules).unwrap();
        assert_eq!((out.upserts.len(), out.deletions.clone()), (0, vec![n]));
        db.mark_published(3, &out, 106, b"salt").unwrap();
        assert!(db.listed().unwrap().is_empty());
        // Emergency numbers are never listed, whatever the votes.
        db.record("d1", 1, &[report("key-0006", 82112, true)], 107).unwrap();
        assert!(db.pending_changes(107, &rules).unwrap().is_empty());
        // Buckets and meta.
        let m = 15551230001;
        for (i, d) in ["d1", "d2"].iter().enumerate() {
            db.record(d, i as i64 + 1, &[report(&format!("key-01{i:02}"), m, true)], 108).unwrap();
        }
        let c = db.pending_changes(108, &rules).unwrap();
        db.mark_published(4, &c, 108, b"salt").unwrap();
        let (bucket, tag) = wire::lookup_hash(b"salt", ringfence_core::E164::from_u64(m).unwrap());
        let found = db.bucket(bucket).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1.score), (tag, 2.0));
        // Many devices from one network are one reporter: a number they all report is not
        // listed until another network agrees (min_reporters 2 here).
        let strict = Rules { min_reporters: 2, ..rules };
        let sybil = 15551230002;
        for i in 0..20 {
            db.record(&format!("s{i}"), 77, &[report(&format!("key-02{i:02}"), sybil, true)], 109).unwrap();
        }
        assert!(db.pending_changes(109, &strict).unwrap().upserts.is_empty(), "twenty devices, one network");
        db.record("honest", 78, &[report("key-0300", sybil, true)], 110).unwrap();
        let c = db.pending_changes(110, &strict).unwrap();
        assert_eq!(c.upserts.len(), 1);
        assert_eq!(c.upserts[0].listing.score, 2.0, "two networks, two votes");
        db.mark_published(5, &c, 110, b"salt").unwrap();
        ranges(db, &rules);
        assert_eq!(db.meta("x").unwrap(), None);
        db.set_meta("x", "1").unwrap();
        db.set_meta("x", "2").unwrap();
        assert_eq!(db.meta("x").unwrap().as_deref(), Some("2"));
        retention(db, &rules);
        evidence(db);
    }

    /// Home networks, links and confirmations through storage (`behaves`, after
    /// `retention`: versions 13 and up), under the server's default device rules.
    fn evidence(db: &mut dyn Storage) {
        use crate::rules::DeviceRules;
        let rules = Rules {
            min_reporters: 2,
            list_threshold: 2.0,
            min_confidence: 0.0,
            half_life_secs: 0.0,
            devices: DeviceRules::RECOMMENDED,
            ..Rules::default()
        };
        let t = 1_000_000;
        let month = 31 * 86_400;
        let mut version = 12;
        let mut publish = |db: &mut dyn Storage, at: i64| {
            let c = db.pending_changes(at, &rules).unwrap();
            version += 1;
            db.mark_published(version, &c, at, b"salt").unwrap();
            c
        };
        let listed = |db: &mut dyn Storage, n: u64| db.listed().unwrap().iter().any(|l| l.number == n);
        let v4 = |origin| BatchOrigin { origin, v6: false };
        let v6 = |origin| BatchOrigin { origin, v6: true };
        // Devices known for a month: e1 and e2 on networks 201 and 202, e3 on 203 and then
        // on the IPv6 network 302 (its link), e4 at home on 302.
        for (d, from) in [("e1", v4(201)), ("e2", v4(202)), ("e3", v4(203)), ("e4", v6(302)), ("e7", v4(207))] {
            db.record_from(d, from, &[], t - month).unwrap();
        }
        db.record_from("e3", v6(302), &[], t - month + 1).unwrap();
        let key = |i: u32| format!("key-ev{i:04}");
        // e1 sends from e2's network: its vote stays on its home, two reporters.
        let n = 15551250001;
        db.record_from("e1", v4(202), &[report(&key(1), n, true)], t).unwrap();
        db.record_from("e2", v4(202), &[report(&key(2), n, true)], t).unwrap();
        publish(db, t);
        assert!(listed(db, n), "a device's votes do not follow it to other networks");
        // e3's IPv4 home and its IPv6 link are one reporter with e4's home there.
        let m = 15551250002;
        db.record_from("e3", v4(203), &[report(&key(3), m, true)], t).unwrap();
        db.record_from("e4", v6(302), &[report(&key(4), m, true)], t).unwrap();
        publish(db, t);
        assert!(!listed(db, m), "linked networks are one reporter");
        // A new device weighs 0.1: with one established reporter, 1.1 lists nothing.
        db.record_from("e6", v4(206), &[], t).unwrap();
        let q = 15551250010;
        db.record_from("e6", v4(206), &[report(&key(10), q, true)], t).unwrap();
        db.record_from("e7", v4(207), &[report(&key(11), q, true)], t).unwrap();
        publish(db, t);
        assert!(!listed(db, q), "a new device weighs a tenth");
        // Three of its reports confirmed by listings that established reporters carry:
        // its votes weigh fully from then on.
        for (i, k) in (15551250011..15551250014).enumerate() {
            let i = 20 + 3 * i as u32;
            db.record_from("e6", v4(206), &[report(&key(i), k, true)], t).unwrap();
            db.record_from("e1", v4(201), &[report(&key(i + 1), k, true)], t).unwrap();
            db.record_from("e2", v4(202), &[report(&key(i + 2), k, true)], t).unwrap();
        }
        let c = publish(db, t);
        assert_eq!(c.confirmed, vec![15551250011, 15551250012, 15551250013]);
        db.record_from("e6", v4(206), &[report(&key(30), q, true)], t + 1).unwrap();
        publish(db, t + 1);
        assert!(listed(db, q), "confirmed three times: full weight");
    }

    /// Retention through storage (`behaves`, after `ranges`: versions 1 to 12, published
    /// at 102, 103, 106, 108, 110, 111, 112, 113, 114, 116, 117, 118).
    fn retention(db: &mut dyn Storage, rules: &Rules) {
        assert_eq!((db.version_at(50).unwrap(), db.version_at(110).unwrap(), db.version_at(999).unwrap()), (0, 5, 12));
        // Keys recorded before 109: key-0001, -0002, -0005, -0003, -0004, -0006, -0100 and
        // -0101; deleted three at a time.
        let batches: Vec<u64> = (0..4).map(|_| db.prune_seen(109, 3).unwrap()).collect();
        assert_eq!(batches, vec![3, 3, 2, 0]);
        // d1's key for +1 555-123-0001 is forgotten: re-sent, it is accepted again, but as
        // the same vote (one per device and number), so the listing does not move.
        let m = 15551230001;
        assert_eq!(db.record("d1", 1, &[report("key-0100", m, true)], 120).unwrap(), (1, 0));
        assert_eq!(db.record("d1", 1, &[report("key-0100", m, true)], 121).unwrap(), (0, 1), "remembered again");
        let c = db.pending_changes(121, rules).unwrap();
        assert!(c.upserts.iter().all(|l| l.number != m), "not counted twice: {c:?}");
        db.settle(&c).unwrap();
        assert_eq!(db.listed().unwrap().iter().find(|l| l.number == m).map(|l| l.listing.score), Some(2.0));
        // Keys after the cutoff stay: the Sybil devices' keys are still duplicates.
        assert_eq!(db.record("s0", 77, &[report("key-0200", 15551230002, true)], 122).unwrap(), (0, 1));
        // Versions: oldest first, in batches, never the latest.
        assert_eq!(db.prune_versions(5, 2).unwrap(), 2);
        assert_eq!(db.prune_versions(5, 2).unwrap(), 2);
        assert_eq!(db.prune_versions(5, 2).unwrap(), 0);
        assert_eq!(db.version_at(110).unwrap(), 5, "the row that anchors the cutoff stays");
        assert_eq!(db.prune_versions(100, 100).unwrap(), 7);
        assert_eq!(db.latest_version().unwrap(), 12);
        assert_eq!(db.version_at(999).unwrap(), 12);
    }

    /// Spam ranges through storage: published, looked up, taken over by direct votes and
    /// deleted again (`behaves`, versions 6 and up, threshold 1 so one vote lists).
    fn ranges(db: &mut dyn Storage, rules: &Rules) {
        let base = 827012345670u64; // +82 70-1234-567x
        let robocall = |key: &str, n: u64| Report { category: Category::Robocall, ..report(key, n, true) };
        let reports: Vec<Report> = (0..4).map(|i| robocall(&format!("key-04{i:02}"), base + i)).collect();
        db.record("r1", 1, &reports, 111).unwrap();
        let c = db.pending_changes(111, rules).unwrap();
        let range: Vec<u64> = c.upserts.iter().filter(|l| l.range).map(|l| l.number).collect();
        assert_eq!(range, (base + 4..base + 10).collect::<Vec<_>>(), "four members: the other six");
        assert_eq!(c.upserts.iter().filter(|l| !l.range).count(), 4);
        assert!(c.upserts.windows(2).all(|w| w[0].number < w[1].number), "ascending");
        let published_day = c.upserts[0].listing.last_activity;
        for l in c.upserts.iter().filter(|l| l.range) {
            let x = l.listing;
            assert_eq!((x.category, x.score, x.last_activity), (Category::Robocall, 1.0, published_day), "{l:?}");
        }
        db.mark_published(6, &c, 111, b"salt").unwrap();
        let listed = db.listed().unwrap();
        assert_eq!(listed.iter().filter(|l| l.range).count(), 6, "snapshots list range numbers");
        // A phone looking up a range number finds it.
        let (bucket, tag) = wire::lookup_hash(b"salt", ringfence_core::E164::from_u64(base + 7).unwrap());
        assert!(db.bucket(bucket).unwrap().iter().any(|(t, l, _)| *t == tag && l.category == Category::Robocall));
        // A range number voted on directly becomes a member, with its own listing.
        db.record("r2", 2, &[report("key-0500", base + 7, true)], 112).unwrap();
        let c = db.pending_changes(112, rules).unwrap();
        assert_eq!(c.upserts.len(), 1, "{c:?}");
        assert_eq!(
            (c.upserts[0].number, c.upserts[0].range, c.upserts[0].listing.category),
            (base + 7, false, Category::Scam)
        );
        assert!(c.deletions.is_empty());
        db.mark_published(7, &c, 112, b"salt").unwrap();
        // A member voted out while its block still has four: it stays, as a range number.
        db.record("r3", 3, &[report("key-0501", base, false)], 113).unwrap();
        let c = db.pending_changes(113, rules).unwrap();
        assert_eq!(c.upserts.iter().map(|l| (l.number, l.range)).collect::<Vec<_>>(), vec![(base, true)]);
        assert!(c.deletions.is_empty());
        db.mark_published(8, &c, 113, b"salt").unwrap();
        // Another one out: three members left, the range falls apart through deletions.
        db.record("r3", 3, &[report("key-0502", base + 1, false)], 114).unwrap();
        let c = db.pending_changes(114, rules).unwrap();
        assert!(c.upserts.is_empty(), "{c:?}");
        let gone: Vec<u64> = [0, 1, 4, 5, 6, 8, 9].iter().map(|i| base + i).collect();
        assert_eq!(c.deletions, gone);
        db.mark_published(9, &c, 114, b"salt").unwrap();
        let left: Vec<(u64, bool)> =
            db.listed().unwrap().iter().filter(|l| l.number / 10 == base / 10).map(|l| (l.number, l.range)).collect();
        assert_eq!(left, vec![(base + 2, false), (base + 3, false), (base + 7, false)]);
        // Nothing else pending: blocks nobody touched were not recomputed into changes.
        assert!(db.pending_changes(115, rules).unwrap().is_empty());
        // Ranges off: a full block of members publishes only the members.
        let off = Rules { ranges: crate::rules::RangeRules { min10: 0, ..rules.ranges }, ..*rules };
        let other = 827012345680u64;
        let reports: Vec<Report> = (0..6).map(|i| robocall(&format!("key-06{i:02}"), other + i)).collect();
        db.record("r1", 1, &reports, 116).unwrap();
        let c = db.pending_changes(116, &off).unwrap();
        assert_eq!((c.upserts.len(), c.upserts.iter().any(|l| l.range)), (6, false));
        db.mark_published(10, &c, 116, b"salt").unwrap();
        // Ranges turned on over an existing listing: requeued, every block is recomputed.
        assert!(db.pending_changes(117, rules).unwrap().is_empty(), "untouched blocks stay as they are");
        db.requeue_published().unwrap();
        let c = db.pending_changes(117, rules).unwrap();
        let range: Vec<u64> = c.upserts.iter().filter(|l| l.range).map(|l| l.number).collect();
        assert_eq!(range, (other + 6..other + 10).collect::<Vec<_>>(), "{c:?}");
        assert!(c.deletions.is_empty());
        db.mark_published(11, &c, 117, b"salt").unwrap();
        // And off again: the range numbers go.
        db.requeue_published().unwrap();
        let c = db.pending_changes(118, &off).unwrap();
        assert_eq!((c.upserts.len(), &c.deletions), (0, &range));
        db.mark_published(12, &c, 118, b"salt").unwrap();
    }

    #[test]
    fn sqlite_behaves() {
        let dir = tempfile::tempdir().unwrap();
        behaves(&mut Sqlite::open(&dir.path().join("s.db")).unwrap());
    }

    #[test]
    fn votes_from_before_origins_count_per_device() {
        let (a, b) = (vote_origin(0, "d1"), vote_origin(0, "d2"));
        assert!(a < 0 && b < 0 && a != b);
        assert_eq!(vote_origin(0, "d1"), a, "stable");
        assert_eq!(vote_origin(5, "d1"), 5);
    }
}
