//! Disputes: someone says a listed number is not spam (its owner, or a user who knows
//! it). A dispute *holds* the listing until an operator reviews it: the number stays
//! published, flagged `disputed` in the signed files, and phones at most warn for it; a
//! number that is listed only as part of a spam range leaves the range at once. The
//! operator upholds the listing or clears the number (`ringfence-server disputes`); a
//! cleared number is protected from being listed again on ordinary evidence
//! ([`relist_rules`]). Every step goes into the audit log.
//!
//! This file holds the vocabulary and the checks of what people send (the API's JSON
//! and the public page's form share them); `storage/disputes.rs` keeps the rows, and
//! `storage::changes` applies holds and protection when it publishes.

use crate::request::Refusal;
use crate::rules::Rules;
use axum::http::StatusCode;
use ringfence_core::number::{parse, Caller};
use ringfence_core::Region;
use serde::{Deserialize, Serialize};

/// The largest dispute body read (a reason of 1,000 four-byte characters and the rest).
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;
/// Longest contact address, in characters.
pub const MAX_CONTACT_CHARS: usize = 200;
/// Relisting a cleared number needs this many times the independent reporters and this
/// many times the net score that list any other number, counting only votes cast after
/// it was cleared.
pub const RELIST_FACTOR: u32 = 3;

/// Who is asking.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The number's owner (a business whose number was spoofed, a recycled mobile).
    Owner,
    /// Someone who knows the number (a doctor's office that calls back).
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "user" => Some(Role::User),
            _ => None,
        }
    }
}

/// Where a dispute stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for an operator.
    Open,
    /// The operator kept the listing.
    Upheld,
    /// The operator took the number off the list and protected it.
    Cleared,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Upheld => "upheld",
            State::Cleared => "cleared",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "open" => Some(State::Open),
            "upheld" => Some(State::Upheld),
            "cleared" => Some(State::Cleared),
            _ => None,
        }
    }
}

/// A dispute as it was sent, checked.
#[derive(Clone, PartialEq, Debug)]
pub struct NewDispute {
    /// E.164 key.
    pub number: u64,
    pub role: Role,
    pub contact: String,
    pub reason: String,
}

/// A stored dispute.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Dispute {
    pub id: String,
    pub number: u64,
    pub role: Role,
    pub contact: String,
    pub reason: String,
    pub created_at: i64,
    pub state: State,
    /// The listing is held by it: open, and no earlier dispute on the number was upheld
    /// (a number whose listing an operator upheld is not held again by a new dispute,
    /// which still waits for review).
    pub held: bool,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
}

/// One line of the audit log: who did what, when, why.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct AuditEntry {
    pub at: i64,
    /// `public` for a dispute filed through the API or the page; the operator's name for
    /// a review.
    pub who: String,
    /// `filed`, `upheld`, `cleared`.
    pub action: String,
    pub dispute: String,
    pub number: u64,
    pub why: Option<String>,
}

/// What a filing did.
#[derive(Clone, PartialEq, Debug)]
pub enum Filed {
    /// A new dispute (held unless the listing was upheld before).
    New(Dispute),
    /// The number already has an open dispute: that one.
    Existing(Dispute),
    /// The number is not listed: nothing to dispute.
    NotListed,
}

/// What a review did.
#[derive(Clone, PartialEq, Debug)]
pub enum Resolved {
    Done(Dispute),
    NotFound,
    /// Reviewed before, with this outcome: nothing changed.
    AlreadyResolved(State),
}

/// How publication treats a number with disputes.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Hold {
    /// Published with the disputed flag; never part of a range.
    pub held: bool,
    /// Cleared by an operator at this time: only [`relist_rules`] on the votes cast
    /// from then on can list it again (the clearing dates the number's earlier votes
    /// before it), and never as part of a range.
    pub cleared_at: Option<i64>,
}

