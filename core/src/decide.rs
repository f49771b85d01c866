//! The decision precedence. The first step that has something to say decides:
//!
//! 1. emergency and essential numbers are always allowed, and so is every call in the
//!    callback window after the user dialled an emergency number;
//!    then, while the user paused screening, every call rings;
//! 2. the user's allow list, contacts and "not spam" reports allow (temporary rules only
//!    before they end);
//! 3. the user's block list and own spam reports block;
//! 4. hidden callers get the policy's hidden action;
//! 5. community evidence at or above the warn threshold warns, at or above the block
//!    threshold blocks (the policy may change the action per category);
//! 6. number-plan heuristics (representative, premium rate, one-ring risk, virtual
//!    operator, invalid number, neighbour spoofing, failed STIR/SHAKEN) warn by default;
//!    a repeated caller that a heuristic would silence rings with the warning instead;
//! 7. otherwise the unknown-caller action (allow by default), except for numbers the
//!    user called recently and repeated callers, which ring;
//! 8. in quiet hours, a call from steps 4 to 7 that would ring gets the quiet-hours
//!    action, unless the number was called recently or is a repeated caller.
//!
//! Rules may be limited to a window of the phone's local time and to a SIM; the hidden
//! and unknown-caller actions and the category actions to a window (outside it they
//! fall back to allow, and the category defaults).
//!
//! Everything here is pure: the screener gathers the inputs, this decides. Each step is
//! a function of its own, tested on its own.

use crate::community::Evidence;
use crate::decision::{Action, Call, Category, Decision, Reason, Reasons, Verification};
use crate::number::{Caller, NumberType, PhoneNumber, Prefix, Region};
use crate::policy::Policy;
use crate::rules::{RuleIndex, Scope};
use crate::schedule::LocalTime;
use std::collections::{HashMap, HashSet};

/// The user's own last report about a number.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct OwnReport {
    pub spam: bool,
    pub category: Category,
}

/// Everything a decision depends on besides the call itself.
pub struct Context<'a> {
    pub home: Region,
    pub policy: &'a Policy,
    pub allow: &'a RuleIndex,
    pub block: &'a RuleIndex,
    pub contacts: &'a HashSet<u64>,
    pub own_reports: &'a HashMap<u64, OwnReport>,
    /// When the user last dialled an emergency number (Unix seconds).
    pub last_emergency_call: Option<i64>,
    /// The last time the user called each number (Unix seconds).
    pub called: &'a HashMap<u64, i64>,
    /// Screening is paused until this moment (Unix seconds), if the user paused it.
    pub paused_until: Option<i64>,
}

/// Decides what to do with a call. `community` is only asked when steps 1-4 did not
/// decide, so most allowed calls never touch the community table. No call counts as
/// repeated here: see [`decide_with`]. (The unit tests' shorthand.)
#[cfg(test)]
pub fn decide(
    ctx: &Context,
    call: &Call,
    caller: &Caller,
    community: impl FnOnce(&PhoneNumber) -> Option<Evidence>,
) -> Decision {
    decide_with(ctx, call, caller, community, |_| 0)
}

/// [`decide`], with `repeats`: how many calls from the number count for the repeat rule,
/// this one included (the history's, spaced by `repeat.min-gap-seconds`). It is asked
/// only when the answer can change the decision: the repeat rule is on, the community
/// does not list the number, and a heuristic would silence the call or the
/// unknown-caller action would not let it ring.
pub fn decide_with(
    ctx: &Context,
    call: &Call,
    caller: &Caller,
    community: impl FnOnce(&PhoneNumber) -> Option<Evidence>,
    repeats: impl FnOnce(&PhoneNumber) -> u32,
) -> Decision {
    if let Some(d) = emergency_callback(ctx, call, caller) {
        return d;
    }
    let number = match caller {
        Caller::Number(n) => Some(n),
        _ => None,
    };
    if let Some(d) = number.and_then(emergency).or_else(|| paused(ctx, call, number)) {
        return d;
    }
    let n = match caller {
        Caller::Hidden => return quiet_hours(ctx, call, None, hidden_at(ctx, call), &mut || false),
        Caller::Malformed(_) => {
            let d = heuristics(ctx, call, None).unwrap_or_else(|| allow(None));
            return quiet_hours(ctx, call, None, d, &mut || false);
        }
        Caller::Number(n) => n,
    };
    if let Some(d) = allowed(ctx, call, n).or_else(|| blocked(ctx, call, n)) {
        return d;
    }
    let evidence = community(n);
    // The repeat count is read at most once, and only when a step asks.
    let mut repeats = Some(repeats);
    let mut counted = None;
    let mut repeated = || {
        *counted.get_or_insert_with(|| {
            repeat_applies(ctx.policy, evidence.as_ref())
                && repeats.take().is_some_and(|count| count(n) >= ctx.policy.repeat_calls)
        })
    };
    let d = match community_step_at(ctx, call, n, evidence) {
        Some(d) => d,
        None => match heuristics(ctx, call, Some(n)) {
            Some(d) => repeated_through_heuristics(d, &mut repeated),
            None => unknown_caller(ctx, call, n, &mut repeated),
        },
    };
    let mut d = quiet_hours(ctx, call, Some(n), d, &mut repeated);
    d.score = evidence.map(|e| e.score);
    d
}

/// The phone's local time at the call: its instant plus the offset it gave (UTC when it
/// gave none); `None` when the call has no time.
pub fn local_time(call: &Call) -> Option<LocalTime> {
    call.at.map(|at| LocalTime::at(at, call.utc_offset.unwrap_or(0)))
}

/// What a rule's end, window and SIM are checked against for this call.
pub fn scope<'c>(call: &Call<'c>) -> Scope<'c> {
    Scope { at: rule_time(call), local: local_time(call), sim: call.sim }
}

fn decision(
    action: Action,
    category: Category,
    reasons: Reasons,
    label: Option<String>,
    n: Option<&PhoneNumber>,
) -> Decision {
    Decision {
        action,
        category,
        label,
        reasons,
        score: None,
        number: n.map(|n| n.e164),
        number_type: n.map_or(NumberType::Unknown, |n| n.number_type),
        region: n.and_then(|n| n.region),
    }
}

/// Nothing against the caller: it rings.
pub fn allow(n: Option<&PhoneNumber>) -> Decision {
    decision(Action::Allow, Category::None, Reasons::default(), None, n)
}

/// Step 1: emergency and essential services always ring.
pub fn emergency(n: &PhoneNumber) -> Option<Decision> {
    n.traits.emergency.then(|| {
        let label = Some(Category::Emergency.label().to_string());
        decision(Action::Allow, Category::Emergency, Reasons::of(Reason::Emergency), label, Some(n))
    })
}

