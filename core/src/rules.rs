//! The user's own block and allow lists, and the contacts the app shares.
//!
//! They live in SQLite and are mirrored in memory ([`RuleIndex`]): a call is screened
//! with a few hash lookups, never a query per rule.

use crate::number::{Group, Pattern, PhoneNumber, Prefix, Region, E164};
use crate::schedule::{Days, Hours, LocalTime, Window};
use crate::store::Store;
use crate::Result;
use rusqlite::{params, Transaction};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum List {
    Allow,
    Block,
}

impl List {
    fn code(self) -> i64 {
        match self {
            List::Allow => 0,
            List::Block => 1,
        }
    }
}

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            List::Allow => "allow",
            List::Block => "block",
        })
    }
}

impl FromStr for List {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "allow" => Ok(List::Allow),
            "block" => Ok(List::Block),
            _ => Err(()),
        }
    }
}

/// One entry of a block or allow list.
#[derive(Clone, PartialEq, Debug)]
pub struct Rule {
    pub list: List,
    pub pattern: Pattern,
    pub label: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When a temporary rule ends (Unix seconds): it matches calls before this moment
    /// only. `None`: it never ends.
    pub until: Option<i64>,
    /// The rule matches only in this window of the phone's local time (`None`: always).
    pub window: Option<Window>,
    /// The rule matches only calls on this SIM (`None`: every SIM, and calls that do
    /// not say).
    pub sim: Option<String>,
}

/// What a new rule carries besides its list and pattern.
#[derive(Clone, Default, PartialEq, Debug)]
pub struct RuleOptions {
    pub label: Option<String>,
    /// When it ends (Unix seconds); `None`: never.
    pub until: Option<i64>,
    /// The window of the phone's local time it is limited to; `None`: always.
    pub window: Option<Window>,
    /// The SIM it is limited to; `None`: every SIM.
    pub sim: Option<String>,
}

/// When and where a call came: what a rule's end, window and SIM are checked against.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// Unix seconds.
    pub at: i64,
    /// The phone's local time; `None` when unknown (windows do not limit then).
    pub local: Option<LocalTime>,
    pub sim: Option<&'a str>,
}

impl Scope<'_> {
    /// Any time, no SIM: every rule for all SIMs applies (the Call Directory's view).
    pub const ANY: Scope<'static> = Scope { at: i64::MIN, local: None, sim: None };
}

impl Rule {
    /// Whether the rule has not ended at `at` (Unix seconds).
    pub fn is_active(&self, at: i64) -> bool {
        self.until.is_none_or(|until| at < until)
    }

    /// Whether the rule applies to a call: not ended, inside its window, on its SIM.
    pub fn applies(&self, scope: &Scope) -> bool {
        self.is_active(scope.at)
            && self.window.is_none_or(|w| w.holds(scope.local))
            && self.sim.as_deref().is_none_or(|sim| scope.sim == Some(sim))
    }

    /// Whether the rule is limited in time or to a SIM (beyond an end).
    pub fn is_limited(&self) -> bool {
        self.window.is_some() || self.sim.is_some()
    }
}

/// The window's columns: days (bits, NULL: every day), start and end minute (NULL: all day).
fn window_columns(w: Option<Window>) -> (Option<i64>, Option<i64>, Option<i64>) {
    match w {
        None => (None, None, None),
        Some(w) => (
            (w.days != Days::ALL).then_some(i64::from(w.days.bits())),
            w.hours.map(|h| i64::from(h.start())),
            w.hours.map(|h| i64::from(h.end())),
        ),
    }
}

fn window_from_columns(days: Option<i64>, start: Option<i64>, end: Option<i64>) -> Option<Window> {
    let days = days.and_then(Days::from_bits).unwrap_or(Days::ALL);
    let hours = match (start, end) {
        (Some(s), Some(e)) => Hours::new(u16::try_from(s).ok()?, u16::try_from(e).ok()?),
        _ => None,
    };
    let w = Window { days, hours };
    (!w.is_always()).then_some(w)
}

/// A pattern's columns: kind 0 exact (digits: the E.164 key), 1 prefix (its digits),
/// 2 to 5 a group (`Group::columns`).
fn pattern_columns(p: &Pattern) -> (i64, i64) {
    match p {
        Pattern::Exact(e) => (0, e.as_u64() as i64),
        Pattern::Prefix(p) => (1, p.digits as i64),
        Pattern::Group(g) => g.columns(),
    }
}

fn pattern_from_columns(kind: i64, digits: i64) -> Option<Pattern> {
    if kind >= 2 {
        return Group::from_columns(kind, digits).map(Pattern::Group);
    }
    let digits = u64::try_from(digits).ok()?;
    match kind {
        0 => E164::from_u64(digits).map(Pattern::Exact),
        1 => Prefix::from_digits(&digits.to_string()).map(Pattern::Prefix),
        _ => None,
    }
}

