//! Importing spam lists (`ringfence_core::import`): formats and the summary.

use ringfence_core::import as core;
use std::collections::HashMap;

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

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
}

impl From<core::ImportSummary> for ImportSummary {
    fn from(s: core::ImportSummary) -> Self {
        ImportSummary {
            rows: s.rows,
            imported: s.imported,
            merged: s.merged,
            skipped_total: s.skipped_total(),
            skipped: s.skipped.into_iter().map(|(r, n)| (r.into(), n)).collect(),
        }
    }
}
