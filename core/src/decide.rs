//! The decision precedence. The first step that has something to say decides:
//!
//! 1. emergency and essential numbers are always allowed, and so is every call in the
//!    callback window after the user dialled an emergency number;
//! 2. the user's allow list, contacts and "not spam" reports allow;
//! 3. the user's block list and own spam reports block;
//! 4. hidden callers get the policy's hidden action;
//! 5. community evidence at or above the warn threshold warns, at or above the block
//!    threshold blocks (the policy may change the action per category);
//! 6. number-plan heuristics (representative, premium rate, one-ring risk, virtual
//!    operator, invalid number, neighbour spoofing, failed STIR/SHAKEN) warn by default;
//! 7. otherwise the call rings.
//!
//! Everything here is pure: the screener gathers the inputs, this decides. Each step is
//! a function of its own, tested on its own.

use crate::community::Evidence;
use crate::decision::{Action, Call, Category, Decision, Reason, Reasons, Verification};
use crate::number::{Caller, NumberType, PhoneNumber, Prefix, Region};
use crate::policy::Policy;
use crate::rules::RuleIndex;
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
}

/// Decides what to do with a call. `community` is only asked when steps 1-4 did not
/// decide, so most allowed calls never touch the community table.
pub fn decide(
    ctx: &Context,
    call: &Call,
    caller: &Caller,
    community: impl FnOnce(&PhoneNumber) -> Option<Evidence>,
) -> Decision {
    if let Some(d) = emergency_callback(ctx, call, caller) {
        return d;
    }
    let n = match caller {
        Caller::Hidden => return hidden(ctx),
        Caller::Malformed(_) => return heuristics(ctx, call, None).unwrap_or_else(|| allow(None)),
        Caller::Number(n) => n,
    };
    if let Some(d) = emergency(n).or_else(|| allowed(ctx, call, n)).or_else(|| blocked(ctx, n)) {
        return d;
    }
    let evidence = community(n);
    let mut d =
        community_step(ctx, n, evidence).or_else(|| heuristics(ctx, call, Some(n))).unwrap_or_else(|| allow(Some(n)));
    d.score = evidence.map(|e| e.score);
    d
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

/// Step 7: nothing against the caller.
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

/// Step 2: the allow list, contacts, and numbers the user said are not spam.
pub fn allowed(ctx: &Context, call: &Call, n: &PhoneNumber) -> Option<Decision> {
    let key = n.e164.as_u64();
    let (reason, label) = if let Some(rule) = ctx.allow.find(n.e164) {
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

/// Step 3: the block list, and numbers the user reported as spam.
pub fn blocked(ctx: &Context, n: &PhoneNumber) -> Option<Decision> {
    if let Some(rule) = ctx.block.find(n.e164) {
        let label = rule.label.clone().unwrap_or_else(|| "On your block list".into());
        return Some(decision(Action::Block, Category::Personal, Reasons::of(Reason::BlockList), Some(label), Some(n)));
    }
    let report = ctx.own_reports.get(&n.e164.as_u64()).filter(|r| r.spam)?;
    let label = format!("You reported: {}", report.category.label());
    Some(decision(Action::Block, report.category, Reasons::of(Reason::Reported), Some(label), Some(n)))
}

/// Step 4: a caller who hides their number.
pub fn hidden(ctx: &Context) -> Decision {
    let label = Some(Category::Hidden.label().to_string());
    decision(ctx.policy.hidden_action, Category::Hidden, Reasons::of(Reason::Hidden), label, None)
}

/// Step 5: community evidence against the thresholds. A category whose action the user
/// set to `allow` lets the call on to the heuristics.
pub fn community_step(ctx: &Context, n: &PhoneNumber, evidence: Option<Evidence>) -> Option<Decision> {
    let e = evidence?;
    let p = ctx.policy;
    if e.score < p.warn_threshold {
        return None;
    }
    let default = if e.score >= p.block_threshold { Action::Block } else { Action::Warn };
    let action = p.action_for(e.category, default);
    if action == Action::Allow {
        return None;
    }
    let label = format!("{} (community score {:.0})", e.category.label(), e.score);
    Some(decision(action, e.category, Reasons::of(Reason::Community), Some(label), Some(n)))
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
    for (reason, category, label) in fired {
        reasons.insert(reason);
        let action = ctx.policy.action_for(category, Action::Warn);
        if best.as_ref().is_none_or(|(a, _, _)| action > *a) {
            best = Some((action, category, label));
        }
    }
    let (action, category, label) = best?;
    Some(decision(action, category, reasons, Some(label), n))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::parse;

    /// The callback step on an in-memory context: only the window decides.
    #[test]
    fn emergency_callback_step() {
        let policy = Policy::default();
        let (allow, block) = (RuleIndex::default(), RuleIndex::default());
        let (contacts, own_reports) = (HashSet::new(), HashMap::new());
        let ctx = |last| Context {
            home: Region::KR,
            policy: &policy,
            allow: &allow,
            block: &block,
            contacts: &contacts,
            own_reports: &own_reports,
            last_emergency_call: last,
        };
        let caller = parse("010-1234-5678", Region::KR);
        let call = |at| Call { caller_id: "010-1234-5678", at: Some(at), ..Call::default() };
        assert!(emergency_callback(&ctx(None), &call(100), &caller).is_none());
        let d = emergency_callback(&ctx(Some(100)), &call(100 + 3599), &caller).unwrap();
        assert_eq!((d.action, d.reasons), (Action::Allow, Reasons::of(Reason::EmergencyCallback)));
        assert!(d.number.is_some());
        assert!(emergency_callback(&ctx(Some(100)), &call(100 + 3600), &caller).is_none());
        assert!(emergency_callback(&ctx(Some(100)), &call(99), &caller).is_none());
        let hidden = emergency_callback(&ctx(Some(100)), &call(200), &Caller::Hidden).unwrap();
        assert_eq!((hidden.action, hidden.number), (Action::Allow, None));
        // Without the call's time there is no window to be in.
        let no_time = Call { at: None, ..call(0) };
        assert!(emergency_callback(&ctx(Some(100)), &no_time, &caller).is_none());
    }
}
