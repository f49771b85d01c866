//! Output: aligned text for people, one JSON object per line for programs.

use ringfence_core::Explanation;
use ringfence_core::{Decision, ImportSummary, OutgoingCall, Policy, Rule};
use ringfence_core::{HistoryEntry, Stats};
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn decision(
    input: &str,
    d: &Decision,
    national_only: bool,
    rule: Option<&Rule>,
    as_json: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    if as_json {
        let v = json!({
            "input": input,
            "number": d.number.map(|n| n.to_string()),
            "number_type": d.number_type.as_str(),
            "region": d.region.map(|r| r.to_string()),
            "national_only": national_only,
            "action": d.action.as_str(),
            "category": d.category.as_str(),
            "label": d.label,
            "reasons": d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "score": d.score.map(round2),
            "rule": rule.map(rule_json),
        });
        return writeln!(out, "{v}");
    }
    let number = d.number.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
    let reasons = d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
    let mut line =
        format!("{:<7} {:<16} {:<20} {:<16}", d.action.as_str(), number, d.number_type.as_str(), d.category.as_str());
    if let Some(label) = &d.label {
        line.push_str(&format!(" {label:?}"));
    }
    if !reasons.is_empty() {
        line.push_str(&format!(" [{reasons}]"));
    }
    if number == "-" || input.trim() != number {
        line.push_str(&format!("  <- {input:?}"));
    }
    writeln!(out, "{}", line.trim_end())
}

/// `backup import`: what was restored.
pub fn restored(r: &ringfence_core::Restored, as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    if as_json {
        return writeln!(out, "{}", serde_json::to_value(r).unwrap_or(Value::Null));
    }
    writeln!(
        out,
        "restored {} rules ({} ended, left out), {} contacts, {} settings, {} reports{}",
        r.rules,
        r.rules_ended,
        r.contacts,
        r.settings,
        r.reports,
        if r.paused { "; the pause goes on" } else { "" }
    )
}

/// The rule that decided, as `check --json`'s `rule` and `explain --json` show it.
fn rule_json(r: &Rule) -> Value {
    json!({
        "list": r.list,
        "pattern": r.pattern.to_string(),
        "label": r.label,
        "window": r.window.map(|w| w.to_string()),
        "sim": r.sim,
        "until": r.until,
    })
}

/// `explain`: how the number was read, then each step with what it saw; `*` marks the
/// step that decided.
pub fn explanation(e: &Explanation, as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    let d = &e.decision;
    if as_json {
        let v = json!({
            "input": e.input,
            "reading": e.reading,
            "local_time": e.local_time,
            "sim": e.sim,
            "steps": e.steps,
            "action": d.action.as_str(),
            "category": d.category.as_str(),
            "label": d.label,
            "reasons": d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "score": d.score.map(round2),
            "rule": e.rule.as_ref().map(rule_json),
        });
        return writeln!(out, "{v}");
    }
    let r = &e.reading;
    let read = match r.kind {
        "number" => format!(
            "{} = {} ({}, region {}{}{})",
            r.e164.as_deref().unwrap_or("-"),
            r.international.as_deref().unwrap_or("-"),
            r.number_type.unwrap_or("unknown"),
            r.region.as_deref().unwrap_or("-"),
            if r.valid { "" } else { ", not a valid number" },
            if r.national_only { ", national only" } else { "" }
        ),
        "hidden" => "a hidden caller (no number)".into(),
        _ => format!("no number: it {}", r.why.as_deref().unwrap_or("cannot be read")),
    };
    writeln!(out, "input     {:?}", e.input)?;
    writeln!(out, "read as   {read}")?;
    if let Some(t) = &e.local_time {
        writeln!(out, "local     {t}{}", e.sim.as_deref().map(|s| format!(", sim {s}")).unwrap_or_default())?;
    }
    for s in &e.steps {
        writeln!(out, "{} {:<20}{}", if s.decided { "*" } else { " " }, s.step, s.saw)?;
    }
    let reasons = d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
    let label = d.label.as_deref().map(|l| format!(" {l:?}")).unwrap_or_default();
    writeln!(out, "decision  {}{label} [{reasons}]", d.action)
}

