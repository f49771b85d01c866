//! Block and allow lists (`ringfence_core::rules`) as FFI records.

use ringfence_core::number::Pattern;
use ringfence_core::rules as core;

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
    /// The canonical pattern: an E.164 number ("+821012345678") or a prefix ending in
    /// `*` ("+8270*"). Pass it back to `removeRule` as it is.
    pub pattern: String,
    /// Whether `pattern` is a prefix (every number that begins with those digits).
    pub is_prefix: bool,
    pub label: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When a temporary rule ends (Unix seconds; it matches calls before then);
    /// `null`/`nil`: never.
    pub until: Option<i64>,
}

impl From<core::Rule> for Rule {
    fn from(r: core::Rule) -> Self {
        Rule {
            list: r.list.into(),
            pattern: r.pattern.to_string(),
            is_prefix: match r.pattern {
                Pattern::Exact(_) => false,
                Pattern::Prefix(_) => true,
            },
            label: r.label,
            created_at: r.created_at,
            until: r.until,
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
}
