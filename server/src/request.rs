//! Everything the server reads from a request before it touches storage, as pure
//! functions: the report batch (content type, JSON, device id, counts, each report),
//! the lookup prefix. `api.rs` calls these; the fuzz targets (`fuzz/src/server_targets.rs`)
//! call exactly the same functions on arbitrary bytes.

use crate::storage::Report;
use axum::http::StatusCode;
use ringfence_core::number::{parse, Caller};
use ringfence_core::wire::{self, ReportBatch, ReportItem, SignedBatch, SignedError};
use ringfence_core::MAX_COMMENT_CHARS;
use ringfence_core::{Category, Region};

/// Why a request was refused: the HTTP status, the stable code, a message for people,
/// and for a single refused report, its index in the batch.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub index: Option<usize>,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal { status, code, message: message.into(), index: None }
    }
}

/// Every code a refusal can carry (`docs/protocol.md`, "Errors").
pub const CODES: &[&str] = &[
    "bad_json",
    "bad_body",
    "bad_device",
    "signature_required",
    "bad_signature",
    "bad_nonce",
    "clock_skew",
    "replayed",
    "empty_batch",
    "bad_prefix",
    "unsupported_media_type",
    "body_too_large",
    "batch_too_large",
    "bad_key",
    "invalid_number",
    "emergency_number",
    "unknown_category",
    "comment_too_long",
];

/// `Content-Type` must be JSON: `application/json`, any case, parameters allowed
/// (`; charset=utf-8`). Anything else, or none, is a 415.
pub fn check_content_type(value: Option<&[u8]>) -> Result<(), Refusal> {
    let refused = || {
        Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the report batch as Content-Type: application/json",
        )
    };
    let v = value.ok_or_else(refused)?;
    let v = std::str::from_utf8(v).map_err(|_| refused())?;
    let essence = v.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The signed envelope, its signature, the device id (derived from the signing key),
/// the clock and nonce, and the size. Returns the batch and the digest the
/// acknowledgement names. The reports themselves are checked by [`validate_all`] (after
/// the rate limits, which only need the device and the count); the nonce is claimed in
/// storage (`Shared::record`).
pub fn parse_batch(body: &[u8], now: i64) -> Result<(ReportBatch, String), Refusal> {
    let bad = |code, msg: String| Refusal::new(StatusCode::BAD_REQUEST, code, msg);
    if body.len() > wire::MAX_BODY_BYTES {
        let msg = format!("the body is larger than {} bytes; send smaller batches", wire::MAX_BODY_BYTES);
        return Err(Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", msg));
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| bad("bad_json", format!("the body is not a signed report batch: {e}")))?;
    // An old client's unsigned batch: say so plainly, the app must be updated.
    if value.get("reports").is_some() && value.get("signature").is_none() {
        let msg = "report batches must be signed by the device key (ringfence 0.2 and later); update the app";
        return Err(Refusal::new(StatusCode::UPGRADE_REQUIRED, "signature_required", msg));
    }
    let env: SignedBatch = serde_json::from_value(value)
        .map_err(|e| bad("bad_json", format!("the body is not a signed report batch: {e}")))?;
    let (batch, digest) = wire::open_batch(&env).map_err(|e| match e {
        SignedError::Content(m) => bad("bad_json", format!("the signed batch is not a report batch: {m}")),
        e => Refusal::new(StatusCode::UNAUTHORIZED, "bad_signature", format!("the batch is refused: {e}")),
    })?;
    let d = &batch.device;
    if d.len() != 32 || !d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad("bad_device", "device ids are 32 lowercase hex digits".into()));
    }
    let n = &batch.nonce;
    if !(16..=64).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("bad_nonce", "the nonce is 16 to 64 hex digits, new for every request".into()));
    }
    if (batch.at - now).abs() > wire::BATCH_CLOCK_SKEW {
        let msg = format!(
            "the batch was signed at Unix time {}, more than {} s from the server's clock ({now}); check the phone's clock",
            batch.at,
            wire::BATCH_CLOCK_SKEW
        );
        return Err(bad("clock_skew", msg));
    }
    if batch.reports.is_empty() {
        return Err(bad("empty_batch", "the batch has no reports".into()));
    }
    if batch.reports.len() > wire::MAX_BATCH {
        let msg = format!("{} reports in one batch; at most {}", batch.reports.len(), wire::MAX_BATCH);
        return Err(Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large", msg));
    }
    Ok((batch, digest))
}

