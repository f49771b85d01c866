//! The engine's front door: one [`Screener`] per open database.
//!
//! It keeps the user's lists, contacts, own reports and policy in memory and screens a
//! call with hash lookups plus at most one indexed query (the community table). When
//! another process changes the database (the app while the screening service runs),
//! the next call notices through `PRAGMA data_version` and a generation counter that
//! triggers maintain, and reloads.

use crate::backup;
use crate::community::{self, Evidence};
use crate::decide::{self, Context, OwnReport};
use crate::decision::{Call, Category, Decision};
use crate::explain::{self, Explanation, Facts};
use crate::export::{CallDirectory, DirectoryKind};
use crate::history::{self, HistoryEntry, Stats};
use crate::import::{self, Format, ImportSummary};
use crate::number::{self, parse, parse_pattern, Caller, PhoneNumber, Region, E164};
use crate::outgoing::{self, OutgoingCall};
use crate::policy::Policy;
use crate::reports::{self, Report};
use crate::rules::{self, List, Rule, RuleIndex, RuleOptions};
use crate::store::{self, now, Store};
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

/// What the screener mirrors from the database.
#[derive(Default)]
struct Mirror {
    policy: Policy,
    allow: RuleIndex,
    block: RuleIndex,
    contacts: HashSet<u64>,
    own_reports: HashMap<u64, OwnReport>,
    last_emergency_call: Option<i64>,
    /// The last time the user called each number.
    called: HashMap<u64, i64>,
    /// Screening is paused until then (meta `pause.until`).
    paused_until: Option<i64>,
    /// `config_generation` from the meta table when this was loaded.
    generation: i64,
}

pub struct Screener {
    store: Store,
    home: Region,
    mirror: Mirror,
    /// `PRAGMA data_version` when we last checked for other processes' changes.
    data_version: i64,
    /// The last storage error met while screening; screening carries on without it.
    last_error: Option<String>,
}

impl Mirror {
    fn load(store: &Store, home: Region) -> Result<Mirror> {
        let generation = generation(store)?;
        let mut stmt = store.conn().prepare_cached("SELECT key, value FROM meta WHERE key LIKE 'policy.%'")?;
        let pairs: Vec<(String, String)> =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<Result<_, _>>()?;
        let pairs = pairs.iter().map(|(k, v)| (k.trim_start_matches("policy."), v.as_str()));
        Ok(Mirror {
            policy: Policy::from_pairs(pairs, home),
            allow: RuleIndex::new(rules::all(store, List::Allow)?),
            block: RuleIndex::new(rules::all(store, List::Block)?),
            contacts: rules::contacts(store)?,
            own_reports: reports::latest_by_number(store)?,
            last_emergency_call: outgoing::last_emergency(store)?,
            called: outgoing::last_by_number(store)?,
            paused_until: store.meta(PAUSE_KEY)?.and_then(|v| v.parse().ok()),
            generation,
        })
    }

    fn context(&self, home: Region) -> Context<'_> {
        Context {
            home,
            policy: &self.policy,
            allow: &self.allow,
            block: &self.block,
            contacts: &self.contacts,
            own_reports: &self.own_reports,
            last_emergency_call: self.last_emergency_call,
            called: &self.called,
            paused_until: self.paused_until,
        }
    }
}

/// The meta key of the pause's end (Unix seconds); triggers tell other processes.
const PAUSE_KEY: &str = "pause.until";

