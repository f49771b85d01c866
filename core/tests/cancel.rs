//! Cancelling an import or a Call Directory export through a `Cancel` token: the work
//! stops at its next safe point with `Error::Cancelled` and changes nothing.

use ringfence_core::{Cancel, DirectoryKind, Error, Format, List, Region, Screener};
use std::io::Read;

/// A list of `rows` numbers that cancels `cancel` once `after` bytes have been read:
/// the importer is provably in the middle of the file.
struct CancelsMidway {
    data: Vec<u8>,
    at: usize,
    after: usize,
    cancel: Cancel,
}

impl Read for CancelsMidway {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.after {
            self.cancel.cancel();
        }
        let n = buf.len().min(self.data.len() - self.at).min(4096);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn list(rows: u32) -> Vec<u8> {
    (0..rows).map(|i| format!("010-4{:03}-{:04},scam,5\n", i / 10_000, i % 10_000)).collect::<String>().into_bytes()
}

#[test]
fn a_cancelled_import_changes_nothing_and_the_same_file_imports_afterwards() {
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    s.import(Format::Csv, "010-3000-0001,scam,5\n".as_bytes()).unwrap();
    let before = s.stats().unwrap();
    let data = list(50_000);
    let cancel = Cancel::new();
    let input = CancelsMidway { data: data.clone(), at: 0, after: data.len() / 2, cancel: cancel.clone() };
    match s.import_cancellable(Format::Csv, input, &cancel) {
        Err(Error::Cancelled) => {}
        other => panic!("expected Cancelled, got {other:?}"),
    }
    assert_eq!(s.stats().unwrap(), before, "nothing changed");
    // Not recorded as imported: the same file goes in afterwards.
    let summary = s.import_cancellable(Format::Csv, data.as_slice(), &Cancel::new()).unwrap();
    assert_eq!(summary.imported, 50_000);
}

#[test]
fn a_cancelled_export_stops_at_its_next_page() {
    let mut s = Screener::open_in_memory(Region::KR).unwrap();
    s.add_rule(List::Block, "1588-1*", None).unwrap(); // 1,000 numbers
    s.import(Format::Csv, &list(10_000)[..]).unwrap();
    let cancel = Cancel::new();
    let mut export = s.call_directory(DirectoryKind::Blocking, None).unwrap().with_cancel(cancel.clone());
    let first = export.next().expect("an entry").unwrap();
    cancel.cancel();
    // The rest of the page may still come out; then the export stops.
    let rest: Vec<_> = export.collect();
    assert!(matches!(rest.last(), Some(Err(Error::Cancelled))), "ended with {:?}", rest.last());
    assert!(rest.len() < 10_000, "{} entries after the cancel", rest.len());
    assert!(first.number.as_u64() > 0);
    // An export cancelled before it starts yields nothing but the error.
    let mut export = s.call_directory(DirectoryKind::Blocking, None).unwrap().with_cancel(cancel);
    assert!(matches!(export.next(), Some(Err(Error::Cancelled))));
}
