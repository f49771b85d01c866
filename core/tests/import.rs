//! Importers on the real data files in data/, and on broken input.

use ringfence_core::{Action, Call, Error, Format, Region, Screener, SkipReason};
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
    // A number with many recent votes is blocked, with decay turned off to not depend on today's date.
    s.set_policy("decay.half-life-days", "0").unwrap();
    let d = s.screen(&Call::new("+12015345822"));
    assert_eq!((d.action, d.score), (Action::Block, Some(41.0)));
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
