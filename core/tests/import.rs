//! Importers on the real data files in data/, and on broken input.

use ringfence_core::{Action, Call, Error, Format, ImportSummary, Reason, Region, Screener, SkipReason, E164};
use std::collections::BTreeSet;
use std::io::Read;

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(name)
}

fn open() -> (tempfile::TempDir, Screener) {
    let dir = tempfile::tempdir().unwrap();
    let s = Screener::open(dir.path().join("r.db"), Region::US).unwrap();
    (dir, s)
}

#[test]
fn ftc_complaints() {
    let (_d, mut s) = open();
    let sum = s.import(Format::Ftc, std::fs::File::open(data("ftc-dnc-complaints-2021-07-08.csv")).unwrap()).unwrap();
    // The data README: 14,034 rows, 669 of them blank.
    assert_eq!(sum.rows, 14_034);
    assert_eq!(sum.skipped[&SkipReason::BlankNumber], 669);
    assert_eq!(sum.imported + sum.merged + sum.skipped_total(), sum.rows);
    // Of the 11,915 distinct raw values, the blank one and the garbage ones are skipped.
    assert!(sum.imported < 11_915);
    // Python phonenumbers 9.0.33 finds 11,679 distinct valid numbers and 249 invalid
    // rows; ringfence also takes the two SMS short codes that the short-number data lists
    // (`262966`, `781558****`), which the reference's is_valid_number leaves out.
    assert_eq!((sum.imported, sum.merged, sum.skipped[&SkipReason::InvalidNumber]), (11_681, 1_437, 247));
    assert_eq!(s.stats().unwrap().community_numbers, sum.imported);
    // The most-complained-about number is known to the store, with all its complaints.
    let e = s.community_evidence("(315) 232-8257").unwrap();
    assert_eq!(e.map(|e| e.votes), Some(42.0));
    // Not one of them warns today: the complaints are from 7 July 2021. About one number
    // in fourteen had the two complaints the warn threshold asks for, and has decayed
    // below it since (125-day half-life); the rest had one complaint, and never warned.
    assert_eq!(sum.numbers, sum.imported, "a fresh store");
    assert_eq!((sum.now_warn, sum.now_silence, sum.now_block, sum.allowed_by_category), (0, 0, 0, 0));
    assert_eq!((sum.decayed, sum.too_few_votes), (FTC_DECAYED, 11_681 - FTC_DECAYED));
    assert_eq!((sum.evidence_from, sum.evidence_to), (Some(FTC_FROM), Some(FTC_TO)));
    assert_eq!((sum.half_life_days, sum.warn_threshold), (125.0, 2.0));
    check_against_screening(&mut s, &sum, &data("ftc-dnc-complaints-2021-07-08.csv"));
    // Importing the same file again changes nothing.
    let again = s.import(Format::Ftc, std::fs::File::open(data("ftc-dnc-complaints-2021-07-08.csv")).unwrap());
    assert!(matches!(again, Err(Error::AlreadyImported { .. })), "{again:?}");
    assert_eq!(s.stats().unwrap().community_numbers, sum.imported);
}

#[test]
fn phoneblock_snapshot() {
    let (_d, mut s) = open();
    let sum =
        s.import(Format::PhoneBlock, std::fs::File::open(data("phoneblock-blocklist-snapshot.csv")).unwrap()).unwrap();
    assert_eq!(sum.rows, 15_800);
    assert_eq!(sum.merged, 0, "each number appears once in a snapshot");
    assert_eq!(sum.imported + sum.skipped_total(), 15_800);
    // Placeholders such as +10000000000 are not numbers. (libphonenumber C++ agrees on
    // all 95; the Rust phonenumber crate accepts 5 of them through a pattern-matching bug.)
    assert_eq!((sum.imported, sum.skipped[&SkipReason::InvalidNumber]), (15_705, 95));
    assert_eq!(sum.skipped.len(), 1);
    // Every number of the snapshot has 10 votes or more: none has too few, and each one
    // either still warns or blocks, or has decayed below the threshold (how many depends
    // on today's date: the snapshot's reports are from August 2023 to May 2026).
    assert_eq!(sum.numbers, 15_705);
    assert_eq!((sum.too_few_votes, sum.now_silence, sum.allowed_by_category), (0, 0, 0));
    assert_eq!(sum.now_warn + sum.now_block + sum.decayed, 15_705);
    if sum.decayed > 0 {
        let (from, to) = (sum.evidence_from.unwrap(), sum.evidence_to.unwrap());
        assert!((PHONEBLOCK_FIRST..=to).contains(&from) && to <= PHONEBLOCK_LAST, "{from} {to}");
    }
    check_against_screening(&mut s, &sum, &data("phoneblock-blocklist-snapshot.csv"));
    // A number with many recent votes is blocked, with decay turned off to not depend on today's date.
    s.set_policy("decay.half-life-days", "0").unwrap();
    let d = s.screen(&Call::new("+12015345822"));
    assert_eq!((d.action, d.score), (Action::Block, Some(41.0)));
}