/// Adds a rule, or updates the label and end of the same pattern. Returns whether it is
/// new (an expired rule not yet cleaned up counts as new).
pub(crate) fn add(tx: &Transaction, rule: &Rule) -> Result<bool> {
    let (kind, digits) = pattern_columns(&rule.pattern);
    let (days, start, end) = window_columns(rule.window);
    let existed = tx
        .prepare_cached(
            "SELECT 1 FROM rules WHERE list = ?1 AND kind = ?2 AND digits = ?3 AND (until IS NULL OR until > ?4)",
        )?
        .exists(params![rule.list.code(), kind, digits, rule.created_at])?;
    tx.prepare_cached(
        "INSERT INTO rules (list, kind, digits, label, created_at, until, days, start_minute, end_minute, sim)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (list, kind, digits) DO UPDATE SET label = excluded.label, until = excluded.until,
           days = excluded.days, start_minute = excluded.start_minute, end_minute = excluded.end_minute,
           sim = excluded.sim",
    )?
    .execute(params![
        rule.list.code(),
        kind,
        digits,
        rule.label,
        rule.created_at,
        rule.until,
        days,
        start,
        end,
        rule.sim
    ])?;
    Ok(!existed)
}

/// Removes a rule; returns whether there was one.
pub(crate) fn remove(tx: &Transaction, list: List, pattern: &Pattern) -> Result<bool> {
    let (kind, digits) = pattern_columns(pattern);
    let n = tx.prepare_cached("DELETE FROM rules WHERE list = ?1 AND kind = ?2 AND digits = ?3")?.execute(params![
        list.code(),
        kind,
        digits
    ])?;
    Ok(n > 0)
}

/// Deletes the rules that ended at or before `now`: they stopped matching then already
/// (the index checks each call's time); this only keeps the table small.
pub(crate) fn remove_expired(tx: &Transaction, now: i64) -> Result<usize> {
    Ok(tx.prepare_cached("DELETE FROM rules WHERE until IS NOT NULL AND until <= ?1")?.execute([now])?)
}

/// Every rule of a list, exact numbers and prefixes in ascending digit order.
pub(crate) fn all(store: &Store, list: List) -> Result<Vec<Rule>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT kind, digits, label, created_at, until, days, start_minute, end_minute, sim
         FROM rules WHERE list = ?1 ORDER BY kind, digits",
    )?;
    let rows = stmt.query_map([list.code()], |r| {
        // A row this build cannot read (written by a newer one) is skipped, not fatal.
        let Some(pattern) = pattern_from_columns(r.get(0)?, r.get(1)?) else { return Ok(None) };
        Ok(Some(Rule {
            list,
            pattern,
            label: r.get(2)?,
            created_at: r.get(3)?,
            until: r.get(4)?,
            window: window_from_columns(r.get(5)?, r.get(6)?, r.get(7)?),
            sim: r.get(8)?,
        }))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(row?);
    }
    Ok(out)
}

pub(crate) fn contacts(store: &Store) -> Result<HashSet<u64>> {
    let mut stmt = store.conn().prepare_cached("SELECT number FROM contacts")?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    let mut out = HashSet::new();
    for n in rows {
        out.insert(n? as u64);
    }
    Ok(out)
}

/// One list, indexed for matching: exact numbers by key, prefixes by (length, digits).
#[derive(Default, Debug)]
pub struct RuleIndex {
    rules: Vec<Rule>,
    exact: HashMap<u64, usize>,
    prefixes: HashMap<(u32, u64), usize>,
    /// The distinct prefix lengths present, longest first: a number is checked against
    /// at most this many hash keys, and the most specific rule wins.
    prefix_lens: Vec<u32>,
    /// Group rules by kind: at most four hash lookups per call.
    types: HashMap<crate::number::NumberType, usize>,
    regions: HashMap<Region, usize>,
    country_codes: HashMap<u16, usize>,
    foreign: Option<usize>,
}

impl RuleIndex {
    pub fn new(rules: Vec<Rule>) -> RuleIndex {
        let mut idx = RuleIndex::default();
        for (i, r) in rules.iter().enumerate() {
            match r.pattern {
                Pattern::Exact(e) => {
                    idx.exact.insert(e.as_u64(), i);
                }
                Pattern::Prefix(p) => {
                    idx.prefixes.insert((p.len, p.digits), i);
                    if !idx.prefix_lens.contains(&p.len) {
                        idx.prefix_lens.push(p.len);
                    }
                }
                Pattern::Group(Group::Type(t)) => {
                    idx.types.insert(t, i);
                }
                Pattern::Group(Group::Region(r)) => {
                    idx.regions.insert(r, i);
                }
                Pattern::Group(Group::CountryCode(cc)) => {
                    idx.country_codes.insert(cc, i);
                }
                Pattern::Group(Group::Foreign) => idx.foreign = Some(i),
            }
        }
        idx.prefix_lens.sort_unstable_by(|a, b| b.cmp(a));
        idx.rules = rules;
        idx
    }

