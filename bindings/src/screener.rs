//! `Screener`: the whole engine behind one object, for Kotlin and Swift.
//!
//! A thin wrapper over `ringfence_core::Screener`, which is `Send` but not `Sync`: it is
//! held in a `Mutex`, so calls on one `Screener` are serialised (each one takes the lock
//! for its duration) and the object is safe to share between threads. Screening a call
//! takes microseconds to a millisecond; anything that reads or writes many rows is
//! documented as **blocking** and belongs on a background thread.
//!
//! Long jobs (importing a list, syncing with the community server) run on their own
//! short-lived connection to the same database file ([`Screener::background`],
//! [`Screener::network`]), so an incoming call can still be screened while they run: the
//! main connection only reads meanwhile (SQLite WAL readers never wait for a writer), and
//! picks up the new data on its next call.
//!
//! ## The community calls (sync, lookupOnline)
//! Blocking network calls through the app's `HttpTransport` (`transport.rs`). Each runs
//! on a thread of its own ([`on_network_thread`]) while the caller waits, and the
//! caller's thread meanwhile hands progress to the app's [`SyncListener`]: the listener
//! runs on the thread that called `sync`, and since the locks are taken on the network
//! thread, a listener may call this screener. The suspend/async variants and their
//! cancellation are in `async_calls.rs`; the `*_cancellable` helpers here serve both.

use crate::backup::BackupRestored;
use crate::decision::{Decision, Verification};
use crate::directory::{DirectoryBatch, DirectoryKind};
use crate::explain::Explanation;
use crate::history::{HistoryEntry, Stats};
use crate::import::{ImportSummary, ListFormat};
use crate::lists::{rule_options, Rule, RuleAdded, RuleInput, RuleList};
use crate::number::NormalizedNumber;
use crate::outgoing::OutgoingCall;
use crate::policy::{Policy, PolicySetting};
use crate::recovery::Recovery;
use crate::reports::{DisputeStatus, Evidence, Report};
use crate::sync::{SyncConfig, SyncListener, SyncState, SyncSummary};
use crate::transport::{Foreign, HttpTransport};
use crate::{guard, Action, Category, RingfenceError};
use ringfence_core as core;
use ringfence_core::Cancel;
use ringfence_core::{Call, Region, E164};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};

/// The call-screening engine on one database file.
///
/// Safe to share between threads; calls are serialised. Methods marked **blocking**
/// read or write many rows: never call them on the main (UI) thread. Open one
/// `Screener` per process and keep it (opening reads the lists into memory); several
/// processes (an app and its extension or screening service) may open the same file.
/// Close it with `close()` (Kotlin) or by dropping the last reference (Swift).
#[derive(uniffi::Object)]
pub struct Screener {
    inner: Mutex<core::Screener>,
    /// The database file, for the background connection; `None` in memory.
    path: Option<PathBuf>,
    /// One writing background job at a time (import, sync).
    background: Mutex<()>,
}

#[uniffi::export]
impl Screener {
    /// Opens (creating if needed, with any missing parent directories) the database at
    /// `db_path`. `home_region` (ISO 3166 alpha-2, "KR") is the region the phone is in:
    /// national-form numbers ("010-1234-5678") are read in it. Blocking (opens the file,
    /// migrates it if an older version wrote it, reads the lists).
    ///
    /// Errors: `UnknownRegion`, `DatabaseOpen`, `SchemaTooNew`, `Database`; `Corrupt`
    /// (naming the file) for a damaged file: see `openOrFallback` and `recover`.
    #[uniffi::constructor]
    pub fn open(db_path: String, home_region: String) -> Result<Arc<Self>, RingfenceError> {
        guard(|| {
            let home: Region = home_region.parse()?;
            let path = PathBuf::from(db_path);
            let inner = core::Screener::open(&path, home)?;
            Ok(Screener::wrap(inner, Some(path)))
        })
    }

    /// `open`, except that it never fails because of the file: when the database cannot
    /// be opened (damaged, truncated, unreadable, a read-only file system) it returns a
    /// stand-in that screens with whatever rules, contacts, reports and settings could
    /// still be read from the file (read only, in place), else with none. Emergency
    /// numbers and ordinary calls are allowed either way; the block list applies as far
    /// as it could be read. `degraded()` says why; every change (rules, reports,
    /// policy, history, imports, sync) is refused with `Degraded` rather than kept in
    /// memory and lost, until `recover()` repairs the file (or a later start opens it).
    ///
    /// For the code that must screen whatever state the file is in: the Android
    /// `CallScreeningService`, the iOS Call Directory extension. Blocking, like `open`
    /// (salvaging a damaged file reads every table).
    ///
    /// Errors: only `UnknownRegion` (and `Internal`).
    #[uniffi::constructor]
    pub fn open_or_fallback(db_path: String, home_region: String) -> Result<Arc<Self>, RingfenceError> {
        guard(|| {
            let home: Region = home_region.parse()?;
            let path = PathBuf::from(db_path);
            let inner = core::Screener::open_or_fallback(&path, home);
            Ok(Screener::wrap(inner, Some(path)))
        })
    }

