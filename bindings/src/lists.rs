//! Block and allow lists (`ringfence_core::rules`) as FFI records.

use crate::error::RingfenceError;
use ringfence_core as core;
use ringfence_core::number::Pattern;
use ringfence_core::{Days, Hours, Window};

/// Which of the user's two lists. (Not `List`: that would shadow Kotlin's `List`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RuleList {
    /// Numbers and prefixes that always ring (after emergency numbers).
    Allow,
    /// Numbers and prefixes that are always blocked (emergency numbers excepted).
    Block,
}

impl From<RuleList> for core::List {
    fn from(l: RuleList) -> Self {
        match l {
            RuleList::Allow => core::List::Allow,
            RuleList::Block => core::List::Block,
        }
    }
}

impl From<core::List> for RuleList {
    fn from(l: core::List) -> Self {
        match l {
            core::List::Allow => RuleList::Allow,
            core::List::Block => RuleList::Block,
        }
    }
}

/// One entry of a block or allow list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Rule {
    pub list: RuleList,
    /// The canonical pattern: an E.164 number ("+821012345678"), a prefix ending in
    /// `*` ("+8270*"), or a group ("type:toll_free", "region:JP", "cc:+86",
    /// "region:foreign"). Pass it back to `removeRule` as it is.
    pub pattern: String,
    /// Whether `pattern` is a prefix (every number that begins with those digits).
    pub is_prefix: bool,
    /// Whether `pattern` is a group: `type:toll_free`, `region:JP`, `cc:+86`,
    /// `region:foreign` (every number outside the home region).
    pub is_group: bool,
    pub label: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When a temporary rule ends (Unix seconds; it matches calls before then);
    /// `null`/`nil`: never.
    pub until: Option<i64>,
    /// The hours of the phone's local time it matches in ("22:00-07:00"); `null`/`nil`:
    /// all day.
    pub between: Option<String>,
    /// The days it matches on ("mon-fri"; a night belongs to the day it starts on);
    /// `null`/`nil`: every day.
    pub days: Option<String>,
    /// The SIM it is limited to; `null`/`nil`: every SIM.
    pub sim: Option<String>,
}

impl From<core::Rule> for Rule {
    fn from(r: core::Rule) -> Self {
        Rule {
            list: r.list.into(),
            pattern: r.pattern.to_string(),
            is_prefix: matches!(r.pattern, Pattern::Prefix(_)),
            is_group: matches!(r.pattern, Pattern::Group(_)),
            label: r.label,
            created_at: r.created_at,
            until: r.until,
            between: r.window.and_then(|w| w.hours).map(|h| h.to_string()),
            days: r.window.map(|w| w.days).filter(|d| *d != Days::ALL).map(|d| d.to_string()),
            sim: r.sim,
        }
    }
}

/// What `addRule` did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct RuleAdded {
    /// The rule as stored.
    pub rule: Rule,
    /// `false` when the pattern was already on the list (its label was updated).
    pub is_new: bool,
}

/// One pattern for `addRules` (bulk).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct RuleInput {
    /// A number in any form, or a prefix ending in `*` ("+8270*", "1588*").
    pub pattern: String,
    #[uniffi(default = None)]
    pub label: Option<String>,
    /// When it ends (Unix seconds), as for `addRule`.
    #[uniffi(default = None)]
    pub until: Option<i64>,
    /// Hours of local time ("22:00-07:00"), as for `addRule`.
    #[uniffi(default = None)]
    pub between: Option<String>,
    /// Days ("mon-fri"), as for `addRule`.
    #[uniffi(default = None)]
    pub days: Option<String>,
    /// The SIM, as for `addRule`.
    #[uniffi(default = None)]
    pub sim: Option<String>,
}

/// What `addRule` and `addRules` pass on: the window read from `between` and `days`.
pub(crate) fn rule_options(
    label: Option<String>,
    until: Option<i64>,
    between: Option<String>,
    days: Option<String>,
    sim: Option<String>,
) -> Result<core::RuleOptions, RingfenceError> {
    let bad = |argument: &str, details: String| RingfenceError::InvalidArgument { argument: argument.into(), details };
    let between = between.filter(|b| !b.trim().is_empty());
    let days = days.filter(|d| !d.trim().is_empty());
    let window = if between.is_none() && days.is_none() {
        None
    } else {
        let hours = between.as_deref().map(Hours::parse).transpose().map_err(|e| bad("between", e))?;
        let days = days.as_deref().map(Days::parse).transpose().map_err(|e| bad("days", e))?.unwrap_or(Days::ALL);
        Some(Window { days, hours })
    };
    Ok(core::RuleOptions { label, until, window, sim })
}