/// The stronger rules a cleared number must meet to be listed again (see
/// [`RELIST_FACTOR`]); the votes they are applied to are those cast after the clearing.
pub fn relist_rules(rules: &Rules) -> Rules {
    Rules {
        min_reporters: rules.min_reporters.max(1) * RELIST_FACTOR,
        list_threshold: rules.list_threshold * f64::from(RELIST_FACTOR),
        ..*rules
    }
}

/// A new public id: 10 characters of Crockford's base32 (50 random bits), easy to read
/// out and to type, and not guessable from another dispute's.
pub fn new_id() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(b & 31)] as char).collect())
}

/// A dispute id as a person may type it: trimmed, any case; `None` if it cannot be one.
pub fn normalise_id(id: &str) -> Option<String> {
    let id = id.trim().to_ascii_lowercase();
    let ok = id.len() == 10
        && id.bytes().all(|b| b.is_ascii_digit() || (b.is_ascii_lowercase() && b"ilou".iter().all(|x| *x != b)));
    ok.then_some(id)
}

/// Unix seconds as UTC `YYYY-MM-DD HH:MM` (the review's and the page's times).
pub fn utc(at: i64) -> String {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

/// `POST /v1/disputes`'s body and the dispute's public state: one definition, the wire's.
pub use ringfence_core::wire::{DisputeRequest, DisputeStatus};

impl Dispute {
    /// What anyone may see of it.
    pub fn status(&self) -> DisputeStatus {
        DisputeStatus {
            id: self.id.clone(),
            number: format!("+{}", self.number),
            state: self.state.as_str().into(),
            held: self.held,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
        }
    }
}

/// Refusal codes of disputes (besides the reports' `bad_json`, `unsupported_media_type`,
/// `body_too_large`, `invalid_number`).
pub const CODES: &[&str] =
    &["bad_role", "bad_contact", "bad_reason", "reason_too_long", "not_listed", "bad_dispute_id"];

/// The body's JSON, then each field ([`validate`]).
pub fn parse_request(body: &[u8]) -> Result<NewDispute, Refusal> {
    let r: DisputeRequest = serde_json::from_slice(body)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, "bad_json", format!("the body is not a dispute: {e}")))?;
    validate(&r.number, &r.role, &r.contact, &r.reason)
        .map_err(|(code, message)| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, code, message))
}

/// The fields of a dispute, from the API or the page's form. `Err` is (code, message).
pub fn validate(number: &str, role: &str, contact: &str, reason: &str) -> Result<NewDispute, (&'static str, String)> {
    let number = parse_number(number)?;
    let role = Role::parse(role.trim()).ok_or(("bad_role", "role is \"owner\" or \"user\"".to_string()))?;
    // An owner must be reachable; a user (the app's dispute from its history) may stay
    // anonymous: the operator then reviews the evidence alone. Contact and reason are
    // shown in the operator's terminal: stored without control or bidi characters.
    let contact = crate::comment::clean(contact).unwrap_or_default();
    let missing = contact.is_empty() && role == Role::Owner;
    if missing || contact.chars().count() > MAX_CONTACT_CHARS {
        return Err((
            "bad_contact",
            format!("a contact address (e-mail or phone) of 1 to {MAX_CONTACT_CHARS} characters"),
        ));
    }
    let reason = crate::comment::clean(reason).unwrap_or_default();
    if reason.is_empty() {
        return Err(("bad_reason", "say why the number is not spam".into()));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(("reason_too_long", format!("reasons are at most {MAX_REASON_CHARS} characters")));
    }
    Ok(NewDispute { number, role, contact, reason })
}

