//! Importing spam lists into the community store.
//!
//! Each format has a row parser (a pure function: one CSV record in, one row or a skip
//! reason out) and shares the rest: one transaction for the whole file, so a file that
//! cannot be read to its end changes nothing; bad rows are skipped and counted by
//! reason; a file already imported is recognised by its digest and not counted twice.
//!
//! The summary also says what the file's numbers do now, under the user's policy: a list
//! of old complaints imports in full and yet warns of nothing, its evidence decayed, and
//! the user is told so instead of finding out at the next call.

mod csv_list;
mod ftc;
mod phoneblock;

use crate::community::{self, Source};
use crate::decide::community_action;
use crate::decision::{Action, Category};
use crate::number::{Caller, Region, E164};
use crate::policy::Policy;
use crate::store::{now, Store};
use crate::{Cancel, Error, Result};
use rusqlite::OptionalExtension;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::rc::Rc;
use std::str::FromStr;

pub use csv_list::parse_row as parse_csv_row;
pub use ftc::parse_row as parse_ftc_row;
pub use phoneblock::parse_row as parse_phoneblock_row;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The FTC's daily Do-Not-Call complaint numbers (US).
    Ftc,
    /// A PhoneBlock blocklist snapshot: `phone,votes,lastActivity`.
    PhoneBlock,
    /// A plain list: `number,category[,votes]`, with or without a header.
    Csv,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "ftc" => Ok(Format::Ftc),
            "phoneblock" => Ok(Format::PhoneBlock),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown import format {s:?}: use ftc, phoneblock or csv")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Ftc => "ftc",
            Format::PhoneBlock => "phoneblock",
            Format::Csv => "csv",
        })
    }
}

/// Why a row was not imported.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The number column is empty.
    BlankNumber,
    /// Not a phone number, or not one that exists in its country's numbering plan.
    InvalidNumber,
    /// An emergency number: never listed, whatever a list says.
    EmergencyNumber,
    /// Too few columns, or text that is not UTF-8.
    MalformedRow,
    /// The votes column is not a non-negative number.
    BadVotes,
    /// The date column cannot be read.
    BadTimestamp,
    /// The category is not one ringfence knows.
    UnknownCategory,
}

impl SkipReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::BlankNumber => "blank_number",
            SkipReason::InvalidNumber => "invalid_number",
            SkipReason::EmergencyNumber => "emergency_number",
            SkipReason::MalformedRow => "malformed_row",
            SkipReason::BadVotes => "bad_votes",
            SkipReason::BadTimestamp => "bad_timestamp",
            SkipReason::UnknownCategory => "unknown_category",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row that will be imported.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Row {
    pub number: E164,
    pub category: Category,
    pub votes: f64,
    /// Unix seconds of the report.
    pub at: i64,
}

/// What an import did, and what the file's numbers do now.
#[derive(Clone, PartialEq, Debug, Default, Serialize)]
pub struct ImportSummary {
    /// Data rows read (the header is not counted).
    pub rows: u64,
    /// Numbers that were not in the store before.
    pub imported: u64,
    /// Rows that added evidence to a number already in the store (from this file or
    /// an earlier one).
    pub merged: u64,
    pub skipped: BTreeMap<SkipReason, u64>,

    // What the numbers do now. Each of the file's numbers is counted once, in one of the
    // seven counts below, by what its community evidence (the strongest of all sources,
    // decayed to `as_of`) does under the policy at the time of the import: the same step
    // that screens a call from it (`decide::community_action`). Only the file's numbers
    // are looked up, never the whole community table.
    /// Distinct numbers this file gave evidence for, new to the store or not.
    pub numbers: u64,
    /// At or above the warn threshold: warned of now.
    pub now_warn: u64,
    /// Silenced now (the user set their category to silence).
    pub now_silence: u64,
    /// At or above the block threshold: blocked now.
    pub now_block: u64,
    /// At or above the warn threshold, but the user set their category to allow.
    pub allowed_by_category: u64,
    /// Votes that reached the warn threshold when reported, decayed below it since.
    pub decayed: u64,
    /// Fewer votes than the warn threshold even when new (one complaint, with the
    /// default threshold of 2): on their own they never warn, decayed or not.
    pub too_few_votes: u64,
    /// Unix seconds: the oldest and the newest report among the `decayed` numbers
    /// (`None` when none decayed).
    pub evidence_from: Option<i64>,
    pub evidence_to: Option<i64>,
    /// The policy the counts were made with: its half-life (0: no decay) and warn
    /// threshold.
    pub half_life_days: f64,
    pub warn_threshold: f64,
    /// Unix seconds the counts are for: when the import started.
    pub as_of: i64,
}

