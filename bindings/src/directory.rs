//! The iOS Call Directory export (`ringfence_core::export`) in batches.

use ringfence_core as core;

/// Which Call Directory list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DirectoryKind {
    /// Numbers CallKit should block (`addBlockingEntry`).
    Blocking,
    /// Numbers CallKit should label; they still ring (`addIdentificationEntry`).
    Identification,
}

impl From<DirectoryKind> for core::DirectoryKind {
    fn from(k: DirectoryKind) -> Self {
        match k {
            DirectoryKind::Blocking => core::DirectoryKind::Blocking,
            DirectoryKind::Identification => core::DirectoryKind::Identification,
        }
    }
}

/// One Call Directory entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct DirectoryEntry {
    /// E.164 digits as an integer, without `+` (821012345678): CallKit's
    /// `CXCallDirectoryPhoneNumber` (Int64).
    pub number: i64,
    /// The label for identification entries ("Telemarketing"); may be `nil` for
    /// blocking entries.
    pub label: Option<String>,
}

impl From<core::DirectoryEntry> for DirectoryEntry {
    fn from(e: core::DirectoryEntry) -> Self {
        // At most E164::MAX (i64::MAX), so always within i64.
        DirectoryEntry { number: e.number.as_u64() as i64, label: e.label }
    }
}

/// A block-list prefix left out of the export because it stands for too many numbers
/// (more than a Call Directory extension can hold).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SkippedPrefix {
    /// "+82*"
    pub prefix: String,
    /// How many numbers it would have added.
    pub numbers: u64,
}

/// One batch of the export.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct DirectoryBatch {
    /// Strictly ascending by `number`, all greater than the `after` the batch was asked
    /// for.
    pub entries: Vec<DirectoryEntry>,
    /// Pass this as `after` to get the next batch; `null`/`nil` when the export is
    /// complete (no further entries exist).
    pub next_after: Option<i64>,
    /// Block-list prefixes left out of the export (the same in every batch).
    pub skipped_prefixes: Vec<SkippedPrefix>,
}

/// Up to `limit` entries after `after`, looking one entry ahead so the last batch says it
/// is the last; stops with `Cancelled` at the next page of candidates once `cancel` is.
pub(crate) fn batch(
    s: &mut ringfence_core::Screener,
    kind: DirectoryKind,
    after: Option<ringfence_core::E164>,
    limit: u32,
    cancel: &ringfence_core::Cancel,
) -> ringfence_core::Result<DirectoryBatch> {
    let mut export = s.call_directory(kind.into(), after)?.with_cancel(cancel.clone());
    let skipped_prefixes =
        export.skipped_prefixes.iter().map(|(p, n)| SkippedPrefix { prefix: p.to_string(), numbers: *n }).collect();
    let mut entries = Vec::with_capacity(limit.min(100_000) as usize);
    for entry in export.by_ref() {
        entries.push(DirectoryEntry::from(entry?));
        if entries.len() == limit as usize {
            break;
        }
    }
    let more = entries.len() == limit as usize && export.next().transpose()?.is_some();
    let next_after = if more { entries.last().map(|e| e.number) } else { None };
    Ok(DirectoryBatch { entries, next_after, skipped_prefixes })
}