/// Without decay every number of the snapshot (10 votes or more) blocks; with it set to
/// silence their category, they are silenced; with their category allowed, they ring.
#[test]
fn phoneblock_snapshot_under_other_policies() {
    let file = || std::fs::File::open(data("phoneblock-blocklist-snapshot.csv")).unwrap();
    let (_d, mut s) = open();
    s.set_policy("decay.half-life-days", "0").unwrap();
    let sum = s.import(Format::PhoneBlock, file()).unwrap();
    assert_eq!((sum.now_block, sum.now_warn, sum.decayed, sum.too_few_votes), (15_705, 0, 0, 0));
    assert_eq!((sum.evidence_from, sum.evidence_to, sum.half_life_days), (None, None, 0.0));
    check_against_screening(&mut s, &sum, &data("phoneblock-blocklist-snapshot.csv"));

    let (_d, mut s) = open();
    s.set_policy("decay.half-life-days", "0").unwrap();
    s.set_policy("threshold.block", "20").unwrap();
    s.set_policy("category.unknown", "silence").unwrap();
    let sum = s.import(Format::PhoneBlock, file()).unwrap();
    assert_eq!((sum.now_silence, sum.now_block, sum.now_warn), (15_705, 0, 0));

    let (_d, mut s) = open();
    s.set_policy("category.unknown", "allow").unwrap();
    let sum = s.import(Format::PhoneBlock, file()).unwrap();
    assert_eq!((sum.now_warn, sum.now_block, sum.too_few_votes), (0, 0, 0));
    assert_eq!(sum.allowed_by_category + sum.decayed, 15_705);
    check_against_screening(&mut s, &sum, &data("phoneblock-blocklist-snapshot.csv"));
}

/// The FTC file's figures. Its complaints are all dated 7 July 2021 (`Created_Date`,
/// UTC); 836 of its 11,681 numbers have two or more, the last of them between these two
/// times. (A plain count over the file's 10-digit numbers, without the numbering plan,
/// finds 837 and the same two times: one of those is not a valid number.)
const FTC_DECAYED: u64 = 836;
/// 2021-07-07 00:06:38 and 23:59:34 UTC.
const FTC_FROM: i64 = 1_625_616_398;
const FTC_TO: i64 = 1_625_702_374;
/// The snapshot's oldest and newest `lastActivity`, in Unix seconds.
const PHONEBLOCK_FIRST: i64 = 1_692_366_285;
const PHONEBLOCK_LAST: i64 = 1_777_596_630;

/// Checks the summary's counts number by number against the screener: each distinct
/// number of the file, screened at the summary's time, does what the summary counted.
fn check_against_screening(s: &mut Screener, sum: &ImportSummary, file: &std::path::Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let numbers: BTreeSet<E164> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .filter_map(|raw| s.community_evidence(raw).ok().flatten().map(|_| s.number(raw).unwrap().e164))
        .collect();
    assert_eq!(numbers.len() as u64, sum.numbers);
    let policy = s.policy().unwrap();
    let mut seen = ImportSummary::default();
    let (mut from, mut to) = (i64::MAX, i64::MIN);
    for n in &numbers {
        let raw = n.to_string();
        let d = s.screen(&Call { caller_id: &raw, at: Some(sum.as_of), ..Call::default() });
        let score = d.score.expect("a number of the file has a score");
        let evidence = s.community_evidence(&raw).unwrap().unwrap();
        if d.reasons.contains(Reason::Community) {
            match d.action {
                Action::Warn => seen.now_warn += 1,
                Action::Silence => seen.now_silence += 1,
                Action::Block => seen.now_block += 1,
                Action::Allow => panic!("{raw}: allowed by the community: {d:?}"),
            }
        } else if score >= policy.warn_threshold {
            seen.allowed_by_category += 1;
        } else if evidence.votes >= policy.warn_threshold {
            seen.decayed += 1;
            (from, to) = (from.min(evidence.last_activity), to.max(evidence.last_activity));
        } else {
            seen.too_few_votes += 1;
        }
    }
    let counts =
        |x: &ImportSummary| (x.now_warn, x.now_silence, x.now_block, x.allowed_by_category, x.decayed, x.too_few_votes);
    assert_eq!(counts(&seen), counts(sum));
    if seen.decayed > 0 {
        assert_eq!((sum.evidence_from, sum.evidence_to), (Some(from), Some(to)));
    }
}

