//! Screened-call history and counts (`ringfence_core::history`) as FFI records.

use crate::decision::{reasons, Action, Category, Reason};
use ringfence_core as core;
use std::collections::HashMap;

/// One screened call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct HistoryEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The caller ID as the platform delivered it (first 64 characters).
    pub caller_id: String,
    /// The canonical number, `null`/`nil` for hidden or malformed caller IDs.
    pub e164: Option<String>,
    pub action: Action,
    pub category: Category,
    pub reasons: Vec<Reason>,
    pub label: Option<String>,
}

impl From<core::HistoryEntry> for HistoryEntry {
    fn from(h: core::HistoryEntry) -> Self {
        HistoryEntry {
            id: h.id,
            at: h.at,
            caller_id: h.input,
            e164: h.number.map(|n| n.to_string()),
            action: h.action.into(),
            category: h.category.into(),
            reasons: reasons(h.reasons),
            label: h.label,
        }
    }
}

/// Counts over the history and the lists.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Stats {
    /// Screened calls in the history.
    pub calls: u64,
    pub by_action: HashMap<Action, u64>,
    pub by_category: HashMap<Category, u64>,
    pub allow_rules: u64,
    pub block_rules: u64,
    pub contacts: u64,
    /// Numbers the community database knows.
    pub community_numbers: u64,
    /// Reports waiting in the outbox for the next sync.
    pub pending_reports: u64,
}

impl From<core::Stats> for Stats {
    fn from(s: core::Stats) -> Self {
        // The core keys its counts by name; the names are its own, so they always parse.
        let by_action = s
            .by_action
            .into_iter()
            .filter_map(|(k, n)| k.parse::<ringfence_core::Action>().ok().map(|a| (a.into(), n)))
            .collect();
        let by_category = s
            .by_category
            .into_iter()
            .filter_map(|(k, n)| k.parse::<ringfence_core::Category>().ok().map(|c| (c.into(), n)))
            .collect();
        Stats {
            calls: s.calls,
            by_action,
            by_category,
            allow_rules: s.allow_rules,
            block_rules: s.block_rules,
            contacts: s.contacts,
            community_numbers: s.community_numbers,
            pending_reports: s.pending_reports,
        }
    }
}