fn generation(store: &Store) -> Result<i64> {
    Ok(store.meta("config_generation")?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Picks up what other processes changed since the last call. Cheap when nothing
/// changed: one pragma.
fn refresh(store: &Store, home: Region, data_version: &mut i64, mirror: &mut Mirror) -> Result<()> {
    let dv = store.data_version()?;
    if dv == *data_version {
        return Ok(());
    }
    if generation(store)? != mirror.generation {
        *mirror = Mirror::load(store, home)?;
    }
    *data_version = dv;
    Ok(())
}

impl Screener {
    /// Opens (creating if needed) the database at `path`. `home` is the region the
    /// user's phone is in: national-form numbers are read in it.
    ///
    /// A damaged file is [`Error::Corrupt`] naming it: the app can then call
    /// [`Screener::recover`], and meanwhile screen with [`Screener::open_or_fallback`].
    pub fn open(path: impl AsRef<Path>, home: Region) -> Result<Screener> {
        let path = path.as_ref();
        Screener::with_store(Store::open(path)?, home).map_err(|e| e.at(path))
    }

    /// Why this screener is a stand-in for a database that could not be opened
    /// ([`Screener::open_or_fallback`]), if it is one.
    pub fn degraded(&self) -> Option<&str> {
        self.store.degraded()
    }

    pub(crate) fn from_store(store: Store, home: Region, error: Option<String>) -> Result<Screener> {
        let mut s = Screener::with_store(store, home)?;
        s.last_error = error;
        Ok(s)
    }

    pub fn open_in_memory(home: Region) -> Result<Screener> {
        Screener::with_store(Store::open_in_memory()?, home)
    }

    fn with_store(store: Store, home: Region) -> Result<Screener> {
        let data_version = store.data_version()?;
        let mut s = Screener { store, home, mirror: Mirror::default(), data_version, last_error: None };
        s.reload()?;
        Ok(s)
    }

    pub fn home(&self) -> Region {
        self.home
    }

    pub fn set_home(&mut self, home: Region) {
        self.home = home;
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Checks the whole database file for corruption: the problems SQLite finds (empty:
    /// none). Slow on big files: for diagnostics and tests.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        self.store.integrity_check()
    }

    /// For the other `impl Screener` blocks of the crate (sync.rs).
    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The last storage problem met while screening, if any (screening went on with the
    /// data it had). Cleared by a successful reload.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    fn reload(&mut self) -> Result<()> {
        self.mirror = Mirror::load(&self.store, self.home)?;
        self.last_error = None;
        Ok(())
    }

    fn refresh(&mut self) -> Result<()> {
        refresh(&self.store, self.home, &mut self.data_version, &mut self.mirror)
    }

    fn context(&self) -> Context<'_> {
        self.mirror.context(self.home)
    }

    /// Decides what to do with an incoming call. Never fails: if the database cannot be
    /// read, it decides with what it has in memory (and `last_error` says why), because
    /// a screener that errors lets every call through unlabelled, or worse.
    pub fn screen(&mut self, call: &Call) -> Decision {
        let Screener { store, home, mirror, data_version, last_error } = self;
        // One read transaction for the change check, any reload and the community
        // lookup: one consistent snapshot, and SQLite's per-transaction locking paid once.
        store.read(|| {
            if let Err(e) = refresh(store, *home, data_version, mirror) {
                *last_error = Some(e.to_string());
            }
            let caller = number::parse_call(call.caller_id, *home, call.network_region);
            let at = call.at.unwrap_or_else(now);
            let call = Call { at: Some(at), ..*call };
            let policy = &mirror.policy;
            let failed = std::cell::Cell::new(None::<String>);
            let community = |n: &PhoneNumber| {
                community::lookup(store, n.e164, at, policy.half_life_days).unwrap_or_else(|e| {
                    failed.set(Some(e.to_string()));
                    None
                })
            };
            // One indexed range read on history (number, at), only when it can matter.
            let repeats = |n: &PhoneNumber| {
                let window = policy.repeat_window_secs().unwrap_or(0);
                let gap = i64::from(policy.repeat_min_gap_seconds);
                history::repeat_count(store, n.e164, at, window, gap).unwrap_or_else(|e| {
                    failed.set(Some(e.to_string()));
                    1
                })
            };
            let d = decide::decide_with(&mirror.context(*home), &call, &caller, community, repeats);
            if let Some(e) = failed.take() {
                *last_error = Some(e);
            }
            d
        })
    }

    /// Every step of the precedence for a call, what each saw and which decided ("why
    /// was this call blocked?"). Reads the community evidence and the repeat count
    /// eagerly; not for the screening path. Its decision is what `screen` decides.
    pub fn explain(&mut self, call: &Call) -> Result<Explanation> {
        self.refresh()?;
        let caller = number::parse_call(call.caller_id, self.home, call.network_region);
        let at = call.at.unwrap_or_else(now);
        let call = Call { at: Some(at), ..*call };
        let policy = &self.mirror.policy;
        let (evidence, repeats) = match &caller {
            Caller::Number(n) => {
                let window = policy.repeat_window_secs().unwrap_or(0);
                let gap = i64::from(policy.repeat_min_gap_seconds);
                (
                    community::lookup(&self.store, n.e164, at, policy.half_life_days)?,
                    history::repeat_count(&self.store, n.e164, at, window, gap)?,
                )
            }
            _ => (None, 0),
        };
        Ok(explain::explain(&self.context(), &call, &caller, &Facts { evidence, repeats }))
    }

    /// The allow or block rule that made decision `d` for `call` (`check --json`'s
    /// `rule`), if a rule did.
    pub fn deciding_rule(&self, call: &Call, d: &Decision) -> Option<Rule> {
        let call = Call { at: Some(call.at.unwrap_or_else(now)), ..*call };
        let caller = number::parse_call(call.caller_id, self.home, call.network_region);
        explain::deciding_rule(&self.context(), &call, &caller, d).cloned()
    }

    /// Screens a call and keeps it in the history.
    pub fn screen_and_record(&mut self, call: &Call) -> Result<Decision> {
        let d = self.screen(call);
        self.record(call, &d)?;
        Ok(d)
    }

    /// Keeps a decision in the history (bounded by the policy's `history.limit`; the
    /// repeat rule's window of calls is kept even beyond it, and no more).
    pub fn record(&mut self, call: &Call, d: &Decision) -> Result<()> {
        let limit = self.mirror.policy.history_limit;
        let keep = self.mirror.policy.repeat_window_secs();
        let at = call.at.unwrap_or_else(now);
        self.store.write(|tx| history::record(tx, call.caller_id, d, at, limit, keep))
    }

    /// Records a call the user made (`at`: Unix seconds, `None` for now; `network`: the
    /// region of the network the phone is on, when roaming). Dialling an emergency number
    /// opens the callback window (policy `emergency.callback-minutes`): every incoming
    /// call rings until it ends.
    pub fn record_outgoing(&mut self, raw: &str, at: Option<i64>, network: Option<Region>) -> Result<OutgoingCall> {
        let call = outgoing::read(raw, self.home, network, at.unwrap_or_else(now))?;
        self.store.write(|tx| outgoing::record(tx, &call))?;
        if call.emergency {
            self.reload()?;
        } else {
            // The mirror's generation is now behind the file's: the next change another
            // process makes reloads it whole, which is all that costs.
            let last = self.mirror.called.entry(call.number.as_u64()).or_insert(call.at);
            *last = (*last).max(call.at);
        }
        Ok(call)
    }

    /// Classifies a raw number without deciding anything.
    pub fn parse(&self, raw: &str) -> Caller {
        parse(raw, self.home)
    }

    /// Reads a number the user typed (to report, to add as a contact). Hidden and
    /// malformed input is an error with the reason.
    pub fn number(&self, raw: &str) -> Result<PhoneNumber> {
        let bad = |why: String| Error::InvalidNumber { input: raw.chars().take(40).collect(), why };
        match parse(raw, self.home) {
            Caller::Number(n) => Ok(n),
            Caller::Hidden => Err(bad("is empty or a hidden-caller placeholder".into())),
            Caller::Malformed(m) => Err(bad(m.to_string())),
        }
    }

    // ---- block and allow lists, contacts ----

    /// Adds a number or prefix (`+8270*`, `1588*`) to a list, or updates its label.
    /// Returns the rule and whether it is new. Emergency numbers cannot be blocked.
    pub fn add_rule(&mut self, list: List, pattern: &str, label: Option<&str>) -> Result<(Rule, bool)> {
        self.add_rule_until(list, pattern, label, None)
    }

    /// [`Screener::add_rule`] for a rule that ends at `until` (Unix seconds; `None`:
    /// never): it stops matching at that moment, and is deleted at a later change of the
    /// lists. Adding a pattern again sets its label and end anew. An end that is not in
    /// the future is refused.
    pub fn add_rule_until(
        &mut self,
        list: List,
        pattern: &str,
        label: Option<&str>,
        until: Option<i64>,
    ) -> Result<(Rule, bool)> {
        let options = RuleOptions { label: label.map(String::from), until, ..RuleOptions::default() };
        self.add_rule_with(list, pattern, &options)
    }

    /// [`Screener::add_rule_until`] with everything a rule can carry: a label, an end, a
    /// window of the phone's local time (`22:00-07:00` on `mon-fri`) and a SIM. Adding a
    /// pattern again replaces all of them.
    pub fn add_rule_with(&mut self, list: List, pattern: &str, options: &RuleOptions) -> Result<(Rule, bool)> {
        let created_at = now();
        let rule = self.new_rule(list, pattern, options, created_at)?;
        let new = self.store.write(|tx| {
            rules::remove_expired(tx, created_at)?;
            rules::add(tx, &rule)
        })?;
        self.reload()?;
        let stored = self.rules(list)?.into_iter().find(|r| r.pattern == rule.pattern).unwrap_or(rule);
        Ok((stored, new))
    }

    /// Adds many rules in one transaction (a block list imported from a file, say).
    /// All or nothing: one bad pattern or emergency number and nothing is added.
    /// Returns how many were new.
    pub fn add_rules<S: AsRef<str>>(&mut self, list: List, patterns: &[(S, Option<S>)]) -> Result<usize> {
        let rules: Vec<(&str, RuleOptions)> = patterns
            .iter()
            .map(|(p, label)| {
                (
                    p.as_ref(),
                    RuleOptions { label: label.as_ref().map(|l| l.as_ref().to_string()), ..Default::default() },
                )
            })
            .collect();
        self.add_rules_with(list, &rules)
    }

    /// [`Screener::add_rules`] with an end, window and SIM per rule. All or nothing.
    pub fn add_rules_with(&mut self, list: List, patterns: &[(&str, RuleOptions)]) -> Result<usize> {
        let at = now();
        let rules =
            patterns.iter().map(|(p, options)| self.new_rule(list, p, options, at)).collect::<Result<Vec<_>>>()?;
        let new = self.store.write(|tx| {
            rules::remove_expired(tx, at)?;
            let mut new = 0;
            for r in &rules {
                new += usize::from(rules::add(tx, r)?);
            }
            Ok(new)
        })?;
        self.reload()?;
        Ok(new)
    }

    /// A rule as it will be stored: pattern read, label and SIM cleaned, end checked.
    fn new_rule(&self, list: List, pattern: &str, options: &RuleOptions, created_at: i64) -> Result<Rule> {
        let pattern = self.list_pattern(list, pattern)?;
        if let Some(t) = options.until.filter(|t| *t <= created_at) {
            return Err(Error::BadSettingValue {
                key: "until".into(),
                value: t.to_string(),
                expected: format!("a time after now ({created_at})"),
            });
        }
        let sim = match options.sim.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if s.len() > SIM_CHARS || s.chars().any(char::is_control) => {
                return Err(Error::BadSettingValue {
                    key: "sim".into(),
                    value: s.chars().take(40).collect(),
                    expected: format!("a SIM identifier of at most {SIM_CHARS} characters"),
                })
            }
            sim => sim.map(String::from),
        };
        Ok(Rule {
            list,
            pattern,
            label: options.label.as_deref().and_then(clean_label),
            created_at,
            until: options.until,
            window: options.window.filter(|w| !w.is_always()),
            sim,
        })
    }

    /// Reads a list pattern; emergency numbers cannot go on the block list.
    fn list_pattern(&self, list: List, raw: &str) -> Result<number::Pattern> {
        let pattern = parse_pattern(raw, self.home)?;
        if let (List::Block, number::Pattern::Exact(e)) = (list, pattern) {
            if let Caller::Number(n) = parse(&e.to_string(), self.home) {
                if decide::emergency(&n).is_some() {
                    return Err(Error::EmergencyNumber(e.to_string()));
                }
            }
        }
        Ok(pattern)
    }

    /// Removes a number or prefix from a list; returns whether it was there.
    pub fn remove_rule(&mut self, list: List, pattern: &str) -> Result<bool> {
        let pattern = parse_pattern(pattern, self.home)?;
        let removed = self.store.write(|tx| {
            rules::remove_expired(tx, now())?;
            rules::remove(tx, list, &pattern)
        })?;
        self.reload()?;
        Ok(removed)
    }

    /// Every rule of a list that has not ended.
    pub fn rules(&mut self, list: List) -> Result<Vec<Rule>> {
        self.refresh()?;
        let t = now();
        let rules = match list {
            List::Allow => self.mirror.allow.rules(),
            List::Block => self.mirror.block.rules(),
        };
        Ok(rules.iter().filter(|r| r.is_active(t)).cloned().collect())
    }

    // ---- backup ----

    /// Everything the user set, as one versioned JSON document ([`backup::Document`]):
    /// rules (with labels, ends, windows, SIMs, groups), contacts, the policy, a pause,
    /// and reports not yet uploaded. Rules that ended are left out.
    pub fn export_backup(&mut self) -> Result<String> {
        let t = now();
        let mut rules = self.rules(List::Allow)?;
        rules.extend(self.rules(List::Block)?);
        let mut contacts: Vec<u64> = self.mirror.contacts.iter().copied().collect();
        contacts.sort_unstable();
        let pending = reports::pending(&self.store, u32::MAX)?;
        let paused = self.paused_until()?;
        let doc = backup::document(t, self.home, &rules, &contacts, &self.mirror.policy, paused, &pending);
        serde_json::to_string_pretty(&doc).map_err(|e| Error::BadBackup { why: e.to_string() })
    }

    /// Restores a backup in one transaction. The whole document is read and checked
    /// first (format, version, every rule, contact, setting and report, as `add_rule`,
    /// `policy set` and `report` check them); anything wrong is [`Error::BadBackup`] with
    /// the reason, and nothing changes. A document from a newer version is refused.
    pub fn import_backup(&mut self, text: &[u8], mode: backup::Mode) -> Result<backup::Restored> {
        self.refresh()?;
        let t = now();
        let checked = backup::check(text, t, &self.mirror.policy, mode, |list, pattern, options, created_at, _| {
            let rule = self.new_rule(list, pattern, options, t)?;
            Ok(Rule { created_at: if created_at > 0 { created_at } else { t }, ..rule })
        })?;
        let mut done = backup::Restored {
            rules: checked.rules.len() as u64,
            rules_ended: checked.rules_ended,
            settings: checked.policy.len() as u64,
            paused: checked.pause_until.is_some(),
            ..Default::default()
        };
        self.store.write(|tx| {
            if mode == backup::Mode::Replace {
                tx.execute_batch(
                    "DELETE FROM rules; DELETE FROM contacts; DELETE FROM meta WHERE key = 'pause.until';",
                )?;
            } else {
                rules::remove_expired(tx, t)?;
            }
            tx.execute("DELETE FROM meta WHERE key LIKE 'policy.%'", [])?;
            for r in &checked.rules {
                rules::add(tx, r)?;
            }
            let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO contacts (number) VALUES (?1)")?;
            for k in &checked.contacts {
                done.contacts += stmt.execute([*k as i64])? as u64;
            }
            for (k, v) in &checked.policy {
                store::set_meta(tx, &format!("policy.{k}"), v)?;
            }
            if let Some(until) = checked.pause_until {
                store::set_meta(tx, PAUSE_KEY, &until.to_string())?;
            }
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO reports (number, spam, category, comment, created_at, idempotency_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (n, spam, category, comment, at, key) in &checked.reports {
                done.reports +=
                    stmt.execute(rusqlite::params![*n as i64, spam, category.code(), comment, at, key])? as u64;
            }
            Ok(())
        })?;
        self.reload()?;
        Ok(done)
    }

    // ---- the pause ----

    /// Pauses screening until `until` (Unix seconds): every call rings (and is still
    /// recorded) until then, when screening resumes by itself. Emergency numbers and the
    /// callback window are not affected. A time not in the future is refused.
    pub fn pause(&mut self, until: i64) -> Result<()> {
        let t = now();
        if until <= t {
            return Err(Error::BadSettingValue {
                key: "until".into(),
                value: until.to_string(),
                expected: format!("a time after now ({t})"),
            });
        }
        self.store.write(|tx| store::set_meta(tx, PAUSE_KEY, &until.to_string()))?;
        self.reload()
    }

    /// Ends a pause now; returns whether one was on.
    pub fn resume(&mut self) -> Result<bool> {
        let was = self.paused_until()?.is_some();
        self.store.write(|tx| Ok(tx.execute("DELETE FROM meta WHERE key = ?1", [PAUSE_KEY]).map(|_| ())?))?;
        self.reload()?;
        Ok(was)
    }

    /// When the pause ends (Unix seconds), or `None` when screening is not paused.
    pub fn paused_until(&mut self) -> Result<Option<i64>> {
        self.refresh()?;
        let t = now();
        Ok(self.mirror.paused_until.filter(|until| *until > t))
    }

    /// Replaces the contacts with these numbers (the app syncs its address book).
    /// Numbers that cannot be read are skipped; returns how many were stored.
    pub fn set_contacts<S: AsRef<str>>(&mut self, numbers: &[S]) -> Result<usize> {
        let keys: HashSet<u64> = numbers
            .iter()
            .filter_map(|n| match parse(n.as_ref(), self.home) {
                Caller::Number(p) => Some(p.e164.as_u64()),
                _ => None,
            })
            .collect();
        self.store.write(|tx| {
            tx.execute("DELETE FROM contacts", [])?;
            let mut stmt = tx.prepare_cached("INSERT INTO contacts (number) VALUES (?1)")?;
            for k in &keys {
                stmt.execute([*k as i64])?;
            }
            Ok(())
        })?;
        self.reload()?;
        Ok(keys.len())
    }

    /// Adds one contact.
    pub fn add_contact(&mut self, raw: &str) -> Result<E164> {
        let n = self.number(raw)?.e164;
        self.store.write(|tx| {
            tx.prepare_cached("INSERT OR IGNORE INTO contacts (number) VALUES (?1)")?.execute([n.as_u64() as i64])?;
            Ok(())
        })?;
        self.reload()?;
        Ok(n)
    }

    /// Removes one contact; returns whether it was there.
    pub fn remove_contact(&mut self, raw: &str) -> Result<bool> {
        let n = self.number(raw)?.e164;
        let removed = self.store.write(|tx| {
            Ok(tx.prepare_cached("DELETE FROM contacts WHERE number = ?1")?.execute([n.as_u64() as i64])? > 0)
        })?;
        self.reload()?;
        Ok(removed)
    }

    // ---- policy ----

    pub fn policy(&mut self) -> Result<Policy> {
        self.refresh()?;
        Ok(self.mirror.policy.clone())
    }

    /// Changes one setting (`threshold.block`, `hidden`, `category.representative`, ...).
    pub fn set_policy(&mut self, key: &str, value: &str) -> Result<Policy> {
        self.refresh()?;
        let mut p = self.mirror.policy.clone();
        p.set(key, value, self.home)?;
        self.save_policy(&p)?;
        Ok(p)
    }

    /// Stores a whole policy.
    pub fn save_policy(&mut self, policy: &Policy) -> Result<()> {
        let pairs = policy.to_pairs();
        self.store.write(|tx| {
            tx.execute("DELETE FROM meta WHERE key LIKE 'policy.%'", [])?;
            for (k, v) in &pairs {
                store::set_meta(tx, &format!("policy.{k}"), v)?;
            }
            Ok(())
        })?;
        self.reload()
    }

    // ---- reports ----

    /// Reports a number as spam: it is blocked on this phone at once, and waits in the
    /// outbox for the next sync.
    pub fn report(&mut self, raw: &str, category: Category, comment: Option<&str>) -> Result<Report> {
        if !category.is_reportable() {
            return Err(Error::UnknownCategory(category.to_string()));
        }
        self.add_report(raw, true, category, comment)
    }

    /// Says a number is not spam: it is allowed on this phone, and the vote goes to the
    /// community with the next sync.
    pub fn mark_not_spam(&mut self, raw: &str, comment: Option<&str>) -> Result<Report> {
        self.add_report(raw, false, Category::Unknown, comment)
    }

    fn add_report(&mut self, raw: &str, spam: bool, category: Category, comment: Option<&str>) -> Result<Report> {
        let n = self.number(raw)?;
        if spam && decide::emergency(&n).is_some() {
            return Err(Error::EmergencyNumber(n.e164.to_string()));
        }
        let r = self.store.write(|tx| reports::add(tx, n.e164, spam, category, comment, now()))?;
        self.reload()?;
        Ok(r)
    }

    /// Reports not yet acknowledged by the community server, oldest first.
    pub fn pending_reports(&self, limit: u32) -> Result<Vec<Report>> {
        reports::pending(&self.store, limit)
    }

    /// Marks reports as received by the server.
    pub fn mark_reports_uploaded(&mut self, ids: &[i64]) -> Result<()> {
        self.store.write(|tx| reports::mark_uploaded(tx, ids, now()))
    }

    // ---- community data ----

    /// What the community database says about a number, decayed to now.
    pub fn community_evidence(&mut self, raw: &str) -> Result<Option<Evidence>> {
        let n = self.number(raw)?;
        self.refresh()?;
        community::lookup(&self.store, n.e164, now(), self.mirror.policy.half_life_days)
    }

    /// Imports a spam list. All or nothing: on error the store is as it was. The summary
    /// also says what the list's numbers do now under the current policy (how many warn,
    /// block, or have decayed below the warn threshold).
    pub fn import(&mut self, format: Format, input: impl Read) -> Result<ImportSummary> {
        self.import_cancellable(format, input, &crate::Cancel::new())
    }

    /// [`import`](Self::import) that stops with [`Error::Cancelled`] at the next record
    /// once `cancel` is cancelled, changing nothing (the transaction rolls back).
    pub fn import_cancellable(
        &mut self,
        format: Format,
        input: impl Read,
        cancel: &crate::Cancel,
    ) -> Result<ImportSummary> {
        self.refresh()?;
        import::import(&mut self.store, format, input, self.home, &self.mirror.policy, cancel)
    }

    /// Streams the iOS Call Directory list in ascending order, starting after `after`
    /// (for batches: pass the last number of the previous batch).
    pub fn call_directory(&mut self, kind: DirectoryKind, after: Option<E164>) -> Result<CallDirectory<'_>> {
        self.refresh()?;
        Ok(CallDirectory::new(&self.store, self.context(), kind, after, now()))
    }

    // ---- history ----

    /// The newest `limit` screened calls (at most `history.limit`: calls the repeat rule
    /// keeps beyond it are not history).
    pub fn history(&self, limit: u32) -> Result<Vec<HistoryEntry>> {
        history::recent(&self.store, limit.min(self.mirror.policy.history_limit))
    }

    pub fn stats(&self) -> Result<Stats> {
        history::stats(&self.store, self.mirror.policy.history_limit)
    }

    pub fn clear_history(&mut self) -> Result<()> {
        self.store.write(|tx| Ok(tx.execute("DELETE FROM history", []).map(|_| ())?))
    }
}

/// The most bytes a SIM identifier may have (Android's subscription ids and iccids,
/// and names the app gives, fit easily).
const SIM_CHARS: usize = 64;

/// The most characters a rule's label keeps.
const LABEL_CHARS: usize = 100;

/// A rule's label as stored: control characters dropped, surrounding whitespace trimmed,
/// at most [`LABEL_CHARS`] characters; nothing left means no label (never `Some("")`).
fn clean_label(label: &str) -> Option<String> {
    let visible: String = label.chars().filter(|c| !c.is_control()).collect();
    let short: String = visible.trim().chars().take(LABEL_CHARS).collect();
    let l = short.trim_end();
    (!l.is_empty()).then(|| l.to_string())
}