impl ImportSummary {
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Counts one of the file's numbers by what its evidence does now.
    fn count_now(&mut self, policy: &Policy, evidence: Option<community::Evidence>) {
        let Some(e) = evidence else {
            // Only a concurrent deletion could take a number away between the write and
            // this read; it does nothing now, like a number with too few votes.
            self.too_few_votes += 1;
            return;
        };
        match community_action(policy, &e) {
            Some(Action::Warn) => self.now_warn += 1,
            Some(Action::Silence) => self.now_silence += 1,
            Some(Action::Block) => self.now_block += 1,
            Some(Action::Allow) | None if e.score >= policy.warn_threshold => self.allowed_by_category += 1,
            Some(Action::Allow) | None if e.votes >= policy.warn_threshold => {
                self.decayed += 1;
                self.evidence_from = Some(self.evidence_from.map_or(e.last_activity, |t| t.min(e.last_activity)));
                self.evidence_to = Some(self.evidence_to.map_or(e.last_activity, |t| t.max(e.last_activity)));
            }
            Some(Action::Allow) | None => self.too_few_votes += 1,
        }
    }
}

/// Reads a number the way every importer does: it must be a real, valid number, and
/// never an emergency number.
pub(crate) fn read_number(raw: &str, home: Region) -> Result<E164, SkipReason> {
    if raw.trim().is_empty() {
        return Err(SkipReason::BlankNumber);
    }
    match crate::number::parse(raw, home) {
        Caller::Number(n) if n.traits.emergency => Err(SkipReason::EmergencyNumber),
        Caller::Number(n) if n.valid => Ok(n.e164),
        _ => Err(SkipReason::InvalidNumber),
    }
}

/// A field of a record as text.
pub(crate) fn field(rec: &csv::ByteRecord, i: usize) -> Result<&str, SkipReason> {
    std::str::from_utf8(rec.get(i).ok_or(SkipReason::MalformedRow)?).map_err(|_| SkipReason::MalformedRow)
}

/// A votes column: a finite number, zero or more.
pub(crate) fn read_votes(text: &str) -> Result<f64, SkipReason> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or(SkipReason::BadVotes)
}

/// One CSV line as the importers get it, for the row parsers' tests.
#[cfg(test)]
pub(crate) fn record(line: &str) -> csv::ByteRecord {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
    r.byte_records().next().expect("one record").expect("a readable record")
}

/// Imports a whole file, and counts what its numbers do now under `policy`. On error
/// nothing has changed.
pub(crate) fn import(
    store: &mut Store,
    format: Format,
    input: impl Read,
    home: Region,
    policy: &Policy,
    cancel: &Cancel,
) -> Result<ImportSummary> {
    let started = now();
    // The file's distinct numbers (8 bytes each), for the counts of what they do now.
    let mut numbers: Vec<E164> = Vec::new();
    let read_up_to = Rc::new(Cell::new((0u64, 0u64)));
    let bounded = Bounded { inner: input, given: 0, read_up_to: read_up_to.clone() };
    let hashing = HashingReader { inner: bounded, hash: Sha256::new() };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(BUFFER_BYTES).from_reader(hashing);
    let io_error = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::Io { what: format!("the {format} file"), source: e },
        other => Error::Io { what: format!("the {format} file"), source: std::io::Error::other(format!("{other:?}")) },
    };
    let mut summary = store.write(|tx| {
        let before = community::count_tx(tx, Source::Import)?;
        let mut summary = ImportSummary::default();
        let mut rec = csv::ByteRecord::new();
        let mut header: Option<Vec<String>> = None;
        let mut first = true;
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        while reader.read_byte_record(&mut rec).map_err(io_error)? {
            // A safe point per record (an atomic load): cancelling rolls the import back.
            cancel.check()?;
            read_up_to.set((reader.position().byte(), read_up_to.get().1 + 1));
            if first {
                first = false;
                if is_header(format, &rec) {
                    header = Some(rec.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect());
                    continue;
                }
            }
            summary.rows += 1;
            if rec.len() > MAX_FIELDS {
                *summary.skipped.entry(SkipReason::MalformedRow).or_default() += 1;
                continue;
            }
            let row = match format {
                Format::Ftc => ftc::parse_row(&rec, header.as_deref()),
                Format::PhoneBlock => phoneblock::parse_row(&rec, home),
                Format::Csv => csv_list::parse_row(&rec, home, started),
            };
            match row {
                Ok(r) => {
                    chunk.push(r);
                    if chunk.len() == CHUNK_ROWS {
                        write_sorted(tx, &mut chunk, &mut numbers)?;
                    }
                }
                Err(why) => *summary.skipped.entry(why).or_default() += 1,
            }
        }
        write_sorted(tx, &mut chunk, &mut numbers)?;
        cancel.check()?;
        let digest = hex::encode(std::mem::take(&mut reader.get_mut().hash).finalize());
        let seen: Option<i64> = tx
            .prepare_cached("SELECT imported_at FROM imports WHERE digest = ?1")?
            .query_row([&digest], |r| r.get(0))
            .optional()?;
        if let Some(at) = seen {
            // Rolls back: this exact file's evidence is already counted.
            return Err(Error::AlreadyImported { format: format.to_string(), imported_at: at });
        }
        tx.prepare_cached("INSERT INTO imports (digest, format, imported_at) VALUES (?1, ?2, ?3)")?
            .execute(rusqlite::params![digest, format.to_string(), started])?;
        let after = community::count_tx(tx, Source::Import)?;
        summary.imported = after - before;
        summary.merged = summary.rows - summary.skipped_total() - summary.imported;
        Ok(summary)
    })?;
    // Right after the import, in one read transaction: each of the file's numbers looked
    // up as a call from it would be (a number in several chunks is in `numbers` twice).
    numbers.sort_unstable();
    numbers.dedup();
    summary.numbers = numbers.len() as u64;
    summary.half_life_days = policy.half_life_days;
    summary.warn_threshold = policy.warn_threshold;
    summary.as_of = started;
    let store: &Store = store;
    // In key order without the memory map: through it, every page of the table these
    // lookups pass would stay resident in the process (measured, importing a million
    // numbers: 55 MB peak instead of 32 MB, of which 8 MB are `numbers`; 24 MB without
    // the counts); SQLite's page cache serves each page's numbers in turn. The lookups
    // cost about 0.5 s per million numbers.
    let _unmapped = store.without_mmap();
    store.read(|| {
        for n in numbers {
            summary.count_now(policy, community::lookup(store, n, started, policy.half_life_days)?);
        }
        Ok::<_, Error>(())
    })?;
    Ok(summary)
}

