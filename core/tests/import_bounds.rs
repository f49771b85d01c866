//! An import file cannot make the phone hold more than one bounded record at a time: a
//! record (a CSV line, or a quoted field spanning lines) longer than 64 KiB ends the
//! import with a clear error, having read little more than that, and changes nothing; a
//! record with more fields than any list has is skipped as malformed.

use ringfence_core::{Format, Region, Screener, SkipReason};
use std::io::Read;

/// `head`, then `body` repeated to `len` bytes, then `tail`, counting the bytes given out.
struct Hostile {
    head: Vec<u8>,
    body: Vec<u8>,
    len: usize,
    tail: Vec<u8>,
    given: usize,
}

impl Read for Hostile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let total = self.head.len() + self.len + self.tail.len();
        let mut n = 0;
        while n < buf.len() && self.given < total {
            let i = self.given;
            buf[n] = if i < self.head.len() {
                self.head[i]
            } else if i < self.head.len() + self.len {
                self.body[(i - self.head.len()) % self.body.len()]
            } else {
                self.tail[i - self.head.len() - self.len]
            };
            n += 1;
            self.given += 1;
        }
        Ok(n)
    }
}

fn open() -> (tempfile::TempDir, Screener) {
    let dir = tempfile::tempdir().unwrap();
    let s = Screener::open(dir.path().join("r.db"), Region::KR).unwrap();
    (dir, s)
}

const GOOD: &str = "010-5555-0101,scam\n010-5555-0102,scam\n";

#[test]
fn a_record_longer_than_64_kib_ends_the_import_early_and_changes_nothing() {
    for (what, body, tail) in [
        ("one long line", &b"7"[..], &b"\n010-5555-0103,scam\n"[..]),
        ("a quoted field across lines", &b"spam,\n"[..], &b"\",scam\n010-5555-0103,scam\n"[..]),
    ] {
        let (_d, mut s) = open();
        let head = if what.starts_with("a quoted") { format!("{GOOD}010-5555-0104,\"") } else { GOOD.to_string() };
        let mut file =
            Hostile { head: head.into_bytes(), body: body.to_vec(), len: 20 << 20, tail: tail.to_vec(), given: 0 };
        let err = s.import(Format::Csv, &mut file).expect_err(what).to_string();
        assert!(err.contains("longer than 64 KiB") && err.contains("record 3"), "{what}: {err}");
        assert!(file.given < 1 << 20, "{what}: read {} bytes of a 20 MiB record before giving up", file.given);
        assert_eq!(s.stats().unwrap().community_numbers, 0, "{what}: nothing imported");
    }
}

#[test]
fn a_record_of_many_fields_is_skipped_and_the_rest_imported() {
    let (_d, mut s) = open();
    let wide = format!("010-5555-0105,scam{}\n", ",1".repeat(5_000));
    let file = format!("{GOOD}{wide}010-5555-0106,scam\n");
    let sum = s.import(Format::Csv, file.as_bytes()).unwrap();
    assert_eq!((sum.rows, sum.imported), (4, 3));
    assert_eq!(sum.skipped.get(&SkipReason::MalformedRow), Some(&1));
    // A record just under the limit is an ordinary record.
    let (_d, mut s) = open();
    let long_ok = format!("010-5555-0107,scam,1,{}\n", "x".repeat(60 << 10));
    let sum = s.import(Format::Csv, long_ok.as_bytes()).unwrap();
    assert_eq!(sum.imported, 1);
}
