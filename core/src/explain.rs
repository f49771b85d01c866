//! "Why was this call blocked?": every step of the precedence in order, what each saw,
//! and which one decided. Not on the screening path: the screener gathers everything
//! eagerly (the community evidence, the repeat count) and this walks the same step
//! functions `decide.rs` uses, so an explanation never disagrees with `screen`.

use crate::community::Evidence;
use crate::decide::{self, Context};
use crate::decision::{Call, Decision, Reason};
use crate::number::{format_international, Caller};
use crate::rules::Rule;
use crate::schedule::{LocalTime, Window};
use serde::Serialize;

/// How the caller ID was read: the parsed form, so that number-format confusion shows.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Reading {
    /// `number`, `hidden` or `malformed`.
    pub kind: &'static str,
    /// The canonical number (`+821012345678`).
    pub e164: Option<String>,
    /// As a person writes it (`+82 10-1234-5678`).
    pub international: Option<String>,
    pub number_type: Option<&'static str>,
    pub region: Option<String>,
    pub country_code: Option<u16>,
    pub valid: bool,
    pub national_only: bool,
    /// Why a malformed caller ID is no number.
    pub why: Option<String>,
}

/// One step of the precedence.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Step {
    /// `emergency`, `emergency_callback`, `pause`, `allow`, `block`, `hidden`,
    /// `community`, `heuristics`, `unknown_caller`, `quiet_hours`.
    pub step: &'static str,
    /// What the step looked at and found, in one line.
    pub saw: String,
    /// This step gave (or last changed) the decision.
    pub decided: bool,
}

/// Everything `explain` says about one call.
#[derive(Clone, PartialEq, Debug)]
pub struct Explanation {
    pub input: String,
    pub reading: Reading,
    /// The call's time in the phone's local time (`wed 23:30`), as windows see it.
    pub local_time: Option<String>,
    pub sim: Option<String>,
    pub steps: Vec<Step>,
    pub decision: Decision,
    /// The allow or block rule that decided, if one did.
    pub rule: Option<Rule>,
}

