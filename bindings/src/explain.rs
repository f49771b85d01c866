//! "Why was this call blocked?" (`ringfence_core::explain`) as FFI records: every step
//! of the precedence, what it saw, and which decided.

use crate::decision::Decision;
use crate::lists::Rule;
use ringfence_core as core;

/// How the caller ID was read: the parsed form, so number-format confusion shows
/// ("+82 10-1234-5678, mobile, KR" next to what the platform delivered).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NumberReading {
    /// "number", "hidden" or "malformed".
    pub kind: String,
    /// The canonical number ("+821012345678").
    pub e164: Option<String>,
    /// As a person writes it ("+82 10-1234-5678").
    pub international: Option<String>,
    /// The `number_type` code ("mobile", "toll_free", ...).
    pub number_type: Option<String>,
    /// ISO region ("KR"), when the numbering plan tells.
    pub region: Option<String>,
    pub country_code: Option<u16>,
    pub valid: bool,
    pub national_only: bool,
    /// Why a malformed caller ID is no number.
    pub why: Option<String>,
}

/// One step of the precedence, in order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExplanationStep {
    /// "emergency_callback", "emergency", "pause", "allow", "block", "hidden",
    /// "community", "heuristics", "unknown_caller", "quiet_hours".
    pub step: String,
    /// What the step looked at and found, one line of English.
    pub saw: String,
    /// This step gave (or, for quiet hours, last changed) the decision.
    pub decided: bool,
}

/// Everything `Screener.explain` says about one call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Explanation {
    /// The caller ID as given.
    pub input: String,
    pub reading: NumberReading,
    /// The call's local time as windows saw it ("wed 23:30").
    pub local_time: Option<String>,
    pub sim: Option<String>,
    pub steps: Vec<ExplanationStep>,
    /// What `screen` decides for the same call.
    pub decision: Decision,
    /// The allow or block rule that decided, if one did (pattern, label, window, SIM, end).
    pub rule: Option<Rule>,
}

impl From<core::Explanation> for Explanation {
    fn from(e: core::Explanation) -> Self {
        let r = e.reading;
        Explanation {
            input: e.input,
            reading: NumberReading {
                kind: r.kind.to_string(),
                e164: r.e164,
                international: r.international,
                number_type: r.number_type.map(String::from),
                region: r.region,
                country_code: r.country_code,
                valid: r.valid,
                national_only: r.national_only,
                why: r.why,
            },
            local_time: e.local_time,
            sim: e.sim,
            steps: e
                .steps
                .into_iter()
                .map(|s| ExplanationStep { step: s.step.to_string(), saw: s.saw, decided: s.decided })
                .collect(),
            decision: e.decision.into(),
            rule: e.rule.map(Rule::from),
        }
    }
}