/// Step 1, too: after the user dialled an emergency number, every call rings for the
/// policy's window, hidden and unknown callers included: services call back from numbers
/// nobody has in their contacts, often withheld. `call.at` is the call's time.
pub fn emergency_callback(ctx: &Context, call: &Call, caller: &Caller) -> Option<Decision> {
    let dialled = ctx.last_emergency_call?;
    let window = i64::from(ctx.policy.emergency_callback_minutes) * 60;
    let at = call.at?;
    (at >= dialled && at - dialled < window).then(|| {
        let n = match caller {
            Caller::Number(n) => Some(n),
            _ => None,
        };
        let label = Some("Possible emergency callback".to_string());
        decision(Action::Allow, Category::Emergency, Reasons::of(Reason::EmergencyCallback), label, n)
    })
}

/// Step 1, last: while the user paused screening, every call rings (emergency numbers and
/// the callback window ring anyway). The pause ends by itself at `paused_until`.
pub fn paused(ctx: &Context, call: &Call, n: Option<&PhoneNumber>) -> Option<Decision> {
    let until = ctx.paused_until?;
    let at = call.at?;
    (at < until).then(|| {
        decision(Action::Allow, Category::None, Reasons::of(Reason::Paused), Some("Screening paused".into()), n)
    })
}

/// The time rules are matched at: the call's, or (no time given) any time, so a
/// temporary rule still matches.
fn rule_time(call: &Call) -> i64 {
    call.at.unwrap_or(i64::MIN)
}

/// The allow rule that lets the number through, if any: a number or prefix rule; else a
/// group rule (`region:JP`) unless a number or prefix rule blocks the number or the user
/// reported it (a specific number beats a group; at the same level allow beats block).
pub fn allow_rule<'c>(ctx: &'c Context, call: &Call, n: &PhoneNumber) -> Option<&'c crate::rules::Rule> {
    let scope = scope(call);
    ctx.allow.find(n.e164, &scope).or_else(|| {
        let reported = || ctx.own_reports.get(&n.e164.as_u64()).is_some_and(|r| r.spam);
        if !ctx.allow.has_groups() || ctx.block.find(n.e164, &scope).is_some() || reported() {
            return None;
        }
        ctx.allow.find_group(n, ctx.home, &scope)
    })
}

/// The block rule that blocks the number, if any: a number or prefix rule, else a
/// group rule. (An allow rule at the same level or a more specific one wins before.)
pub fn block_rule<'c>(ctx: &'c Context, call: &Call, n: &PhoneNumber) -> Option<&'c crate::rules::Rule> {
    let scope = scope(call);
    ctx.block.find(n.e164, &scope).or_else(|| {
        if !ctx.block.has_groups() {
            return None;
        }
        ctx.block.find_group(n, ctx.home, &scope)
    })
}

/// Step 2: the allow list, contacts, and numbers the user said are not spam.
pub fn allowed(ctx: &Context, call: &Call, n: &PhoneNumber) -> Option<Decision> {
    let key = n.e164.as_u64();
    let (reason, label) = if let Some(rule) = allow_rule(ctx, call, n) {
        (Reason::AllowList, rule.label.clone().unwrap_or_else(|| "On your allow list".into()))
    } else if call.is_contact || ctx.contacts.contains(&key) {
        (Reason::Contact, "Contact".into())
    } else if ctx.own_reports.get(&key).is_some_and(|r| !r.spam) {
        (Reason::NotSpam, "You marked this number as not spam".into())
    } else {
        return None;
    };
    Some(decision(Action::Allow, Category::Personal, Reasons::of(reason), Some(label), Some(n)))
}

/// Step 3: the block list, and numbers the user reported as spam. The user's own report
/// is about this very number: it comes before a group rule (whose label would say less).
pub fn blocked(ctx: &Context, call: &Call, n: &PhoneNumber) -> Option<Decision> {
    let scope = scope(call);
    let list = |rule: &crate::rules::Rule| {
        let label = rule.label.clone().unwrap_or_else(|| "On your block list".into());
        decision(Action::Block, Category::Personal, Reasons::of(Reason::BlockList), Some(label), Some(n))
    };
    if let Some(rule) = ctx.block.find(n.e164, &scope) {
        return Some(list(rule));
    }
    if let Some(report) = ctx.own_reports.get(&n.e164.as_u64()).filter(|r| r.spam) {
        let label = format!("You reported: {}", report.category.label());
        return Some(decision(Action::Block, report.category, Reasons::of(Reason::Reported), Some(label), Some(n)));
    }
    ctx.block.has_groups().then(|| ctx.block.find_group(n, ctx.home, &scope)).flatten().map(list)
}

/// Step 4: a caller who hides their number, with no time to check the hidden window at.
#[cfg(test)]
pub fn hidden(ctx: &Context) -> Decision {
    hidden_at(ctx, &Call::default())
}

/// Step 4: a caller who hides their number gets the hidden action inside its window
/// (`hidden.hours`, `hidden.days`), and rings outside it.
pub fn hidden_at(ctx: &Context, call: &Call) -> Decision {
    let label = Some(Category::Hidden.label().to_string());
    let action = ctx.policy.hidden_action_at(&scope(call));
    decision(action, Category::Hidden, Reasons::of(Reason::Hidden), label, None)
}

/// Step 5: community evidence against the thresholds, the category actions as they
/// are whatever the time (the Call Directory's view). See [`community_step_at`].
pub fn community_step(ctx: &Context, n: &PhoneNumber, evidence: Option<Evidence>) -> Option<Decision> {
    community_step_at(ctx, &Call::default(), n, evidence)
}

/// Step 5: community evidence against the thresholds. A category whose action the user
/// set to `allow` lets the call on to the heuristics; the user's category actions hold
/// inside `category.hours`/`category.days` only.
pub fn community_step_at(ctx: &Context, call: &Call, n: &PhoneNumber, evidence: Option<Evidence>) -> Option<Decision> {
    let e = evidence?;
    let action = community_action_at(ctx.policy, &e, &scope(call))?;
    let mut reasons = Reasons::of(Reason::Community);
    let label = if e.disputed {
        reasons.insert(Reason::Disputed);
        format!("{} (community score {:.0}, disputed)", e.category.label(), e.score)
    } else {
        format!("{} (community score {:.0})", e.category.label(), e.score)
    };
    Some(decision(action, e.category, reasons, Some(label), Some(n)))
}

