//! Importing spam lists (`ringfence_core::import`): formats and the summary.

use ringfence_core as core;
use ringfence_core::{Cancel, Screener};
use std::collections::HashMap;

/// Imports the list file at `path`; stops with `Cancelled` at the next record once
/// `cancel` is, changing nothing.
pub(crate) fn import_file(
    s: &mut Screener,
    format: ListFormat,
    path: &str,
    cancel: &Cancel,
) -> ringfence_core::Result<ImportSummary> {
    let file =
        std::fs::File::open(path).map_err(|e| ringfence_core::Error::Io { what: path.to_string(), source: e })?;
    Ok(s.import_cancellable(format.into(), std::io::BufReader::new(file), cancel)?.into())
}

/// Imports a list the app holds in memory, like [`import_file`].
pub(crate) fn import_data(
    s: &mut Screener,
    format: ListFormat,
    data: &[u8],
    cancel: &Cancel,
) -> ringfence_core::Result<ImportSummary> {
    Ok(s.import_cancellable(format.into(), data, cancel)?.into())
}

/// The spam-list formats ringfence reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ListFormat {
    /// The FTC's daily Do-Not-Call complaint numbers (US), CSV with its header.
    Ftc,
    /// A PhoneBlock blocklist snapshot: `phone,votes,lastActivity`.
    PhoneBlock,
    /// A plain list: `number,category[,votes]`, with or without a header.
    Csv,
}

impl From<ListFormat> for core::Format {
    fn from(f: ListFormat) -> Self {
        match f {
            ListFormat::Ftc => core::Format::Ftc,
            ListFormat::PhoneBlock => core::Format::PhoneBlock,
            ListFormat::Csv => core::Format::Csv,
        }
    }
}

/// Why a row of a list was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
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

impl From<core::SkipReason> for SkipReason {
    fn from(r: core::SkipReason) -> Self {
        use core::SkipReason as S;
        match r {
            S::BlankNumber => SkipReason::BlankNumber,
            S::InvalidNumber => SkipReason::InvalidNumber,
            S::EmergencyNumber => SkipReason::EmergencyNumber,
            S::MalformedRow => SkipReason::MalformedRow,
            S::BadVotes => SkipReason::BadVotes,
            S::BadTimestamp => SkipReason::BadTimestamp,
            S::UnknownCategory => SkipReason::UnknownCategory,
        }
    }
}

/// What an import did, and what the list's numbers do now: each of them is counted in
/// exactly one of `now_warn`, `now_silence`, `now_block`, `allowed_by_category`, `decayed`
/// and `too_few_votes`, by what its community evidence does under the policy at the time
/// of the import. A list of old complaints can import in full and warn of nothing: its
/// evidence decayed (`decayed`, `evidence_from`, `evidence_to`, `half_life_days`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ImportSummary {
    /// Data rows read (a header is not counted).
    pub rows: u64,
    /// Numbers that were not in the database before.
    pub imported: u64,
    /// Rows that added evidence to a number already there.
    pub merged: u64,
    /// Rows left out, by reason.
    pub skipped: HashMap<SkipReason, u64>,
    /// All rows left out.
    pub skipped_total: u64,
    /// Distinct numbers the list gave evidence for, new or not.
    pub numbers: u64,
    /// Warned of now.
    pub now_warn: u64,
    /// Silenced now (the user set their category to silence).
    pub now_silence: u64,
    /// Blocked now.
    pub now_block: u64,
    /// At or above the warn threshold, but the user set their category to allow.
    pub allowed_by_category: u64,
    /// Reached the warn threshold when reported, decayed below it since.
    pub decayed: u64,
    /// Fewer votes than the warn threshold even when new: they never warn on their own.
    pub too_few_votes: u64,
    /// Unix seconds: the oldest and the newest report among the decayed numbers (null
    /// when none decayed).
    pub evidence_from: Option<i64>,
    pub evidence_to: Option<i64>,
    /// The policy's half-life (0: no decay) and warn threshold the counts were made with.
    pub half_life_days: f64,
    pub warn_threshold: f64,
    /// Unix seconds the counts are for: when the import started.
    pub as_of: i64,
}

impl From<core::ImportSummary> for ImportSummary {
    fn from(s: core::ImportSummary) -> Self {
        let skipped_total = s.skipped_total();
        // Every field named: a new one in the core breaks the build here.
        let core::ImportSummary {
            rows,
            imported,
            merged,
            skipped,
            numbers,
            now_warn,
            now_silence,
            now_block,
            allowed_by_category,
            decayed,
            too_few_votes,
            evidence_from,
            evidence_to,
            half_life_days,
            warn_threshold,
            as_of,
        } = s;
        ImportSummary {
            rows,
            imported,
            merged,
            skipped: skipped.into_iter().map(|(r, n)| (r.into(), n)).collect(),
            skipped_total,
            numbers,
            now_warn,
            now_silence,
            now_block,
            allowed_by_category,
            decayed,
            too_few_votes,
            evidence_from,
            evidence_to,
            half_life_days,
            warn_threshold,
            as_of,
        }
    }
}