/// What the precedence needs beyond the context, gathered in advance.
pub struct Facts {
    pub evidence: Option<Evidence>,
    /// Calls from the number that count for the repeat rule (the history's).
    pub repeats: u32,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn local_text(t: LocalTime) -> String {
    format!("{} {:02}:{:02}", DAYS[t.weekday as usize], t.minute / 60, t.minute % 60)
}

fn reading(caller: &Caller) -> Reading {
    let none = Reading {
        kind: "hidden",
        e164: None,
        international: None,
        number_type: None,
        region: None,
        country_code: None,
        valid: false,
        national_only: false,
        why: None,
    };
    match caller {
        Caller::Hidden => none,
        Caller::Malformed(m) => Reading { kind: "malformed", why: Some(m.to_string()), ..none },
        Caller::Number(n) => Reading {
            kind: "number",
            e164: Some(n.e164.to_string()),
            international: Some(format_international(n.e164)),
            number_type: Some(n.number_type.as_str()),
            region: n.region.map(|r| r.to_string()),
            country_code: Some(n.country_code),
            valid: n.valid,
            national_only: n.national_only,
            why: None,
        },
    }
}

/// A rule as a person reads it: `+8210* "label" (mon-fri 09:00-18:00, sim work, until T)`.
pub fn rule_text(r: &Rule) -> String {
    let mut s = r.pattern.to_string();
    if let Some(l) = &r.label {
        s += &format!(" {l:?}");
    }
    let mut limits = Vec::new();
    if let Some(w) = r.window {
        limits.push(w.to_string());
    }
    if let Some(sim) = &r.sim {
        limits.push(format!("sim {sim}"));
    }
    if let Some(t) = r.until {
        limits.push(format!("until {t}"));
    }
    if !limits.is_empty() {
        s += &format!(" ({})", limits.join(", "));
    }
    s
}

fn window_text(w: &Window, t: Option<LocalTime>) -> String {
    match (w.is_always(), t) {
        (true, _) => String::new(),
        (false, Some(t)) => format!(" in {w}: {}", if w.contains(t) { "inside" } else { "outside" }),
        (false, None) => format!(" in {w}"),
    }
}

/// The explanation of one call. `decide::decide_with` makes the decision from the same
/// facts, so the two agree by construction.
pub fn explain(ctx: &Context, call: &Call, caller: &Caller, facts: &Facts) -> Explanation {
    let decision = decide::decide_with(ctx, call, caller, |_| facts.evidence, |_| facts.repeats);
    let local = decide::local_time(call);
    let policy = ctx.policy;
    let r = |reason| decision.reasons.contains(reason);
    let number = match caller {
        Caller::Number(n) => Some(n),
        _ => None,
    };
    let mut steps = Vec::new();
    let mut push = |step, saw: String, decided| steps.push(Step { step, saw, decided });

    push(
        "emergency_callback",
        match ctx.last_emergency_call {
            Some(t) => format!(
                "you dialled an emergency number at {t}; every call rings for {} minutes after",
                policy.emergency_callback_minutes
            ),
            None => "no emergency number dialled".into(),
        },
        r(Reason::EmergencyCallback),
    );
    if let Some(n) = number {
        let is = n.traits.emergency;
        push(
            "emergency",
            if is { "an emergency number: always rings".into() } else { "not an emergency number".into() },
            r(Reason::Emergency),
        );
    }
    push(
        "pause",
        match ctx.paused_until {
            Some(t) => format!("screening paused until {t}"),
            None => "not paused".into(),
        },
        r(Reason::Paused),
    );
    let mut rule = None;
    match (caller, number) {
        (Caller::Hidden, _) => {
            let w = window_text(&policy.hidden_window, local);
            push("hidden", format!("no caller ID; hidden = {}{w}", policy.hidden_action), r(Reason::Hidden));
        }
        (Caller::Malformed(_), _) | (_, None) => {
            let saw = decision.reasons.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ");
            push("heuristics", format!("no number to look up; fired: {saw}"), true);
        }
        (Caller::Number(_), Some(n)) => {
            let key = n.e164.as_u64();
            let allow_rule = decide::allow_rule(ctx, call, n);
            let saw = if let Some(a) = allow_rule {
                format!("allow rule {}", rule_text(a))
            } else if call.is_contact || ctx.contacts.contains(&key) {
                "a contact".into()
            } else if ctx.own_reports.get(&key).is_some_and(|o| !o.spam) {
                "you marked it as not spam".into()
            } else {
                "no allow rule matches; not a contact".into()
            };
            let allowed = r(Reason::AllowList) || r(Reason::Contact) || r(Reason::NotSpam);
            push("allow", saw, allowed);
            let block_rule = decide::block_rule(ctx, call, n);
            let saw = if let Some(b) = block_rule {
                format!("block rule {}", rule_text(b))
            } else if let Some(o) = ctx.own_reports.get(&key).filter(|o| o.spam) {
                format!("you reported it as {}", o.category)
            } else {
                "no block rule matches; not reported by you".into()
            };
            push("block", saw, r(Reason::BlockList) || r(Reason::Reported));
            rule = if r(Reason::AllowList) {
                allow_rule.cloned()
            } else if r(Reason::BlockList) {
                block_rule.cloned()
            } else {
                None
            };
            let early = allowed || r(Reason::BlockList) || r(Reason::Reported) || r(Reason::Emergency);
            let early = early || r(Reason::EmergencyCallback) || r(Reason::Paused);
            if !early {
                let w = window_text(&policy.category_window, local);
                push(
                    "community",
                    match facts.evidence {
                        Some(e) => format!(
                            "score {:.1} ({}), warn at {}, block at {}{}{w}",
                            e.score,
                            e.category,
                            policy.warn_threshold,
                            policy.block_threshold,
                            if e.disputed { ", disputed" } else { "" }
                        ),
                        None => "not listed".into(),
                    },
                    r(Reason::Community),
                );
                let heuristic = decide::heuristics(ctx, call, Some(n));
                push(
                    "heuristics",
                    match &heuristic {
                        Some(h) => {
                            format!("fired: {}", h.reasons.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
                        }
                        None => "nothing fired".into(),
                    },
                    !r(Reason::Community) && heuristic.is_some(),
                );
                let called = ctx.called.get(&key);
                let w = window_text(&policy.unknown_window, local);
                push(
                    "unknown_caller",
                    format!(
                        "unknown = {}{w}; {}; {} of {} calls within {} minutes (repeat rule {})",
                        policy.unknown_action,
                        match called {
                            Some(t) if decide::called_recently(ctx, call, n) => format!("you called it at {t}"),
                            _ => "you did not call it recently".into(),
                        },
                        facts.repeats,
                        policy.repeat_calls,
                        policy.repeat_minutes,
                        if policy.repeat_calls > 0 { "on" } else { "off" }
                    ),
                    !r(Reason::Community) && heuristic.is_none(),
                );
            }
        }
    }
    if !r(Reason::Emergency) && !r(Reason::EmergencyCallback) && !r(Reason::Paused) {
        push(
            "quiet_hours",
            match policy.quiet_window() {
                Some(w) => format!(
                    "quiet hours {w} ({}){}",
                    policy.quiet_action,
                    match local {
                        Some(t) if w.contains(t) => ": now",
                        Some(_) => ": not now",
                        None => "",
                    }
                ),
                None => "off".into(),
            },
            r(Reason::QuietHours),
        );
    }
    Explanation {
        input: call.caller_id.to_string(),
        reading: reading(caller),
        local_time: local.map(local_text),
        sim: call.sim.map(String::from),
        steps,
        decision,
        rule,
    }
}

/// The rule that decided a call, for `check --json`'s `rule`: the allow rule for
/// `allow_list`, the block rule for `block_list`, else none.
pub fn deciding_rule<'c>(ctx: &'c Context, call: &Call, caller: &Caller, d: &Decision) -> Option<&'c Rule> {
    let Caller::Number(n) = caller else { return None };
    if d.reasons.contains(Reason::AllowList) {
        decide::allow_rule(ctx, call, n)
    } else if d.reasons.contains(Reason::BlockList) {
        decide::block_rule(ctx, call, n)
    } else {
        None
    }
}