/// What community evidence alone does under the policy: warn at or above the warn
/// threshold, block at or above the block threshold, unless the user chose another action
/// for the category. `None` below the warn threshold, or when the category is allowed.
/// (Step 5, and the import summary's count of what an imported list does now.)
pub fn community_action(policy: &Policy, e: &Evidence) -> Option<Action> {
    community_action_at(policy, e, &Scope::ANY)
}

/// [`community_action`] for a call in `scope` (the category window and SIM apply). A disputed
/// listing, held for the server operator's review, at most warns, whatever the score and
/// the category's action.
pub fn community_action_at(policy: &Policy, e: &Evidence, scope: &Scope) -> Option<Action> {
    if e.score < policy.warn_threshold {
        return None;
    }
    let default = if e.score >= policy.block_threshold { Action::Block } else { Action::Warn };
    let action = policy.action_for_at(e.category, default, scope);
    let action = if e.disputed { action.min(Action::Warn) } else { action };
    Some(action).filter(|a| *a != Action::Allow)
}

/// Step 6: what the number itself and the network say. Every heuristic that fires is a
/// reason; the strongest action among them (per the policy's categories) wins.
pub fn heuristics(ctx: &Context, call: &Call, n: Option<&PhoneNumber>) -> Option<Decision> {
    let mut fired: Vec<(Reason, Category, String)> = Vec::new();
    match n {
        None => fired.push((Reason::InvalidNumber, Category::Spoofed, "Invalid caller ID".into())),
        Some(n) => {
            let t = n.traits;
            if t.representative {
                fired.push((
                    Reason::RepresentativeNumber,
                    Category::Representative,
                    Category::Representative.label().into(),
                ));
            }
            if t.premium_rate || n.number_type == NumberType::PremiumRate {
                fired.push((Reason::PremiumRate, Category::PremiumRate, Category::PremiumRate.label().into()));
            }
            if t.one_ring_risk && is_abroad(n, ctx.home) {
                let label = format!("{} (+{})", Category::OneRing.label(), n.country_code);
                fired.push((Reason::OneRingRisk, Category::OneRing, label));
            }
            if t.virtual_operator {
                fired.push((
                    Reason::VirtualOperator,
                    Category::VirtualOperator,
                    Category::VirtualOperator.label().into(),
                ));
            }
            if !n.valid {
                fired.push((Reason::InvalidNumber, Category::Spoofed, "Invalid number, possibly spoofed".into()));
            }
            if call.verification != Verification::Passed && is_neighbour(n, ctx.policy) {
                fired.push((Reason::NeighbourSpoofing, Category::Spoofed, "Possible neighbour spoofing".into()));
            }
        }
    }
    if call.verification == Verification::Failed {
        fired.push((Reason::StirFailed, Category::Spoofed, "Caller ID failed verification".into()));
    }
    let mut reasons = Reasons::default();
    let mut best: Option<(Action, Category, String)> = None;
    let call_scope = scope(call);
    for (reason, category, label) in fired {
        reasons.insert(reason);
        let action = ctx.policy.action_for_at(category, Action::Warn, &call_scope);
        if best.as_ref().is_none_or(|(a, _, _)| action > *a) {
            best = Some((action, category, label));
        }
    }
    let (action, category, label) = best?;
    Some(decision(action, category, reasons, Some(label), n))
}

/// The repeat rule may let this number through: it is on, and the community does not
/// list the number at or above the warn threshold (bots that dial twice are usually
/// listed; and a number the user reported after it broke through is blocked in step 3).
fn repeat_applies(policy: &Policy, evidence: Option<&Evidence>) -> bool {
    policy.repeat_calls > 0 && evidence.is_none_or(|e| e.score < policy.warn_threshold)
}

/// Step 6, for a repeated caller: a heuristic that would silence the call lets it ring
/// with its warning instead. A warning rings anyway; a heuristic the user set to block
/// stays a block.
fn repeated_through_heuristics(mut d: Decision, repeated: &mut impl FnMut() -> bool) -> Decision {
    if d.action == Action::Silence && repeated() {
        d.action = Action::Warn;
        d.reasons.insert(Reason::RepeatedCaller);
    }
    d
}

/// Whether the user called the number within `known.outgoing-days` of the call.
pub fn called_recently(ctx: &Context, call: &Call, n: &PhoneNumber) -> bool {
    let days = i64::from(ctx.policy.known_outgoing_days);
    let Some(&last) = ctx.called.get(&n.e164.as_u64()) else { return false };
    days > 0 && call.at.unwrap_or(last).saturating_sub(last) < days * 86_400
}

/// Step 7: a caller nothing decided. The policy's unknown-caller action (`unknown`, in
/// its window), except for numbers the user called recently and repeated callers, which
/// ring.
pub fn unknown_caller(ctx: &Context, call: &Call, n: &PhoneNumber, repeated: &mut impl FnMut() -> bool) -> Decision {
    let mode = ctx.policy.unknown_action_at(&scope(call));
    if mode == Action::Allow {
        return allow(Some(n));
    }
    if called_recently(ctx, call, n) {
        let label = Some("You called this number recently".into());
        return decision(Action::Allow, Category::Personal, Reasons::default(), label, Some(n));
    }
    let mut reasons = Reasons::of(Reason::UnknownCaller);
    if repeated() {
        reasons.insert(Reason::RepeatedCaller);
        return decision(Action::Allow, Category::None, reasons, Some("Repeated call".into()), Some(n));
    }
    decision(mode, Category::None, reasons, Some("Unknown caller".into()), Some(n))
}

/// Step 8: quiet hours. A call the steps before would let ring (or warn about more
/// mildly than the quiet-hours action) gets `quiet.action`, unless the user called the
/// number recently or it is a repeated caller. Contacts and the allow list never get here.
pub fn quiet_hours(
    ctx: &Context,
    call: &Call,
    n: Option<&PhoneNumber>,
    mut d: Decision,
    repeated: &mut impl FnMut() -> bool,
) -> Decision {
    let quiet = ctx.policy.quiet_action;
    if d.action >= quiet || !ctx.policy.is_quiet(&scope(call)) {
        return d;
    }
    if d.reasons.contains(Reason::RepeatedCaller) || n.is_some_and(|n| called_recently(ctx, call, n)) {
        return d;
    }
    if n.is_some() && repeated() {
        d.reasons.insert(Reason::RepeatedCaller);
        return d;
    }
    d.action = quiet;
    d.reasons.insert(Reason::QuietHours);
    if d.label.is_none() {
        d.label = Some("Quiet hours".into());
    }
    d
}