/// Rows are written in key order, a chunk at a time: SQLite then fills B-tree pages in
/// sequence instead of touching a random page per row (measured: about twice as fast for
/// a million rows), for a few megabytes of memory.
const CHUNK_ROWS: usize = 1 << 18;

fn write_sorted(tx: &rusqlite::Transaction, chunk: &mut Vec<Row>, numbers: &mut Vec<E164>) -> Result<()> {
    // Stable: rows for the same number keep their order in the file.
    chunk.sort_by_key(|r| r.number);
    for r in chunk.drain(..) {
        community::add_evidence(tx, Source::Import, r.number, r.category, r.votes, r.at)?;
        if numbers.last() != Some(&r.number) {
            numbers.push(r.number);
        }
    }
    Ok(())
}

/// The first record is a header when its number column is not a number.
fn is_header(format: Format, rec: &csv::ByteRecord) -> bool {
    let first = rec.get(0).map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase()).unwrap_or_default();
    match format {
        Format::Ftc => first == "company_phone_number",
        Format::PhoneBlock => first == "phone",
        Format::Csv => !first.is_empty() && !first.chars().any(|c| c.is_ascii_digit()),
    }
}

/// The longest record an import reads (a line, or a quoted field across lines): lists
/// have a few short fields, so a longer one is not a list, and reading it whole would
/// hold it in memory whole (a 200 MB "record" took about 1 GB).
pub const MAX_RECORD_BYTES: u64 = 64 << 10;

/// Fields a record may have (the FTC's layout has 8); a record with more is skipped.
pub const MAX_FIELDS: usize = 64;

/// The CSV reader's buffer: it reads at most this far past the end of a record.
const BUFFER_BYTES: usize = 8 << 10;

/// Gives the CSV reader at most [`MAX_RECORD_BYTES`] (and its buffer) past the end of the
/// last record it returned, then an error that names the record.
struct Bounded<R> {
    inner: R,
    /// Bytes given out so far.
    given: u64,
    /// Where the last record returned ended, and how many records were returned.
    read_up_to: Rc<Cell<(u64, u64)>>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let (end, records) = self.read_up_to.get();
        let allowed = end + MAX_RECORD_BYTES + BUFFER_BYTES as u64;
        if self.given >= allowed {
            return Err(std::io::Error::other(format!(
                "record {} is longer than {} KiB: not a list of numbers",
                records + 1,
                MAX_RECORD_BYTES >> 10
            )));
        }
        let room = usize::try_from(allowed - self.given).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(&mut buf[..room])?;
        self.given += n as u64;
        Ok(n)
    }
}

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}