/// Every report of a batch, checked; the first refused one is named by its index.
pub fn validate_all(items: &[ReportItem]) -> Result<Vec<Report>, Refusal> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            validate(item).map_err(|(code, msg)| Refusal {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code,
                message: format!("report {i}: {msg}"),
                index: Some(i),
            })
        })
        .collect()
}

/// Content type, JSON and every report: what a request must pass before storage
/// (rate limits aside). Returns the device id and the reports.
pub fn decode_reports(content_type: Option<&[u8]>, body: &[u8], now: i64) -> Result<(String, Vec<Report>), Refusal> {
    check_content_type(content_type)?;
    let (batch, _) = parse_batch(body, now)?;
    let reports = validate_all(&batch.reports)?;
    Ok((batch.device, reports))
}

/// Idempotency keys: 8 to 64 of `A-Z a-z 0-9 - _`.
pub fn valid_key(k: &str) -> bool {
    (8..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One report, checked. `Err` is (code, message).
pub fn validate(item: &ReportItem) -> Result<Report, (&'static str, String)> {
    let k = &item.key;
    if !valid_key(k) {
        return Err(("bad_key", "idempotency keys are 8 to 64 letters, digits, - or _".into()));
    }
    if !item.number.trim_start().starts_with('+') {
        return Err((
            "invalid_number",
            format!("{:?} is not in international form (+ and country code)", short(&item.number)),
        ));
    }
    let n = match parse(&item.number, Region::US) {
        Caller::Number(n) => n,
        Caller::Hidden => return Err(("invalid_number", "the number is empty".into())),
        Caller::Malformed(m) => return Err(("invalid_number", format!("{:?} {m}", short(&item.number)))),
    };
    if item.spam && n.traits.emergency {
        return Err(("emergency_number", format!("{} is an emergency number and is never listed", n.e164)));
    }
    let category = if item.spam {
        let c: Category = item.category.as_deref().unwrap_or("unknown").parse().map_err(|_| {
            (
                "unknown_category",
                format!(
                    "unknown category {:?}; known: {}",
                    short(item.category.as_deref().unwrap_or("")),
                    reportable()
                ),
            )
        })?;
        if !c.is_reportable() {
            return Err(("unknown_category", format!("{c} cannot be reported; use one of: {}", reportable())));
        }
        c
    } else {
        Category::Unknown
    };
    let comment = item.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(("comment_too_long", format!("comments are at most {MAX_COMMENT_CHARS} characters")));
    }
    Ok(Report {
        key: k.clone(),
        number: n.e164.as_u64(),
        spam: item.spam,
        category,
        comment: comment.map(String::from),
    })
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn reportable() -> String {
    Category::ALL.iter().filter(|c| c.is_reportable()).map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

/// `GET /v1/lookup/{prefix}`: exactly 4 hex digits, either case.
pub fn parse_prefix(prefix: &str) -> Result<u16, Refusal> {
    if prefix.len() == 4 && prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(b) = u16::from_str_radix(prefix, 16) {
            return Ok(b);
        }
    }
    Err(Refusal::new(StatusCode::BAD_REQUEST, "bad_prefix", "the prefix is 4 hex digits (16 bits of the lookup hash)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(parse_prefix("00ff").unwrap(), 255);
        assert_eq!(parse_prefix("ABCD").unwrap(), 0xabcd);
        // u16::from_str_radix takes a leading '+': "+fff" is 4 characters and parses.
        for bad in ["+fff", "-fff", "fff", "fffff", "", "gggg", "ff f", "０１２３"] {
            assert_eq!(parse_prefix(bad).unwrap_err().code, "bad_prefix", "{bad:?}");
        }
    }

    #[test]
    fn content_types() {
        for ok in [&b"application/json"[..], b"Application/JSON; charset=utf-8", b" application/json ;x=y"] {
            assert!(check_content_type(Some(ok)).is_ok(), "{:?}", String::from_utf8_lossy(ok));
        }
        for bad in [None, Some(&b"text/plain"[..]), Some(b"application/jsonp"), Some(b"\xff"), Some(b"")] {
            assert_eq!(check_content_type(bad).unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
    }
}