pub fn outgoing(c: &OutgoingCall, window_minutes: u32, as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    let until = (c.emergency && window_minutes > 0).then(|| c.at + i64::from(window_minutes) * 60);
    if as_json {
        let v = json!({"number": c.number.to_string(), "at": c.at, "emergency": c.emergency, "callback_until": until});
        return writeln!(out, "{v}");
    }
    match until {
        Some(_) => writeln!(
            out,
            "recorded a call to {}, an emergency number: every call rings for the next {window_minutes} minutes",
            c.number
        ),
        None => writeln!(out, "recorded a call to {}", c.number),
    }
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-31T23:59:59Z`).
pub fn time(t: i64) -> String {
    jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

/// `pause`: when the pause ends, or that there is none.
pub fn pause(until: Option<i64>, as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    if as_json {
        return writeln!(out, "{}", json!({"paused": until.is_some(), "until": until}));
    }
    match until {
        Some(t) => writeln!(out, "paused until {}: every call rings", time(t)),
        None => writeln!(out, "not paused"),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn rules(rules: &[Rule], as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    for r in rules {
        if as_json {
            let v = json!({
                "pattern": r.pattern.to_string(),
                "list": r.list,
                "label": r.label,
                "created_at": r.created_at,
                "until": r.until,
                "window": r.window.map(|w| w.to_string()),
                "sim": r.sim,
            });
            writeln!(out, "{v}")?;
        } else {
            let until = r.until.map_or_else(|| "-".to_string(), time);
            let mut when = r.window.map_or_else(|| "always".to_string(), |w| w.to_string());
            if let Some(sim) = &r.sim {
                when.push_str(&format!(" sim:{sim}"));
            }
            let line =
                format!("{:<20} {until:<20} {when:<24} {}", r.pattern.to_string(), r.label.as_deref().unwrap_or(""));
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    Ok(())
}

pub fn policy(p: &Policy, as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    let settings = p.settings();
    if as_json {
        let map: serde_json::Map<String, Value> =
            settings.into_iter().map(|s| (s.key, Value::String(s.value))).collect();
        return writeln!(out, "{}", Value::Object(map));
    }
    for s in settings {
        writeln!(out, "{:<28} {:<16} # {}", s.key, s.value, s.help)?;
    }
    Ok(())
}

pub fn import_summary(s: &ImportSummary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "rows      {}", s.rows)?;
    writeln!(out, "imported  {}  (numbers new to the store)", s.imported)?;
    writeln!(out, "merged    {}  (rows adding evidence to a known number)", s.merged)?;
    writeln!(out, "skipped   {}", s.skipped_total())?;
    for (reason, n) in &s.skipped {
        writeln!(out, "  {:<18} {n}", reason.as_str())?;
    }
    writeln!(out, "{}", import_now(s))
}

/// What the imported numbers do now, in one line: "11681 numbers in this file: 0 warn and
/// 0 block now; 1234 have decayed below the warning threshold (evidence 2021-07-07 to
/// 2021-07-08, half-life 125 days); 10447 have fewer votes than it (2)".
fn import_now(s: &ImportSummary) -> String {
    let mut line = format!("{} numbers in this file: {} warn and {} block now", s.numbers, s.now_warn, s.now_block);
    if s.now_silence > 0 {
        line += &format!(", {} are silenced", s.now_silence);
    }
    if s.allowed_by_category > 0 {
        line += &format!(", {} are allowed by your category settings", s.allowed_by_category);
    }
    if s.decayed > 0 {
        let date = |t: Option<i64>| {
            t.and_then(|t| jiff::Timestamp::from_second(t).ok())
                .map_or_else(|| "?".to_string(), |t| t.strftime("%Y-%m-%d").to_string())
        };
        let (from, to) = (date(s.evidence_from), date(s.evidence_to));
        let range = if from == to { format!("evidence {from}") } else { format!("evidence {from} to {to}") };
        line += &format!(
            "; {} have decayed below the warning threshold ({range}, half-life {} days)",
            s.decayed, s.half_life_days
        );
    }
    if s.too_few_votes > 0 {
        line += &format!("; {} have fewer votes than the warning threshold ({})", s.too_few_votes, s.warn_threshold);
    }
    line
}

pub fn history(entries: &[HistoryEntry], as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    for e in entries {
        if as_json {
            writeln!(out, "{}", serde_json::to_string(e).map_err(io::Error::other)?)?;
        } else {
            let number = e.number.map(|n| n.to_string()).unwrap_or_else(|| e.input.clone());
            writeln!(
                out,
                "{:<12} {:<7} {:<16} {:<16} {}",
                e.at,
                e.action.as_str(),
                number,
                e.category.as_str(),
                e.label.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}

pub fn stats(s: &Stats, as_json: bool, out: &mut dyn Write) -> io::Result<()> {
    if as_json {
        return writeln!(out, "{}", serde_json::to_string(s).map_err(io::Error::other)?);
    }
    writeln!(out, "calls screened     {}", s.calls)?;
    for (k, v) in &s.by_action {
        writeln!(out, "  {k:<16} {v}")?;
    }
    for (k, v) in &s.by_category {
        writeln!(out, "  category {k:<16} {v}")?;
    }
    writeln!(out, "block list         {}", s.block_rules)?;
    writeln!(out, "allow list         {}", s.allow_rules)?;
    writeln!(out, "contacts           {}", s.contacts)?;
    writeln!(out, "community numbers  {}", s.community_numbers)?;
    writeln!(out, "reports to upload  {}", s.pending_reports)
}

/// A CSV field, quoted when it needs to be (labels are free text), by the csv crate.
pub fn csv_field(s: &str) -> String {
    // A record of one field, then without its terminator: the writer closes a quoted
    // field only at the end of its record. Into memory, so nothing can fail.
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record([s]).expect("CSV into memory");
    let mut bytes = w.into_inner().expect("CSV into memory");
    bytes.pop();
    String::from_utf8(bytes).expect("CSV of a str is UTF-8")
}

/// What `recover` did.
pub fn recovery(out: &mut impl Write, db: &std::path::Path, r: &ringfence_core::Recovery) -> io::Result<()> {
    let Some(moved) = &r.moved_to else {
        return writeln!(out, "{} is healthy; nothing to do", db.display());
    };
    writeln!(out, "moved the damaged file to {}", moved.display())?;
    writeln!(
        out,
        "carried over {} rules, {} contacts, {} reports, {} calls of history and {} settings into a fresh {}",
        r.rules,
        r.contacts,
        r.reports,
        r.history,
        r.settings,
        db.display()
    )?;
    if !r.incomplete.is_empty() {
        writeln!(out, "could not read to the end: {} (the moved file keeps the rest)", r.incomplete.join(", "))?;
    }
    Ok(())
}

#[cfg(test)]
mod csv_field_tests {
    use super::csv_field;

    #[test]
    fn quoted_only_when_needed() {
        assert_eq!(csv_field("VoIP spam"), "VoIP spam");
        assert_eq!(csv_field("Kim, plumber"), "\"Kim, plumber\"");
        assert_eq!(csv_field("the \"bank\""), "\"the \"\"bank\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        assert_eq!(csv_field("스팸 전화"), "스팸 전화");
    }
}
