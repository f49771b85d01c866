//! ringfence-core: the call-screening engine.
//!
//! Open a [`Screener`] on a database file, then ask it about each incoming call:
//!
//! ```
//! use ringfence_core::{Call, Screener, Region, Action};
//! let mut s = Screener::open_in_memory(Region::KR).unwrap();
//! s.add_rule(ringfence_core::List::Block, "+8270*", Some("VoIP spam")).unwrap();
//! let d = s.screen(&Call::new("070-1234-5678"));
//! assert_eq!(d.action, Action::Block);
//! ```
//!
//! The core knows nothing of FFI, HTTP servers or terminals: the bindings, the server
//! and the command line are thin layers over this crate.

mod backup;
mod cancel;
mod community;
mod decide;
mod decision;
mod error;
mod explain;
mod export;
mod history;
mod import;
pub mod number;
mod outgoing;
mod policy;
mod recovery;
mod reports;
mod rules;
mod schedule;
mod screener;
mod store;
pub mod sync;
pub mod wire;

pub use backup::{Document as Backup, Mode as RestoreMode, Restored, MAX_BYTES as BACKUP_MAX_BYTES};
pub use cancel::Cancel;
pub use community::Evidence;
pub use decision::{Action, Call, Category, Decision, Reason, Reasons, Verification};
pub use error::{Error, ErrorKind, Result};
pub use explain::{Explanation, Reading, Step};
pub use export::{DirectoryEntry, DirectoryKind};
pub use history::{HistoryEntry, Stats};
pub use import::{Format, ImportSummary, SkipReason};
pub use number::{Caller, NumberType, PhoneNumber, Region, E164};
pub use outgoing::OutgoingCall;
pub use policy::{Policy, Setting};
pub use recovery::Recovery;
pub use reports::{Report, MAX_COMMENT_CHARS};
pub use rules::{List, Rule, RuleOptions};
pub use schedule::{Days, Hours, Window};
pub use screener::Screener;
pub use sync::{SyncConfig, SyncProgress, SyncSummary, Transport};

/// What the fuzz targets (`fuzz/`) and the schema upgrade tests (`tests/store.rs`) reach
/// below the facade: one row of each import format, and the phone schema's migrations.
/// Not part of the API.
#[doc(hidden)]
pub mod testing {
    pub use crate::import::{parse_csv_row, parse_ftc_row, parse_phoneblock_row, Row};
    pub const MIGRATIONS: &[&str] = crate::store::Store::MIGRATIONS;
}
