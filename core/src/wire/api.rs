//! The JSON bodies of the HTTP API: a report batch, its answer, a dispute and its state,
//! and every error.

use serde::{Deserialize, Serialize};

/// Most reports one upload may carry.
pub const MAX_BATCH: usize = 500;
/// Largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What a device signs and sends to `POST /v1/reports`, inside a
/// [`SignedBatch`](super::SignedBatch).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBatch {
    /// Pseudonymous device id: 32 lowercase hex digits, derived from the device's public
    /// key ([`device_id`](super::device_id)).
    pub device: String,
    /// When the batch was signed (Unix seconds): the server refuses one further than
    /// [`BATCH_CLOCK_SKEW`](super::BATCH_CLOCK_SKEW) from its clock.
    pub at: i64,
    /// 16 to 64 hex digits, new for every request: the server refuses a nonce it has seen
    /// from the device (a replayed request).
    pub nonce: String,
    pub reports: Vec<ReportItem>,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportItem {
    /// Idempotency key: unique per report; the server counts a key once.
    pub key: String,
    /// E.164 with `+`.
    pub number: String,
    /// `false`: "not spam".
    pub spam: bool,
    /// A reportable category name (`scam`, `telemarketing`, ...); ignored for "not spam".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When the user reported it (Unix seconds; informational).
    pub at: i64,
}

/// The answer to an accepted batch.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ReportAck {
    /// Reports counted now.
    pub accepted: u32,
    /// Reports whose idempotency key was already known (counted before).
    pub duplicates: u32,
}

/// What `POST /v1/disputes` takes: someone says a listed number is not spam.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    /// E.164 with `+`.
    pub number: String,
    /// `owner` (the number's owner) or `user` (someone who knows it).
    pub role: String,
    /// How the operator can reach the asker (for the operator only); an owner must give
    /// one, a user may leave it out.
    #[serde(default)]
    pub contact: String,
    /// Why the number is not spam (for the operator only), 1 to 1,000 characters.
    pub reason: String,
}

/// A dispute's state: the answer to a filing and to `GET /v1/disputes/{id}`. Never the
/// contact address or the reason.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct DisputeStatus {
    /// 10 characters of Crockford's base32.
    pub id: String,
    /// E.164 with `+`.
    pub number: String,
    /// `open`, `upheld` or `cleared`.
    pub state: String,
    /// The listing is held: phones at most warn for it until the review.
    pub held: bool,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<i64>,
}

/// Every 4xx/5xx answer.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ApiError {
    /// Machine-readable: `invalid_number`, `emergency_number`, `unknown_category`, ...
    pub error: String,
    pub message: String,
    /// The report in the batch that was refused, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// With `index`: the server's signature of the refusal ([`sign_rejection`](super::sign_rejection)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}
