//! Backup and restore of everything the user set: rules (with labels, ends, windows,
//! SIMs and groups), contacts, the policy, a pause, and reports not yet uploaded. One
//! versioned JSON document (documented in the README).
//!
//! A restore reads and checks the whole document before it writes anything, then writes
//! in one transaction: a corrupt or hostile document is refused with the reason and
//! changes nothing, and a restore never stops half way.

use crate::decision::Category;
use crate::number::{parse, Caller, Region};
use crate::policy::Policy;
use crate::reports::MAX_COMMENT_CHARS;
use crate::rules::{List, Rule, RuleOptions};
use crate::schedule::{Days, Hours, Window};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` field of every backup.
pub const FORMAT: &str = "ringfence-backup";
/// The version this build writes and the newest it reads.
pub const VERSION: u32 = 1;
/// The largest document a restore reads.
pub const MAX_BYTES: usize = 16 << 20;
const MAX_RULES: usize = 200_000;
const MAX_CONTACTS: usize = 100_000;
const MAX_REPORTS: usize = 10_000;

/// The document, as written and read.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub format: String,
    pub version: u32,
    /// When it was written (Unix seconds).
    pub created_at: i64,
    /// The home region the phone had: national-form numbers in it are read with it.
    pub home_region: String,
    #[serde(default)]
    pub rules: Vec<RuleEntry>,
    /// Contacts in E.164.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// The settings that differ from the defaults, as `policy set KEY VALUE` takes them.
    #[serde(default)]
    pub policy: BTreeMap<String, String>,
    /// The pause's end (Unix seconds), if screening was paused.
    #[serde(default)]
    pub pause_until: Option<i64>,
    /// Reports the community server does not have yet.
    #[serde(default)]
    pub reports: Vec<ReportEntry>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    /// `allow` or `block`.
    pub list: String,
    /// A number, a prefix ending in `*`, or a group (`type:toll_free`).
    pub pattern: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub until: Option<i64>,
    /// `HH:MM-HH:MM` of local time.
    #[serde(default)]
    pub between: Option<String>,
    /// `mon-fri`, ...
    #[serde(default)]
    pub days: Option<String>,
    #[serde(default)]
    pub sim: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportEntry {
    pub number: String,
    pub spam: bool,
    pub category: String,
    #[serde(default)]
    pub comment: Option<String>,
    pub created_at: i64,
    /// The key the server counts the report once by: kept, so a report restored on a
    /// new phone is not counted twice.
    pub idempotency_key: String,
}

/// How a restore meets what is already there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Add to it: rules and contacts are added (a pattern in both gets the backup's
    /// label, end, window and SIM), the backup's settings override, a pause in it applies.
    Merge,
    /// Replace the rules, contacts, policy and pause with the backup's. Reports waiting
    /// for upload are kept either way (they are the user's votes).
    Replace,
}

/// What a restore did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Restored {
    pub rules: u64,
    /// Temporary rules whose end had passed: not restored.
    pub rules_ended: u64,
    pub contacts: u64,
    pub settings: u64,
    pub reports: u64,
    pub paused: bool,
}

/// A checked document, ready to write.
pub(crate) struct Checked {
    pub rules: Vec<Rule>,
    pub rules_ended: u64,
    pub contacts: Vec<u64>,
    pub policy: Vec<(String, String)>,
    pub pause_until: Option<i64>,
    pub reports: Vec<(u64, bool, Category, Option<String>, i64, String)>,
}

fn bad(why: impl Into<String>) -> Error {
    Error::BadBackup { why: why.into() }
}

/// Reads and checks a document. `rule` makes a rule as `add_rule` would (pattern read,
/// emergency numbers refused, label and SIM cleaned); `now` drops ended rules and pauses.
pub(crate) fn check(
    text: &[u8],
    now: i64,
    current: &Policy,
    mode: Mode,
    mut rule: impl FnMut(List, &str, &RuleOptions, i64, Region) -> Result<Rule>,
) -> Result<Checked> {
    if text.len() > MAX_BYTES {
        return Err(bad(format!("it is larger than {MAX_BYTES} bytes")));
    }
    // The version first, so a newer document gets that reason rather than a field error.
    #[derive(Deserialize)]
    struct Head {
        format: Option<String>,
        version: Option<u32>,
    }
    let head: Head = serde_json::from_slice(text).map_err(|e| bad(format!("it is not a backup ({e})")))?;
    if head.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!("it is not a ringfence backup (no \"format\": \"{FORMAT}\")")));
    }
    match head.version {
        Some(v) if v > VERSION => {
            return Err(bad(format!(
                "it was written by a newer ringfence (backup version {v}, this build reads {VERSION}); update the app"
            )))
        }
        Some(v) if v >= 1 => {}
        _ => return Err(bad("it has no valid \"version\"")),
    }
    let doc: Document = serde_json::from_slice(text).map_err(|e| bad(format!("{e}")))?;
    if doc.rules.len() > MAX_RULES || doc.contacts.len() > MAX_CONTACTS || doc.reports.len() > MAX_REPORTS {
        return Err(bad(format!(
            "it holds more than {MAX_RULES} rules, {MAX_CONTACTS} contacts or {MAX_REPORTS} reports"
        )));
    }
    let home: Region =
        doc.home_region.parse().map_err(|_| bad(format!("unknown home_region {:?}", short(&doc.home_region))))?;

    let mut rules = Vec::with_capacity(doc.rules.len());
    let mut rules_ended = 0;
    for (i, r) in doc.rules.iter().enumerate() {
        let at = |why: String| bad(format!("rule {} ({:?}): {why}", i + 1, short(&r.pattern)));
        let list: List =
            r.list.parse().map_err(|_| at(format!("list {:?} is neither allow nor block", short(&r.list))))?;
        if r.until.is_some_and(|t| t <= now) {
            rules_ended += 1;
            continue;
        }
        let hours = r.between.as_deref().map(Hours::parse).transpose().map_err(at)?;
        let days = r.days.as_deref().map(Days::parse).transpose().map_err(at)?;
        let window = (hours.is_some() || days.is_some()).then(|| Window { days: days.unwrap_or(Days::ALL), hours });
        let options = RuleOptions { label: r.label.clone(), until: r.until, window, sim: r.sim.clone() };
        let made = rule(list, &r.pattern, &options, r.created_at, home).map_err(|e| at(e.to_string()))?;
        rules.push(made);
    }
    let mut contacts = Vec::with_capacity(doc.contacts.len());
    for (i, c) in doc.contacts.iter().enumerate() {
        match parse(c, home) {
            Caller::Number(n) => contacts.push(n.e164.as_u64()),
            _ => return Err(bad(format!("contact {} ({:?}) is not a phone number", i + 1, short(c)))),
        }
    }
    // Every setting through the same checks as `policy set`, on the policy it will join.
    let mut policy = match mode {
        Mode::Merge => current.clone(),
        Mode::Replace => Policy::default(),
    };
    for (k, v) in &doc.policy {
        policy.set(k, v, home).map_err(|e| bad(format!("setting {:?}: {e}", short(k))))?;
    }
    let mut reports = Vec::with_capacity(doc.reports.len());
    for (i, r) in doc.reports.iter().enumerate() {
        let at = |why: &str| bad(format!("report {} ({:?}): {why}", i + 1, short(&r.number)));
        let Caller::Number(n) = parse(&r.number, home) else { return Err(at("not a phone number")) };
        let category: Category = r.category.parse().map_err(|_| at("unknown category"))?;
        let key_ok = r.idempotency_key.len() == 32 && r.idempotency_key.bytes().all(|b| b.is_ascii_hexdigit());
        if !key_ok {
            return Err(at("its idempotency_key is not 32 hex digits"));
        }
        let comment: Option<String> = r
            .comment
            .as_deref()
            .map(|c| c.trim().chars().filter(|c| !c.is_control()).take(MAX_COMMENT_CHARS).collect())
            .filter(|c: &String| !c.is_empty());
        reports.push((
            n.e164.as_u64(),
            r.spam,
            category,
            comment,
            r.created_at,
            r.idempotency_key.to_ascii_lowercase(),
        ));
    }
    Ok(Checked {
        rules,
        rules_ended,
        contacts,
        policy: policy.to_pairs(),
        pause_until: doc.pause_until.filter(|t| *t > now),
        reports,
    })
}

/// The document for what the screener holds.
pub(crate) fn document(
    now: i64,
    home: Region,
    rules: &[Rule],
    contacts: &[u64],
    policy: &Policy,
    pause_until: Option<i64>,
    reports: &[crate::reports::Report],
) -> Document {
    Document {
        format: FORMAT.into(),
        version: VERSION,
        created_at: now,
        home_region: home.to_string(),
        rules: rules
            .iter()
            .map(|r| RuleEntry {
                list: r.list.to_string(),
                pattern: r.pattern.to_string(),
                label: r.label.clone(),
                created_at: r.created_at,
                until: r.until,
                between: r.window.and_then(|w| w.hours).map(|h| h.to_string()),
                days: r.window.map(|w| w.days).filter(|d| *d != Days::ALL).map(|d| d.to_string()),
                sim: r.sim.clone(),
            })
            .collect(),
        contacts: contacts.iter().filter_map(|k| crate::number::E164::from_u64(*k)).map(|e| e.to_string()).collect(),
        policy: policy.to_pairs().into_iter().collect(),
        pause_until,
        reports: reports
            .iter()
            .filter(|r| !r.uploaded)
            .map(|r| ReportEntry {
                number: r.number.to_string(),
                spam: r.spam,
                category: r.category.to_string(),
                comment: r.comment.clone(),
                created_at: r.created_at,
                idempotency_key: r.idempotency_key.clone(),
            })
            .collect(),
    }
}

/// At most 40 characters of a value, for error messages.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}