/// A number in international form (`+` and country code), as its E.164 key.
pub fn parse_number(number: &str) -> Result<u64, (&'static str, String)> {
    let shown: String = number.chars().take(40).collect();
    if !number.trim_start().starts_with('+') {
        return Err(("invalid_number", format!("{shown:?} is not in international form (+ and country code)")));
    }
    match parse(number, Region::US) {
        Caller::Number(n) => Ok(n.e164.as_u64()),
        Caller::Hidden => Err(("invalid_number", "the number is empty".into())),
        Caller::Malformed(m) => Err(("invalid_number", format!("{shown:?} {m}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked() {
        let ok = validate("+82 10-5555-0404", "owner", " me@example.org ", " my shop's number ").unwrap();
        assert_eq!((ok.number, ok.role, ok.contact.as_str()), (821055550404, Role::Owner, "me@example.org"));
        let code = |n: &str, r: &str, c: &str, why: &str| validate(n, r, c, why).unwrap_err().0;
        assert_eq!(code("010-5555-0404", "owner", "x", "y"), "invalid_number");
        assert_eq!(code("+82 10-5555-0404", "boss", "x", "y"), "bad_role");
        assert_eq!(code("+82 10-5555-0404", "owner", " ", "y"), "bad_contact", "owners must be reachable");
        assert_eq!(validate("+82 10-5555-0404", "user", " ", "y").unwrap().contact, "", "users may stay anonymous");
        let spoof = validate("+82 10-5555-0404", "user", "moc.live\u{202e}@x\u{7}", "a\u{1b}[31m\nb").unwrap();
        assert_eq!((spoof.contact.as_str(), spoof.reason.as_str()), ("moc.live@x", "a[31m b"), "no controls, no bidi");
        assert_eq!(code("+82 10-5555-0404", "user", "x", "  "), "bad_reason");
        assert_eq!(code("+82 10-5555-0404", "user", "x", &"é".repeat(1001)), "reason_too_long");
        assert!(validate("+82 10-5555-0404", "user", "x", &"é".repeat(1000)).is_ok());
        let e = parse_request(br#"{"number": "+821055550404", "role": "user", "contact": "x"}"#).unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, "bad_json"), "no reason");
        let e = parse_request(br#"{"number": "+821055550404", "role": "user", "reason": "x", "more": 1}"#).unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, "bad_json"));
        let e = parse_request(br#"{"number": "+821055550404", "role": "x", "contact": "x", "reason": "y"}"#);
        assert_eq!(e.unwrap_err().status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    /// Hostile bodies get a 4xx with a known code, never a panic or a 5xx.
    #[test]
    fn hostile_bodies_are_refused_with_known_codes() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let bodies: Vec<Vec<u8>> = vec![
            vec![],
            b"\xff\xfe\x00".to_vec(),
            b"null".to_vec(),
            deep.into_bytes(),
            br#"{"number": 1e999, "role": "user", "contact": "", "reason": "x"}"#.to_vec(),
            br#"{"number": "+8210\u0000", "role": "user", "contact": "", "reason": "x"}"#.to_vec(),
            br#"{"number": "+821055550404", "role": "user", "contact": "\u202e", "reason": "x"}"#.to_vec(),
            br#"{"number": "+112", "role": "owner", "contact": "a", "reason": "x"}"#.to_vec(),
            br#"{"number": "+821055550404", "role": "USER", "contact": "a", "reason": "x"}"#.to_vec(),
        ];
        for body in bodies {
            match parse_request(&body) {
                Err(r) => {
                    assert!(r.status.is_client_error(), "{r:?}");
                    let known = ["bad_json", "invalid_number"].contains(&r.code) || CODES.contains(&r.code);
                    assert!(known, "{r:?}");
                }
                // A number that parses (an emergency number, NUL dropped): filing it finds
                // nothing listed (not_listed); what is stored has no control characters.
                Ok(d) => assert!(d.number > 0 && !d.contact.chars().any(|c| c.is_control() || c == '\u{202e}')),
            }
        }
    }

    #[test]
    fn ids() {
        let a = new_id().unwrap();
        assert_eq!(normalise_id(&format!(" {} ", a.to_uppercase())), Some(a.clone()));
        assert_ne!(a, new_id().unwrap());
        for bad in ["", "abc", "0123456789a", "012345678i", "../../etc/", "0123456789 x"] {
            assert_eq!(normalise_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_795_606_460), "2026-11-25 11:34 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn relisting_needs_three_times_the_evidence() {
        let r = relist_rules(&Rules::default());
        assert_eq!((r.min_reporters, r.list_threshold), (9, 6.0));
    }
}
