//! The operator's review of disputes, as `ringfence-server disputes ...`: what is
//! waiting, the evidence behind one listing, the decision, and the audit log. It works
//! on the database directly (the same file or PostgreSQL the running server uses): a
//! decision queues the number, and the running server's next publication carries it to
//! phones as the next delta.

use crate::disputes::{utc, AuditEntry, Dispute, Resolved};
use crate::storage::{NumberRecord, Storage, StorageError};
use clap::{Args, Subcommand};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Args, Debug)]
pub struct DisputesArgs {
    #[command(subcommand)]
    pub command: DisputesCommand,
}

#[derive(Subcommand, Debug)]
pub enum DisputesCommand {
    /// The disputes waiting for review, newest first (--all: every dispute)
    List {
        #[arg(long)]
        all: bool,
        /// One JSON array
        #[arg(long)]
        json: bool,
    },
    /// One dispute and the evidence behind its listing: reporters by network and age,
    /// categories, "not spam" votes, the range it is in, the history of the number
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Decide: --uphold keeps the listing, --clear takes the number off and protects it
    /// (relisting needs three times the usual evidence, from votes cast after clearing)
    Resolve {
        id: String,
        #[arg(long, conflicts_with = "clear", required_unless_present = "clear")]
        uphold: bool,
        #[arg(long)]
        clear: bool,
        /// Why (kept in the audit log)
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Who decides, for the audit log [default: $USER]
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// The audit log: who did what, when, why; oldest first
    Log {
        #[arg(long)]
        json: bool,
    },
}

/// Why a review command failed (besides the database).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("no dispute {0:?} (ids are 10 letters and digits: ringfence-server disputes list)")]
    NotFound(String),
    #[error("dispute {id} was already {state}: nothing changed")]
    AlreadyResolved { id: String, state: &'static str },
}

/// Runs one review command at `now`; returns what to print.
pub fn run(db: &mut dyn Storage, command: &DisputesCommand, now: i64) -> Result<String, ReviewError> {
    let mut out = String::new();
    match command {
        DisputesCommand::List { all, json } => {
            let list = db.disputes(!all)?;
            if *json {
                out = serde_json::to_string_pretty(&list).unwrap_or_default() + "\n";
            } else if list.is_empty() {
                out.push_str(if *all { "no disputes\n" } else { "no open disputes\n" });
            } else {
                for d in &list {
                    let _ = writeln!(out, "{}", line(d));
                }
            }
        }
        DisputesCommand::Show { id, json } => {
            let id = crate::disputes::normalise_id(id).ok_or_else(|| ReviewError::NotFound(id.clone()))?;
            let d = db.dispute(&id)?.ok_or_else(|| ReviewError::NotFound(id.clone()))?;
            let record = db.number_record(d.number)?;
            let log: Vec<AuditEntry> = db.audit_log()?.into_iter().filter(|a| a.number == d.number).collect();
            out = if *json { show_json(&d, &record, &log, now) } else { show(&d, &record, &log, now) };
        }
        DisputesCommand::Resolve { id, uphold, note, by, .. } => {
            let id = crate::disputes::normalise_id(id).ok_or_else(|| ReviewError::NotFound(id.clone()))?;
            let who = by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "operator".into());
            let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            match db.resolve_dispute(&id, *uphold, &who, note, now)? {
                Resolved::Done(d) => {
                    let what = if *uphold {
                        "upheld: the listing stays, no longer held"
                    } else {
                        "cleared: the number leaves the list in the next delta and is protected"
                    };
                    let _ = writeln!(out, "{} +{} {what}", d.id, d.number);
                }
                Resolved::NotFound => return Err(ReviewError::NotFound(id)),
                Resolved::AlreadyResolved(s) => return Err(ReviewError::AlreadyResolved { id, state: s.as_str() }),
            }
        }
        DisputesCommand::Log { json } => {
            let log = db.audit_log()?;
            if *json {
                out = serde_json::to_string_pretty(&log).unwrap_or_default() + "\n";
            } else {
                for a in &log {
                    let why = a.why.as_deref().map(|w| format!(": {w}")).unwrap_or_default();
                    let _ = writeln!(out, "{} {} {} {} +{}{why}", utc(a.at), a.who, a.action, a.dispute, a.number);
                }
            }
        }
    }
    Ok(out)
}

