//! ringfence-ffi: the UniFFI layer over ringfence-core, for Kotlin (Android) and Swift (iOS).
//!
//! Rules for this crate (see bindings/README.md):
//! - Small wrappers only: each module converts core types to plain FFI records and enums
//!   and calls the core. No logic of its own.
//! - Every exported function and method that runs core code returns
//!   `Result<_, RingfenceError>` and runs its body inside [`guard`], so a Rust panic
//!   reaches Kotlin and Swift as a typed, catchable `RingfenceError.Internal` rather than
//!   a crash (Swift calls infallible functions with `try!`). Only trivially infallible
//!   functions (constants like [`ringfence_version`]) may skip it.
//! - Objects (`#[derive(uniffi::Object)]`) must be `Send + Sync`: foreign code may call
//!   them from any thread. Use `&self` and interior mutability.
//!
//! Modules: `error` (the one public error type), `number` (caller-ID normalisation),
//! `screener` (the `Screener` object: the whole engine), and the records and enums it
//! speaks in: `decision`, `lists`, `policy`, `reports`, `history`, `import`, `directory`,
//! `sync` (the community server's config, progress and summary), `recovery` (what
//! repairing a damaged database did); `transport` (the app's HTTP stack as the sync's
//! transport, and the built-in one behind the `builtin-http` feature) and `async_calls`
//! (the suspend/async variants of the long calls, and their cancellation).

uniffi::setup_scaffolding!();

// Panics are caught at the boundary with catch_unwind, which does nothing when panics
// abort: with panic = "abort" any bug would kill the app instead of raising an error.
#[cfg(panic = "abort")]
compile_error!("ringfence-ffi must be built with panic = \"unwind\" (the default)");

mod async_calls;
mod backup;
mod decision;
mod directory;
mod error;
mod explain;
mod history;
mod import;
mod lists;
mod number;
mod outgoing;
mod policy;
mod recovery;
mod reports;
mod screener;
mod sync;
mod transport;

pub use async_calls::CancelToken;
pub use backup::BackupRestored;
pub use decision::{reportable_categories, Action, Category, Decision, Reason, Verification};
pub use directory::{DirectoryBatch, DirectoryEntry, DirectoryKind, SkippedPrefix};
pub use error::RingfenceError;
pub use explain::{Explanation, ExplanationStep, NumberReading};
pub use history::{HistoryEntry, Stats};
pub use import::{ImportSummary, ListFormat, SkipReason};
pub use lists::{Rule, RuleAdded, RuleInput, RuleList};
pub use number::{normalize, MalformedReason, NormalizedNumber, NumberTraits, NumberType};
pub use outgoing::OutgoingCall;
pub use policy::{Policy, PolicySetting};
pub use recovery::Recovery;
pub use reports::{Evidence, Report};
pub use screener::Screener;
pub use sync::{SyncConfig, SyncListener, SyncProgress, SyncState, SyncSummary};
#[cfg(feature = "builtin-http")]
pub use transport::builtin_transport;
pub use transport::{HttpError, HttpHead, HttpRequest, HttpTransport, ResponseSink};

#[cfg(feature = "test-hooks")]
mod test_hooks;

pub(crate) use error::guard;

/// The version of the ringfence library (the Rust crate), e.g. "0.1.0".
#[uniffi::export]
pub fn ringfence_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