    /// A private database in memory, gone when the object is: for tests and previews.
    #[uniffi::constructor]
    pub fn open_in_memory(home_region: String) -> Result<Arc<Self>, RingfenceError> {
        guard(|| {
            let inner = core::Screener::open_in_memory(home_region.parse()?)?;
            Ok(Screener::wrap(inner, None))
        })
    }

    /// The home region ("KR").
    pub fn home_region(&self) -> Result<String, RingfenceError> {
        self.with(|s| Ok(s.home().as_str().to_string()))
    }

    /// Changes the home region (the user travelled, or changed SIM). Affects how
    /// national-form numbers are read from now on; stored rules keep their numbers.
    pub fn set_home_region(&self, home_region: String) -> Result<(), RingfenceError> {
        self.with(|s| {
            s.set_home(home_region.parse()?);
            Ok(())
        })
    }

    /// The database file's path (":memory:" in memory).
    pub fn db_path(&self) -> Result<String, RingfenceError> {
        self.with(|s| Ok(s.path().display().to_string()))
    }

    /// The last storage problem met while screening, if any. Screening never fails
    /// because of the database (it decides with the lists it holds in memory); this
    /// says why a decision may have missed community data.
    pub fn last_error(&self) -> Result<Option<String>, RingfenceError> {
        self.with(|s| Ok(s.last_error().map(str::to_string)))
    }

    // ---- damaged databases ----

    /// Why this screener is a stand-in for a database file that could not be opened
    /// (`openOrFallback`), or `null`/`nil` when it works on the file itself. While it is
    /// set, screening works and every change raises `Degraded`; offer the user a repair
    /// (`recover()`).
    pub fn degraded(&self) -> Result<Option<String>, RingfenceError> {
        self.with(|s| Ok(s.degraded().map(str::to_string)))
    }

    /// Repairs a damaged database file, and makes this screener work on the repaired
    /// one (no need to open it again; screening goes on with the same object). The
    /// damaged file is moved aside to `<file>.corrupt-<unix time>` (with its `-wal` and
    /// `-shm`; nothing is deleted), a fresh database is created at the path with every
    /// rule, contact, report (the outbox, with its idempotency keys), history entry and
    /// setting that could still be read, and the returned `Recovery` says how many and
    /// which tables were not read to the end. Community data is not carried over: sync
    /// afterwards to download it again. A file that passes SQLite's integrity check is
    /// left as it is (`movedTo` null/nil), so calling this by mistake loses nothing;
    /// in memory it does nothing.
    ///
    /// **Blocking** (reads and writes every row of the user's; a full integrity check
    /// of a sound file): never on the main thread. It waits for a running import or
    /// sync, and calls on this screener (screening too) wait for it. Other `Screener`s
    /// on the same file, in this process or another (an iOS extension), go on with the
    /// moved file (their changes land there) until they are reopened: reopen them (an
    /// extension opens anew on each request).
    ///
    /// Errors: `Io` (the file cannot be moved aside: a read-only directory),
    /// `DatabaseOpen`, `Database`; the screener is then as `openOrFallback` leaves it.
    pub fn recover(&self) -> Result<Recovery, RingfenceError> {
        guard(|| {
            let Some(path) = &self.path else {
                return Ok(Recovery::default());
            };
            let _one_at_a_time = lock(&self.background);
            let mut inner = lock(&self.inner);
            let home = inner.home();
            // Close this screener's connection to the old file before it is moved, so it
            // is never left on a file that was moved aside (its writes would land there);
            // if the repair fails, it reopens whatever is at the path.
            let placeholder = core::Screener::open_in_memory(home)?;
            drop(std::mem::replace(&mut *inner, placeholder));
            let outcome = catch_unwind(AssertUnwindSafe(|| core::Screener::recover(path, home)));
            let (screener, result) = match outcome {
                Ok(Ok((screener, recovery))) => (screener, Ok(recovery.into())),
                Ok(Err(e)) => (core::Screener::open_or_fallback(path, home), Err(e.into())),
                Err(panic) => (
                    core::Screener::open_or_fallback(path, home),
                    Err(RingfenceError::Internal { details: crate::error::panic_message(panic.as_ref()) }),
                ),
            };
            *inner = screener;
            result
        })
    }

    // ---- screening ----

