//! The user's own reports and the community evidence, as FFI records.

use crate::decision::Category;
use ringfence_core as core;
use ringfence_core::Evidence as CoreEvidence;

/// A spam or "not spam" report, kept in the local outbox until the community server
/// has it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Report {
    /// Local id, ascending.
    pub id: i64,
    /// The reported number ("+821012345678").
    pub e164: String,
    /// `true` for spam, `false` for "not spam".
    pub spam: bool,
    pub category: Category,
    pub comment: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Random and unique per report: the server counts a report once however often it
    /// is sent.
    pub idempotency_key: String,
    /// The community server acknowledged it.
    pub uploaded: bool,
}

impl From<core::Report> for Report {
    fn from(r: core::Report) -> Self {
        Report {
            id: r.id,
            e164: r.number.to_string(),
            spam: r.spam,
            category: r.category.into(),
            comment: r.comment,
            created_at: r.created_at,
            idempotency_key: r.idempotency_key,
            uploaded: r.uploaded,
        }
    }
}

/// What the community database says about one number.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Evidence {
    /// Votes after decay: what the warn and block thresholds compare against.
    pub score: f64,
    pub category: Category,
    /// Votes as recorded, before decay.
    pub votes: f64,
    /// Unix seconds of the last report.
    pub last_activity: i64,
    /// The community server holds the listing for review: the phone at most warns.
    pub disputed: bool,
}

/// A dispute's state on the community server (`Screener.dispute`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DisputeStatus {
    /// Its id (10 letters and digits): the server's page at `/dispute?id=...` shows it.
    pub id: String,
    /// E.164 with `+`.
    pub number: String,
    /// "open", "upheld" or "cleared".
    pub state: String,
    /// The listing is held: phones at most warn for it until the review.
    pub held: bool,
    /// Unix seconds.
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

impl From<ringfence_core::wire::DisputeStatus> for DisputeStatus {
    fn from(d: ringfence_core::wire::DisputeStatus) -> Self {
        DisputeStatus {
            id: d.id,
            number: d.number,
            state: d.state,
            held: d.held,
            created_at: d.created_at,
            resolved_at: d.resolved_at,
        }
    }
}

impl From<CoreEvidence> for Evidence {
    fn from(e: CoreEvidence) -> Self {
        Evidence {
            score: e.score,
            category: e.category.into(),
            votes: e.votes,
            last_activity: e.last_activity,
            disputed: e.disputed,
        }
    }
}