    /// The most specific rule matching `number` in a call at `scope`: an exact entry,
    /// else the longest prefix. A rule that ended, is outside its window or is for
    /// another SIM does not match (a less specific one still may).
    pub fn find(&self, number: E164, scope: &Scope) -> Option<&Rule> {
        let active = |i: &usize| Some(&self.rules[*i]).filter(|r| r.applies(scope));
        if let Some(r) = self.exact.get(&number.as_u64()).and_then(active) {
            return Some(r);
        }
        self.prefix_lens.iter().find_map(|&len| {
            let p = Prefix::of(number, len)?;
            self.prefixes.get(&(p.len, p.digits)).and_then(active)
        })
    }

    /// The group rule matching a parsed number, for a user at `home`: by type, then
    /// region, then country code, then "foreign" (the first that applies).
    pub fn find_group(&self, n: &PhoneNumber, home: Region, scope: &Scope) -> Option<&Rule> {
        let active = |i: Option<&usize>| i.map(|i| &self.rules[*i]).filter(|r| r.applies(scope));
        active(self.types.get(&n.number_type))
            .or_else(|| n.region.and_then(|r| active(self.regions.get(&r))))
            .or_else(|| active(self.country_codes.get(&n.country_code)))
            .or_else(|| active(self.foreign.as_ref()).filter(|_| Group::Foreign.matches(n, home)))
    }

    /// Whether the list has any group rule (most have none: no parsed-number lookups).
    pub fn has_groups(&self) -> bool {
        !(self.types.is_empty() && self.regions.is_empty() && self.country_codes.is_empty()) || self.foreign.is_some()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::{parse_pattern, Region};

    fn rule(p: &str) -> Rule {
        Rule {
            list: List::Block,
            pattern: parse_pattern(p, Region::KR).unwrap(),
            label: Some(p.into()),
            created_at: 0,
            until: None,
            window: None,
            sim: None,
        }
    }

    fn at(t: i64) -> Scope<'static> {
        Scope { at: t, local: None, sim: None }
    }

    #[test]
    fn most_specific_wins() {
        let idx = RuleIndex::new(vec![rule("+82*"), rule("+8270*"), rule("070-1234-5678"), rule("+827012*")]);
        let n = |s: &str| E164::from_digits(s).unwrap();
        assert_eq!(idx.find(n("827012345678"), &at(0)).unwrap().label.as_deref(), Some("070-1234-5678"));
        assert_eq!(idx.find(n("827012005678"), &at(0)).unwrap().label.as_deref(), Some("+827012*"));
        assert_eq!(idx.find(n("827099995678"), &at(0)).unwrap().label.as_deref(), Some("+8270*"));
        assert_eq!(idx.find(n("821012345678"), &at(0)).unwrap().label.as_deref(), Some("+82*"));
        assert!(idx.find(n("12125550100"), &at(0)).is_none());
    }

    /// A temporary rule matches until its end, exclusive; then the next most specific one.
    #[test]
    fn expired_rules_stop_matching_at_once() {
        let temp = Rule { until: Some(1_000), ..rule("070-1234-5678") };
        let idx = RuleIndex::new(vec![rule("+8270*"), temp, Rule { until: Some(500), ..rule("+82*") }]);
        let n = |s: &str| E164::from_digits(s).unwrap();
        let label = |digits, t| idx.find(n(digits), &at(t)).and_then(|r| r.label.clone());
        assert_eq!(label("827012345678", 999).as_deref(), Some("070-1234-5678"));
        assert_eq!(label("827012345678", 1_000).as_deref(), Some("+8270*"), "ended: the prefix matches");
        assert_eq!(label("821012345678", 499).as_deref(), Some("+82*"));
        assert_eq!(label("821012345678", 500), None);
    }

    /// A windowed or per-SIM rule matches inside its window and on its SIM only; the
    /// less specific rule takes over elsewhere.
    #[test]
    fn windows_and_sims_limit_a_rule() {
        let night = Window { days: Days::ALL, hours: Some(Hours::parse("22:00-07:00").unwrap()) };
        let idx = RuleIndex::new(vec![
            rule("+82*"),
            Rule { window: Some(night), ..rule("+8210*") },
            Rule { sim: Some("work".into()), ..rule("010-1234-5678") },
        ]);
        let n = E164::from_digits("821012345678").unwrap();
        let scope = |hh: u16, sim| Scope { at: 0, local: Some(LocalTime { weekday: 0, minute: hh * 60 }), sim };
        let label = |s: Scope| idx.find(n, &s).and_then(|r| r.label.clone()).unwrap();
        assert_eq!(label(scope(12, Some("work"))), "010-1234-5678");
        assert_eq!(label(scope(23, Some("personal"))), "+8210*", "another SIM: the night rule");
        assert_eq!(label(scope(23, None)), "+8210*", "no SIM known: rules for every SIM only");
        assert_eq!(label(scope(12, None)), "+82*", "outside the window");
        assert_eq!(label(Scope { local: None, ..scope(12, None) }), "+8210*", "no local time: windows do not limit");
    }
}