/// The caller is outside the user's region (a +1 876 Jamaican number is abroad for a
/// US user, though both share country code 1).
fn is_abroad(n: &PhoneNumber, home: Region) -> bool {
    match n.region {
        Some(r) => r != home,
        None => Some(n.country_code) != home.country_code(),
    }
}

/// The caller's number shares all but its last four digits with the user's own: the
/// trick robocallers use to look local. Calls "from" the user's own number count too.
fn is_neighbour(n: &PhoneNumber, policy: &Policy) -> bool {
    let Some(own) = policy.own_number else { return false };
    let len = n.e164.len();
    if len != own.len() || len < 10 {
        return false;
    }
    Prefix::of(n.e164, len - 4) == Prefix::of(own, len - 4)
}

/// Each step on an in-memory [`Context`]: no SQLite, no import. Numbers come from the
/// parser (pure) or are built with the traits a test needs, so a step is tested on its
/// own logic, not on the numbering-plan tables.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::{parse, parse_pattern, Traits};
    use crate::rules::{List, Rule};

    /// What a context borrows, owned.
    struct World {
        home: Region,
        policy: Policy,
        allow: RuleIndex,
        block: RuleIndex,
        contacts: HashSet<u64>,
        own_reports: HashMap<u64, OwnReport>,
        last_emergency_call: Option<i64>,
        called: HashMap<u64, i64>,
        paused_until: Option<i64>,
    }

    impl World {
        fn new(home: Region) -> World {
            World {
                home,
                policy: Policy::default(),
                allow: RuleIndex::default(),
                block: RuleIndex::default(),
                contacts: HashSet::new(),
                own_reports: HashMap::new(),
                last_emergency_call: None,
                called: HashMap::new(),
                paused_until: None,
            }
        }

        fn rules(mut self, list: List, rules: &[(&str, Option<&str>)]) -> World {
            let rules = rules
                .iter()
                .map(|(p, label)| Rule {
                    list,
                    pattern: parse_pattern(p, self.home).unwrap(),
                    label: label.map(String::from),
                    created_at: 0,
                    until: None,
                    window: None,
                    sim: None,
                })
                .collect();
            match list {
                List::Allow => self.allow = RuleIndex::new(rules),
                List::Block => self.block = RuleIndex::new(rules),
            }
            self
        }

        fn setting(mut self, key: &str, value: &str) -> World {
            self.policy.set(key, value, self.home).unwrap();
            self
        }

        fn report(mut self, raw: &str, spam: bool, category: Category) -> World {
            self.own_reports.insert(num(raw, self.home).e164.as_u64(), OwnReport { spam, category });
            self
        }

        fn ctx(&self) -> Context<'_> {
            Context {
                home: self.home,
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

    fn num(raw: &str, home: Region) -> PhoneNumber {
        match parse(raw, home) {
            Caller::Number(n) => n,
            other => panic!("{raw:?} reads as {other:?}"),
        }
    }

    /// A plain, valid KR mobile number with the given traits and nothing else.
    fn with_traits(traits: Traits) -> PhoneNumber {
        let n = num("010-1234-5678", Region::KR);
        assert_eq!((n.traits, n.valid, n.number_type), (Traits::default(), true, NumberType::Mobile));
        PhoneNumber { traits, ..n }
    }

    fn reasons(d: &Decision) -> Vec<&'static str> {
        d.reasons.iter().map(|r| r.as_str()).collect()
    }

    /// (action, category, reasons, label) of a decision.
    fn seen(d: &Decision) -> (Action, Category, Vec<&'static str>, Option<String>) {
        (d.action, d.category, reasons(d), d.label.clone())
    }

    fn evidence(score: f64, category: Category) -> Evidence {
        Evidence { score, category, votes: score, last_activity: 0, disputed: false }
    }

    #[test]
    fn step1_emergency() {
        for (raw, home) in [("112", Region::KR), ("119", Region::KR), ("911", Region::US), ("+82 112", Region::US)] {
            let n = num(raw, home);
            let d = emergency(&n).unwrap_or_else(|| panic!("{raw} in {home:?}"));
            assert_eq!(
                seen(&d),
                (Action::Allow, Category::Emergency, vec!["emergency"], Some("Emergency number".into()))
            );
            assert_eq!(d.number, Some(n.e164));
        }
        assert!(emergency(&num("010-1234-5678", Region::KR)).is_none());
        // The step reads the trait, whatever the number.
        let flagged = with_traits(Traits { emergency: true, ..Traits::default() });
        assert_eq!(emergency(&flagged).map(|d| d.action), Some(Action::Allow));
    }

    /// The callback step: only the window decides.
    #[test]
    fn step1_emergency_callback() {
        let mut w = World::new(Region::KR);
        let caller = parse("010-1234-5678", Region::KR);
        let call = |at| Call { caller_id: "010-1234-5678", at: Some(at), ..Call::default() };
        assert!(emergency_callback(&w.ctx(), &call(100), &caller).is_none());
        w.last_emergency_call = Some(100);
        let d = emergency_callback(&w.ctx(), &call(100 + 3599), &caller).unwrap();
        assert_eq!(
            seen(&d),
            (
                Action::Allow,
                Category::Emergency,
                vec!["emergency_callback"],
                Some("Possible emergency callback".into())
            )
        );
        assert!(d.number.is_some());
        assert!(emergency_callback(&w.ctx(), &call(100 + 3600), &caller).is_none());
        assert!(emergency_callback(&w.ctx(), &call(99), &caller).is_none());
        let hidden = emergency_callback(&w.ctx(), &call(200), &Caller::Hidden).unwrap();
        assert_eq!((hidden.action, hidden.number), (Action::Allow, None));
        // Without the call's time there is no window to be in.
        let no_time = Call { at: None, ..call(0) };
        assert!(emergency_callback(&w.ctx(), &no_time, &caller).is_none());
        // The window is the policy's; 0 turns it off.
        let w = World { last_emergency_call: Some(100), ..World::new(Region::KR) }
            .setting("emergency.callback-minutes", "2");
        assert!(emergency_callback(&w.ctx(), &call(100 + 119), &caller).is_some());
        assert!(emergency_callback(&w.ctx(), &call(100 + 120), &caller).is_none());
        let w = World { last_emergency_call: Some(100), ..World::new(Region::KR) }
            .setting("emergency.callback-minutes", "0");
        assert!(emergency_callback(&w.ctx(), &call(100), &caller).is_none());
    }

    #[test]
    fn step2_allowed() {
        let kr = Region::KR;
        let mut w = World::new(kr)
            .rules(List::Allow, &[("010-1111-2222", Some("Mum")), ("+8231*", None)])
            .report("010-5555-6666", false, Category::Unknown)
            .report("010-7777-8888", true, Category::Scam);
        w.contacts.insert(num("010-3333-4444", kr).e164.as_u64());
        let plain = Call::new("");
        let allowed = |w: &World, raw: &str, call: &Call| allowed(&w.ctx(), call, &num(raw, kr)).map(|d| seen(&d));
        assert_eq!(
            allowed(&w, "010-1111-2222", &plain),
            Some((Action::Allow, Category::Personal, vec!["allow_list"], Some("Mum".into())))
        );
        assert_eq!(
            allowed(&w, "031-123-4567", &plain),
            Some((Action::Allow, Category::Personal, vec!["allow_list"], Some("On your allow list".into())))
        );
        assert_eq!(
            allowed(&w, "010-3333-4444", &plain),
            Some((Action::Allow, Category::Personal, vec!["contact"], Some("Contact".into())))
        );
        // The platform's word that the caller is a contact is enough.
        let contact = Call { is_contact: true, ..plain };
        assert_eq!(allowed(&w, "010-9999-0000", &contact).map(|d| d.2), Some(vec!["contact"]));
        assert_eq!(
            allowed(&w, "010-5555-6666", &plain),
            Some((
                Action::Allow,
                Category::Personal,
                vec!["not_spam"],
                Some("You marked this number as not spam".into())
            ))
        );
        // A spam report and an unknown number are not this step's business.
        assert_eq!(allowed(&w, "010-7777-8888", &plain), None);
        assert_eq!(allowed(&w, "010-9999-0000", &plain), None);
        // One reason: the allow list before contacts before "not spam".
        w.contacts.insert(num("010-1111-2222", kr).e164.as_u64());
        w.own_reports
            .insert(num("010-3333-4444", kr).e164.as_u64(), OwnReport { spam: false, category: Category::Unknown });
        assert_eq!(allowed(&w, "010-1111-2222", &plain).map(|d| d.2), Some(vec!["allow_list"]));
        assert_eq!(allowed(&w, "010-3333-4444", &plain).map(|d| d.2), Some(vec!["contact"]));
    }

    #[test]
    fn step3_blocked() {
        let kr = Region::KR;
        let w = World::new(kr)
            .rules(List::Block, &[("070*", Some("VoIP")), ("02-123-4567", None)])
            .report("010-7777-8888", true, Category::Telemarketing)
            .report("010-5555-6666", false, Category::Unknown);
        let blocked = |raw: &str| blocked(&w.ctx(), &Call::default(), &num(raw, kr)).map(|d| seen(&d));
        assert_eq!(
            blocked("070-1234-5678"),
            Some((Action::Block, Category::Personal, vec!["block_list"], Some("VoIP".into())))
        );
        assert_eq!(
            blocked("+82 2 123 4567"),
            Some((Action::Block, Category::Personal, vec!["block_list"], Some("On your block list".into())))
        );
        assert_eq!(
            blocked("010-7777-8888"),
            Some((
                Action::Block,
                Category::Telemarketing,
                vec!["reported"],
                Some("You reported: Telemarketing".into())
            ))
        );
        assert_eq!(blocked("010-5555-6666"), None, "not spam is step 2's");
        assert_eq!(blocked("010-1234-5678"), None);
        // The block list is asked before the user's reports.
        let both =
            World::new(kr).rules(List::Block, &[("010-7777-8888", None)]).report("010-7777-8888", true, Category::Scam);
        assert_eq!(
            super::blocked(&both.ctx(), &Call::default(), &num("010-7777-8888", kr)).map(|d| reasons(&d)),
            Some(vec!["block_list"])
        );
    }

    #[test]
    fn step4_hidden() {
        let d = hidden(&World::new(Region::US).ctx());
        assert_eq!(seen(&d), (Action::Allow, Category::Hidden, vec!["hidden"], Some("Hidden number".into())));
        assert_eq!((d.number, d.number_type, d.region), (None, NumberType::Unknown, None));
        for action in ["warn", "silence", "block"] {
            let w = World::new(Region::US).setting("hidden", action);
            assert_eq!(hidden(&w.ctx()).action.as_str(), action);
        }
    }

    #[test]
    fn step5_a_disputed_listing_at_most_warns() {
        let n = num("(212) 555-0100", Region::US);
        let held = |score| Evidence { disputed: true, ..evidence(score, Category::Scam) };
        let w = World::new(Region::US);
        let step = |w: &World, e: Evidence| community_step(&w.ctx(), &n, Some(e)).map(|d| seen(&d));
        assert_eq!(
            step(&w, held(50.0)),
            Some((
                Action::Warn,
                Category::Scam,
                vec!["community", "disputed"],
                Some("Scam (community score 50, disputed)".into())
            ))
        );
        // Whatever the user chose for the category; below the warn threshold, nothing.
        let strict = World::new(Region::US).setting("category.scam", "block");
        assert_eq!(step(&strict, held(3.0)).map(|d| d.0), Some(Action::Warn));
        assert_eq!(step(&w, held(1.0)), None);
        let allowed = World::new(Region::US).setting("category.scam", "allow");
        assert_eq!(step(&allowed, held(50.0)), None, "allow stays allow");
    }

    #[test]
    fn step5_community() {
        let w = World::new(Region::US);
        let n = num("(212) 555-0100", Region::US);
        let step = |w: &World, e: Option<Evidence>| community_step(&w.ctx(), &n, e).map(|d| seen(&d));
        assert_eq!(step(&w, None), None);
        assert_eq!(step(&w, Some(evidence(1.99, Category::Scam))), None, "below the warn threshold (2)");
        assert_eq!(
            step(&w, Some(evidence(2.0, Category::Telemarketing))),
            Some((
                Action::Warn,
                Category::Telemarketing,
                vec!["community"],
                Some("Telemarketing (community score 2)".into())
            ))
        );
        assert_eq!(step(&w, Some(evidence(4.99, Category::Scam))).map(|d| d.0), Some(Action::Warn));
        assert_eq!(
            step(&w, Some(evidence(5.0, Category::Scam))),
            Some((Action::Block, Category::Scam, vec!["community"], Some("Scam (community score 5)".into())))
        );
        // The thresholds are the policy's.
        let strict = World::new(Region::US).setting("threshold.warn", "0.5").setting("threshold.block", "1");
        assert_eq!(step(&strict, Some(evidence(0.5, Category::Scam))).map(|d| d.0), Some(Action::Warn));
        assert_eq!(step(&strict, Some(evidence(1.0, Category::Scam))).map(|d| d.0), Some(Action::Block));
        // A category's action replaces warn and block alike; `allow` passes the call on.
        let w = World::new(Region::US).setting("category.robocall", "silence").setting("category.survey", "allow");
        assert_eq!(step(&w, Some(evidence(3.0, Category::Robocall))).map(|d| d.0), Some(Action::Silence));
        assert_eq!(step(&w, Some(evidence(50.0, Category::Robocall))).map(|d| d.0), Some(Action::Silence));
        assert_eq!(step(&w, Some(evidence(50.0, Category::Survey))), None);
        assert_eq!(step(&w, Some(evidence(1.0, Category::Robocall))), None, "an override does not lower the threshold");
        let w = World::new(Region::US).setting("category.unknown", "block");
        assert_eq!(step(&w, Some(evidence(2.0, Category::Unknown))).map(|d| d.0), Some(Action::Block));
    }

    #[test]
    fn step6_each_trait_on_its_own() {
        let w = World::new(Region::KR);
        let plain = Call::new("");
        let fired = |n: &PhoneNumber| heuristics(&w.ctx(), &plain, Some(n)).map(|d| seen(&d));
        assert_eq!(fired(&with_traits(Traits::default())), None, "a plain number");
        let t = Traits::default();
        assert_eq!(
            fired(&with_traits(Traits { representative: true, ..t })),
            Some((
                Action::Warn,
                Category::Representative,
                vec!["representative_number"],
                Some("Representative number".into())
            ))
        );
        assert_eq!(
            fired(&with_traits(Traits { premium_rate: true, ..t })),
            Some((Action::Warn, Category::PremiumRate, vec!["premium_rate"], Some("Premium-rate number".into())))
        );
        // The metadata's premium-rate type is enough on its own.
        let typed = PhoneNumber { number_type: NumberType::PremiumRate, ..with_traits(t) };
        assert_eq!(fired(&typed).map(|d| d.2), Some(vec!["premium_rate"]));
        assert_eq!(
            fired(&with_traits(Traits { virtual_operator: true, ..t })),
            Some((
                Action::Warn,
                Category::VirtualOperator,
                vec!["virtual_operator"],
                Some("Virtual-operator number".into())
            ))
        );
        let invalid = PhoneNumber { valid: false, ..with_traits(t) };
        assert_eq!(
            fired(&invalid),
            Some((
                Action::Warn,
                Category::Spoofed,
                vec!["invalid_number"],
                Some("Invalid number, possibly spoofed".into())
            ))
        );
        // A caller ID that is no number at all.
        let d = heuristics(&w.ctx(), &plain, None).unwrap();
        assert_eq!(
            seen(&d),
            (Action::Warn, Category::Spoofed, vec!["invalid_number"], Some("Invalid caller ID".into()))
        );
        assert_eq!(d.number, None);
    }

    #[test]
    fn step6_one_ring_risk_only_from_abroad() {
        let t = Traits { one_ring_risk: true, ..Traits::default() };
        let plain = Call::new("");
        // +225 (Ivory Coast) calling a KR phone.
        let ci = PhoneNumber { traits: t, ..num("+225 07 07 07 07 07", Region::KR) };
        let kr = World::new(Region::KR);
        let d = heuristics(&kr.ctx(), &plain, Some(&ci)).unwrap();
        assert_eq!(
            seen(&d),
            (Action::Warn, Category::OneRing, vec!["one_ring_risk"], Some("Possible one-ring scam (+225)".into()))
        );
        // At home it is an ordinary call.
        let home: Region = "CI".parse().unwrap();
        assert_eq!(ci.region, Some(home));
        assert!(heuristics(&World::new(home).ctx(), &plain, Some(&ci)).is_none());
        // A +1 876 (Jamaica) number is abroad for a US phone, though both dial +1.
        let jm = PhoneNumber { traits: t, ..num("+1 876 555 1234", Region::US) };
        assert!(heuristics(&World::new(Region::US).ctx(), &plain, Some(&jm)).is_some());
        // Without a region the country code decides.
        let no_region = PhoneNumber { region: None, ..jm };
        assert!(heuristics(&World::new(Region::US).ctx(), &plain, Some(&no_region)).is_none());
        assert!(heuristics(&kr.ctx(), &plain, Some(&no_region)).is_some());
    }

    #[test]
    fn step6_neighbour_spoofing() {
        let us = Region::US;
        let w = World::new(us).setting("own-number", "(212) 555-0100");
        let call = |v| Call { caller_id: "", verification: v, ..Call::default() };
        let fired = |raw: &str, v| heuristics(&w.ctx(), &call(v), Some(&num(raw, us))).map(|d| seen(&d));
        let spoofed = Some((
            Action::Warn,
            Category::Spoofed,
            vec!["neighbour_spoofing"],
            Some("Possible neighbour spoofing".into()),
        ));
        assert_eq!(fired("(212) 555-0199", Verification::NotVerified), spoofed);
        assert_eq!(fired("(212) 555-0100", Verification::NotVerified), spoofed, "the user's own number too");
        assert_eq!(fired("(212) 555-0199", Verification::Passed), None, "a verified caller is not spoofed");
        assert_eq!(fired("(212) 556-0199", Verification::NotVerified), None, "other digits before the last four");
        assert_eq!(fired("+44 20 7031 3000", Verification::NotVerified), None);
        // No own number, no neighbours.
        let nobody = World::new(us);
        assert!(heuristics(&nobody.ctx(), &call(Verification::NotVerified), Some(&num("(212) 555-0199", us))).is_none());
        // Numbers shorter than ten digits have no neighbours (+298 30 20 10, Faroe
        // Islands, has nine); ten digits (KR 02-123-4567, +8221234567) have.
        let key = |digits: u64| crate::number::E164::from_u64(digits).unwrap();
        let mut short = World::new(Region::KR);
        short.policy.own_number = Some(key(298_302_010));
        let near = PhoneNumber { e164: key(298_302_099), ..with_traits(Traits::default()) };
        assert!(heuristics(&short.ctx(), &call(Verification::NotVerified), Some(&near)).is_none());
        let seoul = World::new(Region::KR).setting("own-number", "02-123-4567");
        let near = num("02-123-9999", Region::KR);
        assert_eq!(near.e164.len(), 10);
        assert!(heuristics(&seoul.ctx(), &call(Verification::NotVerified), Some(&near)).is_some());
    }

    #[test]
    fn step6_stir_failed() {
        let w = World::new(Region::US);
        let failed = Call { caller_id: "", verification: Verification::Failed, ..Call::default() };
        let n = num("(212) 555-0199", Region::US);
        let d = heuristics(&w.ctx(), &failed, Some(&n)).unwrap();
        assert_eq!(
            seen(&d),
            (Action::Warn, Category::Spoofed, vec!["stir_failed"], Some("Caller ID failed verification".into()))
        );
        // A malformed caller ID that failed verification: both reasons.
        let d = heuristics(&w.ctx(), &failed, None).unwrap();
        assert_eq!(reasons(&d), ["invalid_number", "stir_failed"]);
        let passed = Call { verification: Verification::Passed, ..failed };
        assert!(heuristics(&w.ctx(), &passed, Some(&n)).is_none());
    }

    #[test]
    fn step6_policy_category_overrides() {
        let t = Traits { representative: true, ..Traits::default() };
        let rep = with_traits(t);
        let failed = Call { caller_id: "", verification: Verification::Failed, ..Call::default() };
        // Every heuristic that fired is a reason; the first strongest action names the category.
        let w = World::new(Region::KR);
        let d = heuristics(&w.ctx(), &failed, Some(&rep)).unwrap();
        assert_eq!(
            (d.action, d.category, reasons(&d)),
            (Action::Warn, Category::Representative, vec!["representative_number", "stir_failed"])
        );
        let w = World::new(Region::KR).setting("category.spoofed", "block");
        let d = heuristics(&w.ctx(), &failed, Some(&rep)).unwrap();
        assert_eq!(
            (d.action, d.category, d.label.as_deref()),
            (Action::Block, Category::Spoofed, Some("Caller ID failed verification"))
        );
        assert_eq!(reasons(&d), ["representative_number", "stir_failed"]);
        let w = World::new(Region::KR).setting("category.representative", "silence");
        assert_eq!(
            heuristics(&w.ctx(), &Call::new(""), Some(&rep)).map(|d| (d.action, d.category)),
            Some((Action::Silence, Category::Representative))
        );
        // A category set to allow rings, and still says why.
        let w = World::new(Region::KR).setting("category.representative", "allow");
        let d = heuristics(&w.ctx(), &Call::new(""), Some(&rep)).unwrap();
        assert_eq!((d.action, reasons(&d)), (Action::Allow, vec!["representative_number"]));
        // Another heuristic that fires still warns.
        let d = heuristics(&w.ctx(), &failed, Some(&rep)).unwrap();
        assert_eq!((d.action, d.category), (Action::Warn, Category::Spoofed));
    }

    #[test]
    fn step7_allow() {
        let n = num("010-1234-5678", Region::KR);
        let d = allow(Some(&n));
        assert_eq!(seen(&d), (Action::Allow, Category::None, vec![], None));
        assert_eq!(
            (d.number, d.number_type, d.region, d.score),
            (Some(n.e164), NumberType::Mobile, Some(Region::KR), None)
        );
        assert_eq!(allow(None).number, None);
    }

    /// `decide` walks the steps in order: the first that has something to say decides,
    /// and the community is only asked when steps 1 to 4 had nothing to say.
    #[test]
    fn decide_precedence() {
        let kr = Region::KR;
        let base = || {
            World::new(kr)
                .rules(List::Allow, &[("010-1111-2222", Some("Mum"))])
                .rules(List::Block, &[("+8210*", Some("all mobiles")), ("1588*", None), ("119", None)])
                .report("1644-0000", true, Category::Scam)
                .setting("hidden", "block")
                .setting("category.spoofed", "block")
        };
        let w = base();
        let never = |n: &PhoneNumber| -> Option<Evidence> { panic!("community asked about {}", n.e164) };
        let scam = |_: &PhoneNumber| Some(evidence(50.0, Category::Scam));
        let decide_raw = |w: &World, call: &Call, community: &dyn Fn(&PhoneNumber) -> Option<Evidence>| {
            let d = decide(&w.ctx(), call, &parse(call.caller_id, kr), community);
            (d.action, reasons(&d))
        };
        let call = |raw| Call { caller_id: raw, at: Some(1_000), ..Call::default() };

        // 1. Emergency beats the block list, a failed verification and the community.
        let failed = Call { verification: Verification::Failed, ..call("119") };
        assert_eq!(decide_raw(&w, &failed, &never), (Action::Allow, vec!["emergency"]));
        // 1. The callback window beats everything, hidden callers included.
        let mut w = base();
        w.last_emergency_call = Some(900);
        assert_eq!(decide_raw(&w, &call("010-9999-0000"), &never), (Action::Allow, vec!["emergency_callback"]));
        assert_eq!(decide_raw(&w, &call(""), &never), (Action::Allow, vec!["emergency_callback"]));
        let w = base();
        // 2. The allow list beats the block list (the number is under +8210*).
        assert_eq!(decide_raw(&w, &call("010-1111-2222"), &never), (Action::Allow, vec!["allow_list"]));
        // 3. The block list and the user's report beat the community and the heuristics.
        assert_eq!(decide_raw(&w, &call("1588-1234"), &never), (Action::Block, vec!["block_list"]));
        assert_eq!(decide_raw(&w, &call("1644-0000"), &never), (Action::Block, vec!["reported"]));
        // 4. Hidden callers get the policy's action.
        assert_eq!(decide_raw(&w, &call("anonymous"), &never), (Action::Block, vec!["hidden"]));
        // 5. The community beats the heuristics: a representative number with votes.
        let d = decide(&w.ctx(), &call("1600-1234"), &parse("1600-1234", kr), scam);
        assert_eq!((d.action, reasons(&d), d.score), (Action::Block, vec!["community"], Some(50.0)));
        // 6. Below the threshold the heuristics decide, and the score is still told.
        let weak = |_: &PhoneNumber| Some(evidence(1.0, Category::Scam));
        let d = decide(&w.ctx(), &call("1600-1234"), &parse("1600-1234", kr), weak);
        assert_eq!((d.action, reasons(&d), d.score), (Action::Warn, vec!["representative_number"], Some(1.0)));
        // 6. A malformed caller ID goes straight to the heuristics.
        assert_eq!(decide_raw(&w, &call("call me maybe"), &never), (Action::Block, vec!["invalid_number"]));
        // 7. Nothing to say: the call rings.
        let d = decide(&w.ctx(), &call("02-123-4567"), &parse("02-123-4567", kr), |_| None);
        assert_eq!((d.action, reasons(&d), d.score), (Action::Allow, vec![], None));
    }

    /// The pause: every call rings while it lasts (`at < until`), hidden callers and the
    /// block list included; emergency numbers keep their own reason; then it is over.
    #[test]
    fn step1_paused() {
        let kr = Region::KR;
        let mut w = World::new(kr).rules(List::Block, &[("+8210*", None)]).setting("hidden", "block");
        w.paused_until = Some(1_000);
        let call = |raw, at| Call { caller_id: raw, at: Some(at), ..Call::default() };
        let decided = |w: &World, c: &Call| {
            let d = decide(&w.ctx(), c, &parse(c.caller_id, kr), |_| panic!("community asked while paused"));
            (d.action, reasons(&d), d.label)
        };
        let paused = (Action::Allow, vec!["paused"], Some("Screening paused".to_string()));
        assert_eq!(decided(&w, &call("010-5555-0101", 999)), paused);
        assert_eq!(decided(&w, &call("anonymous", 0)), paused);
        assert_eq!(decided(&w, &call("call me maybe", 0)), paused);
        assert_eq!(decided(&w, &call("119", 0)).1, ["emergency"], "emergency keeps its reason");
        let d = decide(&w.ctx(), &call("010-5555-0101", 1_000), &parse("010-5555-0101", kr), |_| None);
        assert_eq!((d.action, reasons(&d)), (Action::Block, vec!["block_list"]), "the pause ended");
        // Without the call's time there is no pause to apply.
        assert!(paused_step(&w, &Call::new("010-5555-0101")).is_none());
    }

    fn paused_step(w: &World, c: &Call) -> Option<Decision> {
        paused(&w.ctx(), c, None)
    }

    /// Step 7: the unknown-caller action, numbers the user called, repeated callers.
    #[test]
    fn step7_unknown_caller() {
        let kr = Region::KR;
        let n = num("010-2222-3333", kr);
        let at = |t| Call { caller_id: "", at: Some(t), ..Call::default() };
        let step = |w: &World, c: &Call, repeated: bool| {
            let d = unknown_caller(&w.ctx(), c, &n, &mut || repeated);
            (d.action, reasons(&d), d.label)
        };
        // Allow (the default) is the plain allow, whatever else.
        let w = World::new(kr);
        assert_eq!(step(&w, &at(0), true), (Action::Allow, vec![], None));
        for mode in ["warn", "silence", "block"] {
            let w = World::new(kr).setting("unknown", mode);
            let d = step(&w, &at(0), false);
            assert_eq!((d.0.as_str(), d.1, d.2.as_deref()), (mode, vec!["unknown_caller"], Some("Unknown caller")));
            assert_eq!(
                step(&w, &at(0), true),
                (Action::Allow, vec!["unknown_caller", "repeated_caller"], Some("Repeated call".into()))
            );
        }
        // A number the user called within known.outgoing-days (30) rings.
        let mut w = World::new(kr).setting("unknown", "block");
        w.called.insert(n.e164.as_u64(), 1_000);
        let known = (Action::Allow, vec![], Some("You called this number recently".to_string()));
        assert_eq!(step(&w, &at(1_000 + 30 * 86_400 - 1), false), known);
        assert_eq!(step(&w, &at(1_000 + 30 * 86_400), false).0, Action::Block, "31 days later");
        let w = w.setting("known.outgoing-days", "0");
        assert_eq!(step(&w, &at(1_001), false).0, Action::Block, "known.outgoing-days 0: off");
    }

    /// The repeat rule through `decide_with`: asked only when it can matter, never for
    /// hidden callers, the user's own block list or report, or numbers the community lists.
    #[test]
    fn repeated_callers() {
        let kr = Region::KR;
        let w = World::new(kr)
            .setting("unknown", "silence")
            .rules(List::Block, &[("010-7777-8888", None)])
            .report("010-6666-7777", true, Category::Scam)
            .setting("category.representative", "silence");
        fn call(raw: &str) -> Call<'_> {
            Call { caller_id: raw, at: Some(10_000), ..Call::default() }
        }
        let run = |w: &World, raw: &str, e: Option<Evidence>, count: u32| {
            let d = decide_with(&w.ctx(), &call(raw), &parse(raw, kr), |_| e, |_| count);
            (d.action, reasons(&d))
        };
        assert_eq!(run(&w, "010-2222-3333", None, 1), (Action::Silence, vec!["unknown_caller"]));
        assert_eq!(run(&w, "010-2222-3333", None, 2), (Action::Allow, vec!["unknown_caller", "repeated_caller"]));
        assert_eq!(run(&w, "010-7777-8888", None, 9), (Action::Block, vec!["block_list"]));
        assert_eq!(run(&w, "010-6666-7777", None, 9), (Action::Block, vec!["reported"]));
        // Listed by the community at the warn threshold: the community decides; with the
        // category allowed the number is still not let through by repeats.
        assert_eq!(run(&w, "010-2222-3333", Some(evidence(2.0, Category::Robocall)), 9).1, ["community"]);
        let lenient = World::new(kr).setting("unknown", "block").setting("category.robocall", "allow");
        assert_eq!(
            run(&lenient, "010-2222-3333", Some(evidence(2.0, Category::Robocall)), 9),
            (Action::Block, vec!["unknown_caller"])
        );
        // Below the threshold, repeats count.
        assert_eq!(run(&w, "010-2222-3333", Some(evidence(1.0, Category::Robocall)), 2).0, Action::Allow);
        // A heuristic's silence becomes a warning for a repeated caller; its block stays.
        assert_eq!(run(&w, "1588-1234", None, 1), (Action::Silence, vec!["representative_number"]));
        assert_eq!(run(&w, "1588-1234", None, 2), (Action::Warn, vec!["representative_number", "repeated_caller"]));
        let strict = World::new(kr).setting("category.representative", "block");
        assert_eq!(run(&strict, "1588-1234", None, 5).0, Action::Block);
        // Hidden callers never count; repeat.calls 0 turns the rule off.
        let hidden = World::new(kr).setting("hidden", "silence").setting("unknown", "silence");
        let d = decide_with(&hidden.ctx(), &call(""), &parse("", kr), |_| None, |_| panic!("counted a hidden caller"));
        assert_eq!((d.action, reasons(&d)), (Action::Silence, vec!["hidden"]));
        let off = w.setting("repeat.calls", "0");
        let d = decide_with(
            &off.ctx(),
            &call("010-2222-3333"),
            &parse("010-2222-3333", kr),
            |_| None,
            |_| panic!("counted with the rule off"),
        );
        assert_eq!(d.action, Action::Silence);
        // With unknown = allow nothing is counted.
        let plain = World::new(kr);
        let d = decide_with(
            &plain.ctx(),
            &call("010-2222-3333"),
            &parse("010-2222-3333", kr),
            |_| None,
            |_| panic!("counted with nothing to change"),
        );
        assert_eq!((d.action, reasons(&d)), (Action::Allow, vec![]));
    }
}