/// Each count on a list made for it: a CSV's rows are reported now, a PhoneBlock
/// snapshot's at the time it gives, so the decay is known.
#[test]
fn the_summary_counts_what_the_numbers_do_now() {
    let (_d, mut s) = open();
    let csv = "(212) 555-0101,scam,1\n\
               (212) 555-0102,scam,2\n\
               (212) 555-0103,telemarketing,4.5\n\
               (212) 555-0104,robocall,5\n\
               (212) 555-0105,survey,50\n\
               (212) 555-0106,scam,0\n\
               (212) 555-0102,scam,1\n\
               hello,scam,9\n";
    s.set_policy("category.survey", "silence").unwrap();
    let sum = s.import(Format::Csv, csv.as_bytes()).unwrap();
    assert_eq!((sum.rows, sum.imported, sum.numbers), (8, 6, 6));
    // 0102 has 2 + 1 votes; 0101 and 0106 too few; 0105 is a silenced survey.
    assert_eq!((sum.now_warn, sum.now_silence, sum.now_block, sum.decayed, sum.too_few_votes), (2, 1, 1, 0, 2));
    assert_eq!((sum.evidence_from, sum.evidence_to), (None, None));

    // Reports 250 days old (two half-lives: a quarter left): 40 votes still block (10),
    // 12 still warn (3), 6 have decayed (1.5), 1 never warned. An allowed category with
    // enough left rings, and is told apart from the decayed ones.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let day = 86_400;
    let (old, older) = (now - 250 * day, now - 500 * day);
    let snapshot = format!(
        "phone,votes,lastActivity\n\
         +4915112345671,40,{old}000\n\
         +4915112345672,12,{old}000\n\
         +4915112345673,6,{old}000\n\
         +4915112345674,6,{older}000\n\
         +4915112345675,1,{old}000\n\
         +4915112345676,1000,{older}000\n\
         +4915112345677,7,{now}000\n"
    );
    s.set_policy("category.unknown", "allow").unwrap();
    let sum = s.import(Format::PhoneBlock, snapshot.as_bytes()).unwrap();
    assert_eq!(sum.numbers, 7);
    assert_eq!(
        (sum.now_warn, sum.now_block, sum.allowed_by_category, sum.decayed, sum.too_few_votes),
        (0, 0, 4, 2, 1),
        "{sum:?}"
    );
    let (_d, mut s) = open();
    let sum = s.import(Format::PhoneBlock, snapshot.as_bytes()).unwrap();
    // 1000 votes 500 days ago: 62.5 left. 7 votes now: 7.
    assert_eq!((sum.now_warn, sum.now_block, sum.decayed, sum.too_few_votes), (1, 3, 2, 1), "{sum:?}");
    assert_eq!((sum.evidence_from, sum.evidence_to), (Some(older), Some(old)));
    assert_eq!((sum.half_life_days, sum.as_of >= now), (125.0, true));
}

#[test]
fn plain_csv_with_every_kind_of_bad_row() {
    let (_d, mut s) = open();
    let csv = "number,category,votes\n\
               (212) 555-0100,telemarketing,3\n\
               +82 1588 1234,representative,\n\
               ,scam,1\n\
               hello,scam,1\n\
               911,scam,1\n\
               (212) 555-0101,cheese,1\n\
               (212) 555-0102,scam,-4\n\
               (212) 555-0100,scam,2\n\
               \"unterminated,scam\n";
    let sum = s.import(Format::Csv, csv.as_bytes()).unwrap();
    assert_eq!(sum.rows, 9);
    assert_eq!((sum.imported, sum.merged), (2, 1));
    let skipped: Vec<_> = sum.skipped.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(
        skipped,
        [
            ("blank_number", 1),
            ("invalid_number", 2),
            ("emergency_number", 1),
            ("bad_votes", 1),
            ("unknown_category", 1)
        ]
    );
    let e = s.community_evidence("212 555 0100").unwrap().unwrap();
    assert_eq!(e.votes, 5.0, "votes of both rows add up");
}

/// A reader that fails part-way, like a file on a disk that dies.
struct Failing<R>(R, usize);
impl<R: Read> Read for Failing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.1 == 0 {
            return Err(std::io::Error::other("device error"));
        }
        let len = buf.len().min(self.1);
        let n = self.0.read(&mut buf[..len])?;
        self.1 -= n;
        Ok(n)
    }
}

#[test]
fn an_unreadable_file_changes_nothing() {
    let (_d, mut s) = open();
    let file = std::fs::File::open(data("phoneblock-blocklist-snapshot.csv")).unwrap();
    let err = s.import(Format::PhoneBlock, Failing(file, 200_000)).unwrap_err();
    assert!(err.to_string().contains("device error"), "{err}");
    assert_eq!(s.stats().unwrap().community_numbers, 0);
    // And the same file, read properly afterwards, imports in full.
    let file = std::fs::File::open(data("phoneblock-blocklist-snapshot.csv")).unwrap();
    assert_eq!(s.import(Format::PhoneBlock, file).unwrap().imported, 15_705);
}

#[test]
fn binary_garbage_is_skipped_row_by_row() {
    let (_d, mut s) = open();
    let mut junk: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    junk.extend_from_slice(b"\n+12125550100,scam,3\n");
    let sum = s.import(Format::Csv, junk.as_slice()).unwrap();
    assert_eq!(sum.imported, 1);
    assert_eq!(sum.imported + sum.merged + sum.skipped_total(), sum.rows);
}
