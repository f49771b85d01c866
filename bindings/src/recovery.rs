//! What `Screener.recover()` did (`ringfence_core::Recovery`) as an FFI record.

use ringfence_core as core;

/// The outcome of `Screener.recover()`: where the damaged file went, how many of the
/// user's rows the fresh database holds, and which tables could not be read to the end.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, uniffi::Record)]
pub struct Recovery {
    /// Where the damaged file is now (`<file>.corrupt-<unix time>`, with its `-wal` and
    /// `-shm`; never deleted). `null`/`nil`: the file passed SQLite's integrity check
    /// and was left as it was (or the screener is in memory), and the counts are zero.
    pub moved_to: Option<String>,
    /// Block and allow rules carried over into the fresh database.
    pub rules: u64,
    pub contacts: u64,
    /// Reports in the outbox, with their idempotency keys and upload state (nothing is
    /// sent or counted twice).
    pub reports: u64,
    /// Screened calls.
    pub history: u64,
    /// Policy settings.
    pub settings: u64,
    /// Tables of the user's that could not be read to the end ("rules", "contacts",
    /// "reports", "history", "settings"): rows on damaged pages of these are lost (the
    /// moved file still has them). Empty when everything of the user's was read.
    /// Community data is never carried over: the next sync downloads a full snapshot.
    pub incomplete: Vec<String>,
}

impl From<core::Recovery> for Recovery {
    fn from(r: core::Recovery) -> Self {
        let core::Recovery { moved_to, rules, contacts, reports, history, settings, incomplete } = r;
        Recovery {
            moved_to: moved_to.map(|p| p.display().to_string()),
            rules,
            contacts,
            reports,
            history,
            settings,
            incomplete,
        }
    }
}