fn line(d: &Dispute) -> String {
    let held = if d.held { ", held" } else { "" };
    format!("{} +{} {}{held}, filed {} by the {}", d.id, d.number, d.state.as_str(), utc(d.created_at), d.role.as_str())
}

fn age(now: i64, at: i64) -> String {
    let days = (now - at).max(0) / 86_400;
    match days {
        0 => "today".into(),
        1 => "1 day ago".into(),
        n => format!("{n} days ago"),
    }
}

/// The evidence, as an operator reads it: never device ids or comments.
fn show(d: &Dispute, r: &NumberRecord, log: &[AuditEntry], now: i64) -> String {
    let mut o = String::new();
    let _ =
        writeln!(o, "dispute {} for +{}: {}{}", d.id, d.number, d.state.as_str(), if d.held { ", held" } else { "" });
    let _ = writeln!(o, "filed {} by the {} ({})", utc(d.created_at), d.role.as_str(), d.contact);
    let _ = writeln!(o, "reason: {}", d.reason);
    if let (Some(at), Some(by)) = (d.resolved_at, &d.resolved_by) {
        let note = d.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
        let _ = writeln!(o, "resolved {} by {by}{note}", utc(at));
    }
    match &r.published {
        Some(p) => {
            let how = if p.range {
                format!("as part of the spam range +{}x", p.number / 10)
            } else {
                "by its own votes".into()
            };
            let flag = if p.disputed { ", flagged disputed" } else { "" };
            let _ = writeln!(o, "listed {how}{flag}: {}, score {:.2}", p.listing.category, p.listing.score);
        }
        None => o.push_str("not listed now\n"),
    }
    let spam: Vec<_> = r.votes.iter().filter(|v| v.spam).collect();
    let networks: BTreeSet<i64> = spam.iter().map(|v| v.origin).collect();
    let _ = writeln!(
        o,
        "spam votes: {} from {} networks; not spam: {}",
        spam.len(),
        networks.len(),
        r.votes.len() - spam.len()
    );
    let mut categories: BTreeMap<String, usize> = BTreeMap::new();
    for v in &spam {
        *categories.entry(v.category.to_string()).or_default() += 1;
    }
    let cats: Vec<String> = categories.iter().map(|(c, n)| format!("{c} {n}")).collect();
    let _ = writeln!(o, "categories: {}", if cats.is_empty() { "none".into() } else { cats.join(", ") });
    for v in &r.votes {
        let what = if v.spam { v.category.to_string() } else { "not spam".into() };
        let _ = writeln!(o, "  network {:016x} {what} {}", v.origin as u64, age(now, v.at));
    }
    o.push_str("history:\n");
    for a in log {
        let why = a.why.as_deref().map(|w| format!(": {w}")).unwrap_or_default();
        let _ = writeln!(o, "  {} {} {} {}{why}", utc(a.at), a.who, a.action, a.dispute);
    }
    o
}

fn show_json(d: &Dispute, r: &NumberRecord, log: &[AuditEntry], now: i64) -> String {
    let listing = r.published.map(|p| {
        serde_json::json!({
            "range": p.range,
            "disputed": p.disputed,
            "category": p.listing.category,
            "score": p.listing.score,
            "last_activity": p.listing.last_activity,
        })
    });
    let votes: Vec<serde_json::Value> = r
        .votes
        .iter()
        .map(|v| {
            serde_json::json!({
                "network": format!("{:016x}", v.origin as u64),
                "spam": v.spam,
                "category": v.category,
                "age_days": (now - v.at).max(0) / 86_400,
            })
        })
        .collect();
    let v = serde_json::json!({ "dispute": d, "listing": listing, "votes": votes, "history": log });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}