    /// Decides what to do with an incoming call. Fast (one in-memory lookup per list
    /// and at most one indexed query); safe to call from a call-screening callback's
    /// worker thread.
    ///
    /// - `caller_id`: exactly as the platform delivered it ("+82 10-1234-5678",
    ///   "tel:...", "" or "anonymous" for hidden callers).
    /// - `verification`: STIR/SHAKEN status where the platform has it (Android 11+).
    /// - `is_contact`: the platform already knows the caller as a contact.
    /// - `at`: when the call arrived, Unix seconds; `null`/`nil` for now.
    /// - `network_region`: the region of the network the phone is on, when it is roaming
    ///   (Android `TelephonyManager.getNetworkCountryIso()`); that region's emergency
    ///   numbers ring too. `null`/`nil` at home.
    /// - `utc_offset_seconds`: how far the phone's clock is ahead of UTC at the call, for
    ///   time windows (quiet hours, rules and modes limited to hours and days). Android
    ///   `TimeZone.getDefault().getOffset(atMillis) / 1000`, iOS
    ///   `TimeZone.current.secondsFromGMT(for: date)`. `null`/`nil`: windows in UTC.
    /// - `sim`: the SIM or subscription the call came in on (Android: the subscription
    ///   id from the call's `PhoneAccountHandle`); rules for that SIM match too.
    ///   `null`/`nil`: only rules for every SIM.
    ///
    /// A malformed caller ID is not an error: it is a decision with reason
    /// `INVALID_NUMBER`. An unknown `network_region`, or an offset beyond 18 hours, is
    /// `InvalidArgument`.
    #[uniffi::method(default(
        verification = None,
        is_contact = false,
        at = None,
        network_region = None,
        utc_offset_seconds = None,
        sim = None
    ))]
    #[allow(clippy::too_many_arguments)] // named, defaulted parameters in Kotlin and Swift
    pub fn screen(
        &self,
        caller_id: String,
        verification: Option<Verification>,
        is_contact: bool,
        at: Option<i64>,
        network_region: Option<String>,
        utc_offset_seconds: Option<i32>,
        sim: Option<String>,
    ) -> Result<Decision, RingfenceError> {
        let mut call = call(&caller_id, verification, is_contact, at, network(network_region)?);
        call.utc_offset = offset(utc_offset_seconds)?;
        call.sim = sim.as_deref();
        self.with(|s| Ok(s.screen(&call).into()))
    }

    /// Why: every step of the precedence for this call in order, what each saw (the
    /// number as read, the rule with its window and SIM, the community score, the repeat
    /// count, the modes) and which decided, with the same `Decision` `screen` returns.
    /// For a "why was this call blocked?" line in the history: pass the call's recorded
    /// `at` (and offset, SIM). Reads more than `screen`: not for the screening callback.
    #[uniffi::method(default(
        verification = None,
        is_contact = false,
        at = None,
        network_region = None,
        utc_offset_seconds = None,
        sim = None
    ))]
    #[allow(clippy::too_many_arguments)] // named, defaulted parameters in Kotlin and Swift
    pub fn explain(
        &self,
        caller_id: String,
        verification: Option<Verification>,
        is_contact: bool,
        at: Option<i64>,
        network_region: Option<String>,
        utc_offset_seconds: Option<i32>,
        sim: Option<String>,
    ) -> Result<Explanation, RingfenceError> {
        let mut call = call(&caller_id, verification, is_contact, at, network(network_region)?);
        call.utc_offset = offset(utc_offset_seconds)?;
        call.sim = sim.as_deref();
        self.with(|s| Ok(s.explain(&call)?.into()))
    }

    /// `screen`, then keeps the call in the history (a small write). On Android,
    /// prefer `screen`, answer the system, then `record`: a write may wait for another
    /// process's transaction, and the answer must not.
    #[uniffi::method(default(
        verification = None,
        is_contact = false,
        at = None,
        network_region = None,
        utc_offset_seconds = None,
        sim = None
    ))]
    #[allow(clippy::too_many_arguments)] // named, defaulted parameters in Kotlin and Swift
    pub fn screen_and_record(
        &self,
        caller_id: String,
        verification: Option<Verification>,
        is_contact: bool,
        at: Option<i64>,
        network_region: Option<String>,
        utc_offset_seconds: Option<i32>,
        sim: Option<String>,
    ) -> Result<Decision, RingfenceError> {
        let mut call = call(&caller_id, verification, is_contact, at, network(network_region)?);
        call.utc_offset = offset(utc_offset_seconds)?;
        call.sim = sim.as_deref();
        self.with(|s| Ok(s.screen_and_record(&call)?.into()))
    }

    /// Keeps a decision that `screen` returned in the history (bounded by the policy's
    /// history limit). `caller_id` and `at` as given to `screen`.
    #[uniffi::method(default(at = None))]
    pub fn record(&self, caller_id: String, decision: Decision, at: Option<i64>) -> Result<(), RingfenceError> {
        guard(|| {
            let d: core::Decision = decision.try_into()?;
            let call = call(&caller_id, None, false, at, None);
            self.with(|s| s.record(&call, &d))
        })
    }

    /// Tells the engine the user made a call (Android: `ACTION_NEW_OUTGOING_CALL` or the
    /// call log; iOS: CallKit's `CXCallObserver`). `at`: Unix seconds, `null`/`nil` for
    /// now; `network_region` as for `screen`. After an emergency number (of the home
    /// region, or of the network's when roaming), every incoming call rings for the
    /// policy's `emergency.callback-minutes` (60 by default). Returns the call as read.
    #[uniffi::method(default(at = None, network_region = None))]
    pub fn record_outgoing(
        &self,
        number: String,
        at: Option<i64>,
        network_region: Option<String>,
    ) -> Result<OutgoingCall, RingfenceError> {
        let network = network(network_region)?;
        self.with(|s| Ok(s.record_outgoing(&number, at, network)?.into()))
    }

    /// Reads a number with this screener's home region (see the top-level `normalize`).
    pub fn normalize(&self, raw: String) -> Result<NormalizedNumber, RingfenceError> {
        self.with(|s| Ok(s.parse(&raw).into()))
    }

    // ---- block and allow lists ----

    /// Adds a number in any form, or a prefix ending in `*` ("+8270*", "1588*",
    /// "010-1234*"), to a list, or updates the label (and end) of one already there.
    /// Takes effect for the next call.
    ///
    /// `until` (Unix seconds; `null`/`nil`: for good) makes it a temporary rule: it
    /// matches calls whose `at` is before `until` and then stops at once (a less specific
    /// rule, a prefix, takes over), drops out of `rules()`, and is deleted from the file
    /// at a later change of the lists. For "for 2 hours" pass now + 7200.
    ///
    /// `between` ("22:00-07:00", the phone's local time; across midnight the night
    /// belongs to the day it starts on) and `days` ("mon-fri", "sat,sun") limit the rule
    /// to a window, checked against each call's `at` and `utcOffsetSeconds`; `sim` limits
    /// it to calls on that SIM. Adding a pattern again replaces label, end, window and SIM.
    ///
    /// Errors: `InvalidPattern`; `EmergencyNumber` for an emergency number on the
    /// block list; `BadSettingValue` (key "until") for an `until` not in the future,
    /// (key "sim") for a SIM id over 64 bytes; `InvalidArgument` ("between", "days").
    #[uniffi::method(default(label = None, until = None, between = None, days = None, sim = None))]
    #[allow(clippy::too_many_arguments)] // named, defaulted parameters in Kotlin and Swift
    pub fn add_rule(
        &self,
        list: RuleList,
        pattern: String,
        label: Option<String>,
        until: Option<i64>,
        between: Option<String>,
        days: Option<String>,
        sim: Option<String>,
    ) -> Result<RuleAdded, RingfenceError> {
        let options = rule_options(label, until, between, days, sim)?;
        self.with(|s| {
            let (rule, is_new) = s.add_rule_with(list.into(), &pattern, &options)?;
            Ok(RuleAdded { rule: rule.into(), is_new })
        })
    }

    /// Adds many rules in one transaction (a list the user imported). All or nothing:
    /// one bad pattern or emergency number and nothing is added. Returns how many were
    /// new. Blocking for large lists.
    pub fn add_rules(&self, list: RuleList, rules: Vec<RuleInput>) -> Result<u64, RingfenceError> {
        let inputs = rules
            .into_iter()
            .map(|r| Ok((r.pattern, rule_options(r.label, r.until, r.between, r.days, r.sim)?)))
            .collect::<Result<Vec<_>, RingfenceError>>()?;
        self.with(|s| {
            let inputs: Vec<(&str, _)> = inputs.iter().map(|(p, o)| (p.as_str(), o.clone())).collect();
            Ok(s.add_rules_with(list.into(), &inputs)? as u64)
        })
    }

    /// Removes a number or prefix from a list (in any form that reads as the same
    /// pattern); returns whether it was there.
    pub fn remove_rule(&self, list: RuleList, pattern: String) -> Result<bool, RingfenceError> {
        self.with(|s| s.remove_rule(list.into(), &pattern))
    }

    /// Every rule of a list that has not ended: exact numbers, then prefixes, each in
    /// ascending order.
    pub fn rules(&self, list: RuleList) -> Result<Vec<Rule>, RingfenceError> {
        self.with(|s| Ok(s.rules(list.into())?.into_iter().map(Rule::from).collect()))
    }

    // ---- backup ----

    /// Everything the user set as one versioned JSON document: rules (labels, ends,
    /// windows, SIMs, groups), contacts, the policy, a running pause and reports not yet
    /// uploaded. Save it where the user chooses (Android: the Storage Access Framework;
    /// iOS: a document picker).
    pub fn export_backup(&self) -> Result<String, RingfenceError> {
        self.with(|s| s.export_backup())
    }

    /// Restores a document from `exportBackup`, in one transaction. `replace`: the
    /// backup's rules, contacts, policy and pause replace the phone's; otherwise they
    /// are merged in (the backup's label, window and settings win where both have one).
    /// Queued reports are kept either way. A document that is not a backup, comes from a
    /// newer version, or has one bad rule, contact, setting or report is `BadBackup` with
    /// the reason, and nothing changes.
    #[uniffi::method(default(replace = false))]
    pub fn import_backup(&self, document: String, replace: bool) -> Result<BackupRestored, RingfenceError> {
        let mode = if replace { core::RestoreMode::Replace } else { core::RestoreMode::Merge };
        self.with(|s| Ok(s.import_backup(document.as_bytes(), mode)?.into()))
    }

    // ---- the pause ----

    /// Pauses screening until `until` (Unix seconds): every call rings (`ALLOW`, reason
    /// `PAUSED`) and is still recorded, until the pause ends by itself at `until` (a call
    /// whose `at` is at or after it is screened as usual). Emergency numbers and the
    /// callback window keep their own reasons. Seen at once by other screeners on the
    /// file. Errors: `BadSettingValue` (key "until") for a time not in the future.
    pub fn pause(&self, until: i64) -> Result<(), RingfenceError> {
        self.with(|s| s.pause(until))
    }

    /// Ends a pause now; returns whether one was on.
    pub fn resume(&self) -> Result<bool, RingfenceError> {
        self.with(|s| s.resume())
    }

    /// When the pause ends (Unix seconds), or `null`/`nil` when screening is not paused.
    pub fn paused_until(&self) -> Result<Option<i64>, RingfenceError> {
        self.with(|s| s.paused_until())
    }

    // ---- contacts ----

    /// Replaces the contacts with these numbers (the app mirrors its address book).
    /// Numbers that cannot be read are skipped; returns how many distinct numbers were
    /// stored. Blocking for large address books.
    pub fn set_contacts(&self, numbers: Vec<String>) -> Result<u64, RingfenceError> {
        self.with(|s| Ok(s.set_contacts(&numbers)? as u64))
    }

    /// Adds one contact; returns its E.164 form. Errors: `InvalidNumber`.
    pub fn add_contact(&self, number: String) -> Result<String, RingfenceError> {
        self.with(|s| Ok(s.add_contact(&number)?.to_string()))
    }

    /// Removes one contact; returns whether it was there. Errors: `InvalidNumber`.
    pub fn remove_contact(&self, number: String) -> Result<bool, RingfenceError> {
        self.with(|s| s.remove_contact(&number))
    }

    // ---- policy ----

    /// The current policy.
    pub fn policy(&self) -> Result<Policy, RingfenceError> {
        self.with(|s| Ok(s.policy()?.into()))
    }

    /// Every setting with its current value and help text (for a generic settings
    /// screen, or to show what `setPolicy` accepts).
    pub fn policy_settings(&self) -> Result<Vec<PolicySetting>, RingfenceError> {
        self.with(|s| Ok(s.policy()?.settings().into_iter().map(PolicySetting::from).collect()))
    }

    /// Changes one setting by key: "threshold.warn", "threshold.block", "hidden",
    /// "own-number", "decay.half-life-days", "history.limit",
    /// "emergency.callback-minutes", "unknown" (allow, warn, silence, block),
    /// "known.outgoing-days", "repeat.calls", "repeat.minutes", "repeat.min-gap-seconds",
    /// "category.<code>" (values: allow, warn, silence, block, default). Returns the new
    /// policy; on error nothing changed.
    ///
    /// Errors: `UnknownSetting`, `BadSettingValue`, `UnknownAction`, `UnknownCategory`.
    pub fn set_policy(&self, key: String, value: String) -> Result<Policy, RingfenceError> {
        self.with(|s| Ok(s.set_policy(&key, &value)?.into()))
    }

    /// Sets the action for a category, or `null`/`nil` to go back to the default.
    /// Errors: `UnknownSetting` for a category that cannot be set (emergency, personal,
    /// hidden: use `setHiddenAction`, uncategorized).
    pub fn set_category_action(&self, category: Category, action: Option<Action>) -> Result<Policy, RingfenceError> {
        let key = format!("category.{}", category.code());
        let value = action.map_or_else(|| "default".to_string(), |a| a.code());
        self.set_policy(key, value)
    }

    /// Sets what happens to callers who hide their number.
    pub fn set_hidden_action(&self, action: Action) -> Result<Policy, RingfenceError> {
        self.set_policy("hidden".into(), action.code())
    }

    /// Sets the user's own number (for neighbour-spoofing detection), or `null`/`nil`
    /// to turn that off. Errors: `BadSettingValue` if it is not a valid number.
    pub fn set_own_number(&self, number: Option<String>) -> Result<Policy, RingfenceError> {
        self.set_policy("own-number".into(), number.unwrap_or_else(|| "none".into()))
    }

    // ---- reports ----

    /// Reports a number as spam: it is blocked on this phone at once, and the report
    /// waits in the outbox for the next sync. Returns the queued report.
    ///
    /// Errors: `InvalidNumber`, `EmergencyNumber`, `UnknownCategory` for a category that
    /// cannot be reported (see `reportableCategories()`).
    #[uniffi::method(default(comment = None))]
    pub fn report_spam(
        &self,
        number: String,
        category: Category,
        comment: Option<String>,
    ) -> Result<Report, RingfenceError> {
        self.with(|s| Ok(s.report(&number, category.into(), comment.as_deref())?.into()))
    }

    /// Says a number is not spam: it is allowed on this phone at once, and the vote
    /// goes to the community with the next sync. Returns the queued report.
    #[uniffi::method(default(comment = None))]
    pub fn mark_not_spam(&self, number: String, comment: Option<String>) -> Result<Report, RingfenceError> {
        self.with(|s| Ok(s.mark_not_spam(&number, comment.as_deref())?.into()))
    }

    /// Reports not yet acknowledged by the community server, oldest first.
    pub fn pending_reports(&self, limit: u32) -> Result<Vec<Report>, RingfenceError> {
        self.with(|s| Ok(s.pending_reports(limit)?.into_iter().map(Report::from).collect()))
    }

    /// How many reports wait in the outbox.
    pub fn pending_report_count(&self) -> Result<u64, RingfenceError> {
        self.with(|s| Ok(s.stats()?.pending_reports))
    }

    /// What the local community database says about a number (decayed to now), or
    /// `null`/`nil` if it does not know it. Errors: `InvalidNumber`.
    pub fn community_evidence(&self, number: String) -> Result<Option<Evidence>, RingfenceError> {
        self.with(|s| Ok(s.community_evidence(&number)?.map(Evidence::from)))
    }

    // ---- the community server ----

    /// Uploads the report outbox, then brings the local copy of the community database
    /// up to date from the server in `config` (a snapshot the first time, small deltas
    /// afterwards), verifying every file against the pinned key.
    ///
    /// **Blocking network call**: seconds, up to minutes on a slow network (bounded by
    /// `config`'s timeouts and retries). Never call it on the main thread: use a
    /// WorkManager worker or a background dispatch queue. It does not hold up `screen`:
    /// it works on its own connection to the database file (in memory it holds this
    /// screener's lock instead). One sync or import runs at a time per `Screener`; a
    /// second waits for the first.
    ///
    /// `listener` (optional) gets `SyncProgress` on the calling thread.
    ///
    /// All or nothing: on any error no community data changed (reports the server
    /// acknowledged before the error stay marked uploaded). Errors: `BadServerUrl`,
    /// `BadKey`, `InvalidArgument` (config); `ServerUnreachable` (offline, timeout),
    /// `ServerFailed`, `RateLimited`, `Refused`; `KeyChanged`, `BadPayload`,
    /// `PayloadTooLarge`, `RollbackRefused`, `BadResponse` (nothing applied); `Database`.
    #[uniffi::method(default(listener = None))]
    pub fn sync(
        &self,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
        listener: Option<Box<dyn SyncListener>>,
    ) -> Result<SyncSummary, RingfenceError> {
        self.sync_cancellable(config, transport, listener.as_deref(), &Cancel::new())
    }

    /// Applies signed community files the app fetched itself: with its own HTTP stack
    /// (an iOS background `URLSession`, OkHttp with the app's proxy and pinning), or
    /// shipped with the app for a first start offline. `files` are the bytes of a
    /// snapshot (`.rfs`) and/or deltas (`.rfd`) from the server's manifest, in order:
    /// a snapshot, then each delta based on the one before, following on from this
    /// device's version (see `syncState()`). `key` is the server's public key, hex; it
    /// must be the pinned key once one is pinned, and is pinned if none is.
    ///
    /// **Blocking**: verifies every signature and writes up to millions of rows; off
    /// the main thread. Works on its own connection like an import, so `screen` goes on.
    /// Uploads nothing: the report outbox is `sync`'s job.
    ///
    /// All or nothing: on any error no community data changed. Errors: `BadKey`;
    /// `KeyChanged`; `BadPayload` (a file that is truncated, tampered with, signed by
    /// another key, or does not follow on, named by its position); `RollbackRefused`;
    /// `PayloadTooLarge`; `Database`.
    pub fn apply_community_files(&self, key: String, files: Vec<Vec<u8>>) -> Result<SyncSummary, RingfenceError> {
        let key = core::wire::parse_public_key(&key)
            .ok_or_else(|| RingfenceError::BadKey { key: key.chars().take(80).collect() })?;
        // No network here: a background job like an import, on the caller's thread.
        self.background(|s| {
            let files: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            s.apply_community_files(&key, &files).map(SyncSummary::from)
        })
    }

    /// Asks the community server about one number without telling it the number: only
    /// 16 bits of a keyed hash leave the phone, the server answers with every listed
    /// number in that bucket, and the phone picks its own. Returns the evidence
    /// (decayed to now) or `null`/`nil` if the number is not listed. Stores nothing
    /// (except the server's key, pinned on first use, if no sync did that before).
    ///
    /// **Blocking network call**: one request once a sync has run (two before), tried
    /// once. For use while a call rings, give `config` a short `requestTimeoutMs`
    /// (1000-2000) and `connectTimeoutMs`, and call it off the main thread. Does not
    /// hold up `screen` or wait for a running sync.
    ///
    /// Errors: `InvalidNumber`; the network and server errors of `sync`.
    pub fn lookup_online(
        &self,
        number: String,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Option<Evidence>, RingfenceError> {
        self.lookup_online_cancellable(number, config, transport, &Cancel::new())
    }

    /// Tells the community server that a listed number is not spam, as a user who knows
    /// it (offer it from the history and from "why was this call blocked"). `contact`:
    /// how the server's operator can reach the user, if they want to be (`null`/`nil`:
    /// anonymous). The listing is held while the operator reviews it: after the next
    /// sync every phone at most warns for the number (reason `DISPUTED`). Returns the
    /// dispute's state; a number with an open dispute answers with that one.
    ///
    /// **Blocking network call**, with the deadline and retries of `sync`.
    ///
    /// Errors: `InvalidNumber`; `Refused` with code `not_listed` (nothing to dispute),
    /// `reason_too_long`, ...; the network and server errors of `sync`.
    pub fn dispute(
        &self,
        number: String,
        reason: String,
        contact: Option<String>,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<DisputeStatus, RingfenceError> {
        let cancel = Cancel::new();
        guard(|| {
            let config = config.to_core()?;
            let transport = Foreign(transport);
            self.network(false, None, move |s, _| {
                s.dispute(&number, &reason, contact.as_deref(), &config, &transport, &cancel)
            })
            .map(DisputeStatus::from)
        })
    }

    /// This device's community version, pinned server key and last successful sync.
    pub fn sync_state(&self) -> Result<SyncState, RingfenceError> {
        self.with(|s| {
            Ok(SyncState { version: s.sync_version()?, pinned_key: s.pinned_key()?, last_sync_at: s.last_sync_at()? })
        })
    }

    // ---- importing lists ----

    /// Imports a spam list file into the community database. All or nothing. Blocking
    /// (seconds for a large list); runs on its own connection, so calls can still be
    /// screened meanwhile.
    ///
    /// Errors: `Io` (missing or unreadable file), `AlreadyImported`, `Database`.
    pub fn import_list(&self, format: ListFormat, path: String) -> Result<ImportSummary, RingfenceError> {
        self.background(|s| crate::import::import_file(s, format, &path, &Cancel::new()))
    }

    /// `importList` from bytes the app already holds (an Android content URI's stream,
    /// a download). Blocking.
    pub fn import_list_data(&self, format: ListFormat, data: Vec<u8>) -> Result<ImportSummary, RingfenceError> {
        self.background(|s| crate::import::import_data(s, format, &data, &Cancel::new()))
    }

    // ---- iOS Call Directory export ----

    /// One batch of the iOS Call Directory list, in ascending order: up to `limit`
    /// entries with numbers greater than `after` (`null`/`nil` or 0: from the start).
    /// Pass the batch's `nextAfter` to get the next one; it is `null`/`nil` when the
    /// export is complete. The list is the same decisions as screening (an allowed
    /// number, a contact or an emergency number is never in the blocking list) with
    /// block-list prefixes expanded. Blocking: each batch scans its part of the
    /// community table, holding this screener's lock meanwhile, so keep batches to
    /// thousands of entries (10 000 take milliseconds). `CallDirectoryLoader` (Swift)
    /// runs the loop.
    ///
    /// Errors: `InvalidArgument` for a negative or over-long `after` or a zero `limit`.
    pub fn call_directory_batch(
        &self,
        kind: DirectoryKind,
        after: Option<i64>,
        limit: u32,
    ) -> Result<DirectoryBatch, RingfenceError> {
        self.call_directory_batch_cancellable(kind, after, limit, &Cancel::new())
    }

    // ---- history ----

    /// The newest `limit` screened calls, newest first.
    pub fn history(&self, limit: u32) -> Result<Vec<HistoryEntry>, RingfenceError> {
        self.with(|s| Ok(s.history(limit)?.into_iter().map(HistoryEntry::from).collect()))
    }

    /// Counts over the history, the lists and the outbox.
    pub fn stats(&self) -> Result<Stats, RingfenceError> {
        self.with(|s| Ok(s.stats()?.into()))
    }

    /// Forgets every screened call.
    pub fn clear_history(&self) -> Result<(), RingfenceError> {
        self.with(|s| s.clear_history())
    }
}

impl Screener {
    /// `sync`, stopping with `Cancelled` at the next safe point once `cancel` is.
    pub(crate) fn sync_cancellable(
        &self,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
        listener: Option<&dyn SyncListener>,
        cancel: &Cancel,
    ) -> Result<SyncSummary, RingfenceError> {
        guard(|| {
            let config = config.to_core()?;
            let transport = Foreign(transport);
            self.network(true, listener, move |s, progress| s.sync(&config, &transport, cancel, progress))
                .map(SyncSummary::from)
        })
        .map_err(|e| cancelled_or(cancel, e))
    }

    /// `lookupOnline`, stopping with `Cancelled` once `cancel` is.
    pub(crate) fn lookup_online_cancellable(
        &self,
        number: String,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
        cancel: &Cancel,
    ) -> Result<Option<Evidence>, RingfenceError> {
        guard(|| {
            let config = config.to_core()?;
            let transport = Foreign(transport);
            self.network(false, None, move |s, _| s.lookup_online(&number, &config, &transport, cancel))
                .map(|e| e.map(Evidence::from))
        })
        .map_err(|e| cancelled_or(cancel, e))
    }

    /// `callDirectoryBatch`, stopping with `Cancelled` at the next page once `cancel` is.
    pub(crate) fn call_directory_batch_cancellable(
        &self,
        kind: DirectoryKind,
        after: Option<i64>,
        limit: u32,
        cancel: &Cancel,
    ) -> Result<DirectoryBatch, RingfenceError> {
        guard(|| {
            if limit == 0 {
                return Err(bad_argument("limit", "must be at least 1".into()));
            }
            let after = match after {
                None | Some(0) => None,
                Some(n) => Some(
                    u64::try_from(n)
                        .ok()
                        .and_then(E164::from_u64)
                        .ok_or_else(|| bad_argument("after", format!("{n} is not a number from a previous batch")))?,
                ),
            };
            self.with(|s| crate::directory::batch(s, kind, after, limit, cancel))
        })
    }

    fn wrap(inner: core::Screener, path: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Screener { inner: Mutex::new(inner), path, background: Mutex::new(()) })
    }

    /// Runs `f` on the core screener under the lock, catching panics. A panic poisons
    /// the lock; the next call takes it anyway (the core keeps no half-written state
    /// in memory: its mirror is replaced whole, and SQLite rolls back), so one bug does
    /// not leave a phone without call screening.
    fn with<T>(&self, f: impl FnOnce(&mut core::Screener) -> core::Result<T>) -> Result<T, RingfenceError> {
        guard(|| {
            let mut s = lock(&self.inner);
            f(&mut s).map_err(RingfenceError::from)
        })
    }

    /// Runs a long job on its own connection to the database, one job at a time, so
    /// that `screen` is not held up behind it. In memory there is only the one
    /// connection, and the job runs under the lock like any call.
    pub(crate) fn background<T>(
        &self,
        f: impl FnOnce(&mut core::Screener) -> core::Result<T>,
    ) -> Result<T, RingfenceError> {
        guard(|| {
            let _one_at_a_time = lock(&self.background);
            let Some(path) = &self.path else {
                return self.with(f);
            };
            let home = lock(&self.inner).home();
            let mut worker = core::Screener::open(path, home)?;
            f(&mut worker).map_err(RingfenceError::from)
        })
    }

    /// Runs a network job on a thread of its own ([`on_network_thread`]) with a core
    /// screener: a short-lived connection of its own to the database file, or, in
    /// memory, the one screener under the lock. `exclusive` jobs (those that write:
    /// sync) take the background lock, one at a time with imports. The locks are taken
    /// on the network thread, so a listener that calls this screener (even `sync`) waits
    /// for the job instead of deadlocking with it.
    fn network<T: Send>(
        &self,
        exclusive: bool,
        listener: Option<&dyn SyncListener>,
        job: impl FnOnce(&mut core::Screener, &mut dyn FnMut(core::SyncProgress)) -> core::Result<T> + Send,
    ) -> Result<T, RingfenceError> {
        on_network_thread(listener, move |progress| {
            let _one_at_a_time = exclusive.then(|| lock(&self.background));
            match &self.path {
                Some(path) => {
                    let home = lock(&self.inner).home();
                    let mut worker = core::Screener::open(path, home)?;
                    job(&mut worker, progress)
                }
                None => job(&mut lock(&self.inner), progress),
            }
        })
    }
}

