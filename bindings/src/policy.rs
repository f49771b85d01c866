//! The screening policy (`ringfence_core::policy`) as FFI records.

use crate::decision::{Action, Category};
use ringfence_core as core;
use std::collections::HashMap;

/// The user's screening policy. Read it with `Screener.policy()`; change it one setting
/// at a time with `Screener.setPolicy(key, value)` or the typed setters, so every change
/// is validated the same way as on the command line.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Policy {
    /// Community score at which a number is labelled as spam (`threshold.warn`).
    pub warn_threshold: f64,
    /// Community score at which a number is blocked (`threshold.block`).
    pub block_threshold: f64,
    /// What to do with callers who hide their number (`hidden`).
    pub hidden_action: Action,
    /// The user's own number, for neighbour-spoofing detection (`own-number`).
    pub own_number: Option<String>,
    /// Community evidence loses half its weight after this many days; 0: never
    /// (`decay.half-life-days`).
    pub half_life_days: f64,
    /// How many screened calls the history keeps (`history.limit`).
    pub history_limit: u32,
    /// After the user dials an emergency number, every call rings for this many minutes;
    /// 0: off (`emergency.callback-minutes`).
    pub emergency_callback_minutes: u32,
    /// What to do with a caller nothing else decided: not a contact, not on a list,
    /// nothing known against the number (`unknown`; `ALLOW` by default).
    pub unknown_action: Action,
    /// Numbers the user called (`recordOutgoing`) within this many days are not unknown
    /// callers; 0: off (`known.outgoing-days`, default 30).
    pub known_outgoing_days: u32,
    /// A number calling this many times within `repeatMinutes` gets through the
    /// unknown-caller action; 0: off (`repeat.calls`, default 2).
    pub repeat_calls: u32,
    /// The repeat rule's window (`repeat.minutes`, default 3).
    pub repeat_minutes: u32,
    /// Calls closer together than this count once (`repeat.min-gap-seconds`, default 20).
    pub repeat_min_gap_seconds: u32,
    /// The user's choice of action per category (`category.<code>`); categories not in
    /// the map use the built-in default.
    pub category_actions: HashMap<Category, Action>,
    /// Hours of local time in which `unknownAction` applies ("22:00-07:00",
    /// `unknown.hours`); `null`/`nil`: all day. Outside them unknown callers ring.
    pub unknown_hours: Option<String>,
    /// Days on which those hours start (`unknown.days`, "daily" by default).
    pub unknown_days: String,
    /// Hours in which `hiddenAction` applies (`hidden.hours`); `null`/`nil`: all day.
    pub hidden_hours: Option<String>,
    /// Days for `hiddenHours` (`hidden.days`).
    pub hidden_days: String,
    /// Hours in which `categoryActions` apply (`category.hours`); outside them every
    /// category has its default. `null`/`nil`: all day.
    pub category_hours: Option<String>,
    /// Days for `categoryHours` (`category.days`).
    pub category_days: String,
    /// Quiet hours ("22:00-07:00", `quiet.hours`); `null`/`nil`: off. In them only
    /// contacts, the allow list, numbers called recently and repeated callers ring.
    pub quiet_hours: Option<String>,
    /// The days quiet hours start on (`quiet.days`, "daily" by default).
    pub quiet_days: String,
    /// What quiet hours do with the calls they catch (`quiet.action`, `SILENCE`).
    pub quiet_action: Action,
    /// `unknownAction` applies only to calls on this SIM (`unknown.sim`; `null`/`nil`:
    /// every SIM). A call screened without `sim` is on none.
    pub unknown_sim: Option<String>,
    /// `hiddenAction`, for this SIM only (`hidden.sim`).
    pub hidden_sim: Option<String>,
    /// `categoryActions`, for this SIM only (`category.sim`).
    pub category_sim: Option<String>,
    /// Quiet hours, for this SIM only (`quiet.sim`).
    pub quiet_sim: Option<String>,
}

impl From<core::Policy> for Policy {
    fn from(p: core::Policy) -> Self {
        Policy {
            warn_threshold: p.warn_threshold,
            block_threshold: p.block_threshold,
            hidden_action: p.hidden_action.into(),
            own_number: p.own_number.map(|n| n.to_string()),
            half_life_days: p.half_life_days,
            history_limit: p.history_limit,
            emergency_callback_minutes: p.emergency_callback_minutes,
            unknown_action: p.unknown_action.into(),
            known_outgoing_days: p.known_outgoing_days,
            repeat_calls: p.repeat_calls,
            repeat_minutes: p.repeat_minutes,
            repeat_min_gap_seconds: p.repeat_min_gap_seconds,
            category_actions: p.category_actions.into_iter().map(|(c, a)| (c.into(), a.into())).collect(),
            unknown_hours: p.unknown_window.hours.map(|h| h.to_string()),
            unknown_days: p.unknown_window.days.to_string(),
            hidden_hours: p.hidden_window.hours.map(|h| h.to_string()),
            hidden_days: p.hidden_window.days.to_string(),
            category_hours: p.category_window.hours.map(|h| h.to_string()),
            category_days: p.category_window.days.to_string(),
            quiet_hours: p.quiet_hours.map(|h| h.to_string()),
            quiet_days: p.quiet_days.to_string(),
            quiet_action: p.quiet_action.into(),
            unknown_sim: p.unknown_sim,
            hidden_sim: p.hidden_sim,
            category_sim: p.category_sim,
            quiet_sim: p.quiet_sim,
        }
    }
}

/// One policy setting with its current value, as `ringfence policy show` lists it: a
/// generic settings screen can be built from these.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct PolicySetting {
    /// "threshold.warn", "hidden", "category.representative", ...
    pub key: String,
    /// The current value as text ("2", "allow", "default", "" for none).
    pub value: String,
    /// One line of English help.
    pub help: String,
}

impl From<core::Setting> for PolicySetting {
    fn from(s: core::Setting) -> Self {
        PolicySetting { key: s.key, value: s.value, help: s.help.to_string() }
    }
}
