//! Backup and restore (`ringfence_core::Backup`) as an FFI record.

use ringfence_core as core;

/// What `importBackup` restored.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupRestored {
    /// Rules written (a pattern already there got the backup's label, end, window, SIM).
    pub rules: u64,
    /// Temporary rules in the backup whose end had passed: not restored.
    pub rules_ended: u64,
    /// Contacts added (ones already there are not counted).
    pub contacts: u64,
    /// Settings that differ from the defaults after the restore.
    pub settings: u64,
    /// Reports waiting for upload that were added (ones already queued are not counted).
    pub reports: u64,
    /// The backup's pause was still running and applies.
    pub paused: bool,
}

impl From<core::Restored> for BackupRestored {
    fn from(r: core::Restored) -> Self {
        BackupRestored {
            rules: r.rules,
            rules_ended: r.rules_ended,
            contacts: r.contacts,
            settings: r.settings,
            reports: r.reports,
            paused: r.paused,
        }
    }
}