/// What a job that failed after `cancel` was cancelled reports: `Cancelled`, whatever the
/// transport made of being stopped (a transport stopped mid-request reads as unreachable).
fn cancelled_or(cancel: &Cancel, e: RingfenceError) -> RingfenceError {
    if cancel.is_cancelled() {
        RingfenceError::Cancelled
    } else {
        e
    }
}

/// Runs `job` on a new thread and waits for it, handing its progress to `listener` on the
/// calling thread as it arrives.
///
/// Why a thread: the progress reaches the listener on the caller's thread while the job
/// goes on, and the job's locks are not held by the listener's thread. Panics in `job`
/// become `Internal`; an exception thrown by
/// the listener (a panic here) stops further progress calls and becomes `Internal` once
/// the job is done, which still finishes (or fails) on its own.
fn on_network_thread<T: Send>(
    listener: Option<&dyn SyncListener>,
    job: impl FnOnce(&mut dyn FnMut(core::SyncProgress)) -> core::Result<T> + Send,
) -> Result<T, RingfenceError> {
    enum Msg<T> {
        Progress(core::SyncProgress),
        Done(Result<T, RingfenceError>),
    }
    let (tx, rx) = mpsc::channel::<Msg<T>>();
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("ringfence-net".into())
            .spawn_scoped(scope, move || {
                let progress_tx = tx.clone();
                let mut progress = move |p| {
                    let _ = progress_tx.send(Msg::Progress(p));
                };
                let out = guard(|| job(&mut progress).map_err(RingfenceError::from));
                let _ = tx.send(Msg::Done(out));
            })
            .map_err(|e| RingfenceError::Internal { details: format!("cannot start a network thread: {e}") })?;
        let mut listener = listener;
        let mut listener_failed = None;
        for msg in rx {
            match msg {
                Msg::Progress(p) => {
                    let Some(l) = listener else { continue };
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| l.on_progress(p.into()))) {
                        listener = None;
                        listener_failed = Some(crate::error::panic_message(panic.as_ref()));
                    }
                }
                Msg::Done(out) => {
                    return match (listener_failed, out) {
                        (Some(why), Ok(_)) => Err(RingfenceError::Internal {
                            details: format!("the progress listener failed ({why}); the sync itself completed"),
                        }),
                        (_, out) => out,
                    };
                }
            }
        }
        Err(RingfenceError::Internal { details: "the network thread ended without an answer".into() })
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| {
        m.clear_poison();
        poisoned.into_inner()
    })
}

fn call(
    caller_id: &str,
    verification: Option<Verification>,
    is_contact: bool,
    at: Option<i64>,
    network_region: Option<Region>,
) -> Call<'_> {
    Call {
        caller_id,
        verification: verification.map(Into::into).unwrap_or_default(),
        is_contact,
        at,
        network_region,
        ..Call::default()
    }
}

/// The phone's UTC offset, if the app gave one: at most 18 hours either way.
fn offset(seconds: Option<i32>) -> Result<Option<i32>, RingfenceError> {
    match seconds {
        Some(s) if s.abs() > 18 * 3600 => {
            Err(bad_argument("utc_offset_seconds", format!("{s} s is more than 18 hours from UTC")))
        }
        s => Ok(s),
    }
}

/// The roaming network's region, if the app gave one.
fn network(region: Option<String>) -> Result<Option<Region>, RingfenceError> {
    region
        .filter(|r| !r.trim().is_empty())
        .map(|r| r.parse::<Region>().map_err(|_| bad_argument("network_region", format!("unknown region {r:?}"))))
        .transpose()
}

fn bad_argument(argument: &str, details: String) -> RingfenceError {
    RingfenceError::InvalidArgument { argument: argument.to_string(), details }
}
