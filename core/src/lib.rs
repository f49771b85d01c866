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

pub mod backup;
pub mod cancel;
pub mod community;
pub mod decide;
pub mod decision;
pub mod error;
pub mod explain;
pub mod export;
pub mod history;
pub mod import;
pub mod number;
pub mod outgoing;
pub mod policy;
pub mod recovery;
pub mod reports;
pub mod rules;
pub mod schedule;
pub mod screener;
mod store;
pub mod sync;
pub mod wire;

pub use backup::{Document as Backup, Mode as RestoreMode, Restored, MAX_BYTES as BACKUP_MAX_BYTES};
pub use cancel::Cancel;
pub use decision::{Action, Call, Category, Decision, Reason, Reasons, Verification};
pub use error::{Error, ErrorKind, Result};
pub use export::{DirectoryEntry, DirectoryKind};
pub use import::{Format, ImportSummary, SkipReason};
pub use number::{Caller, NumberType, PhoneNumber, Region, E164};
pub use outgoing::OutgoingCall;
pub use policy::Policy;
pub use recovery::Recovery;
pub use rules::{List, Rule, RuleOptions};
pub use screener::Screener;
pub use store::Store;
pub use sync::{SyncConfig, SyncProgress, SyncSummary, Transport};
