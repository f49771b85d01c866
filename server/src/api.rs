//! The HTTP API: reports in, private lookups out, the published files as static files,
//! and a health check. Every error is JSON (`wire::ApiError`) with a stable code.

use crate::limit::RateLimiter;
use crate::publish::Publisher;
use crate::storage::Report;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringfence_core::number::{parse, Caller};
use ringfence_core::reports::MAX_COMMENT_CHARS;
use ringfence_core::wire::{self, ApiError, ReportAck, ReportBatch, ReportItem};
use ringfence_core::{Category, NumberType, Region};
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub struct AppState {
    pub publisher: Arc<Publisher>,
    pub limiter: RateLimiter,
}

pub fn router(state: Arc<AppState>) -> Router {
    let files = ServeDir::new(&state.publisher.dir);
    Router::new()
        .route("/health", get(health))
        .route("/v1/reports", post(reports))
        .route("/v1/lookup/{prefix}", get(lookup))
        .nest_service(
            "/v1/data",
            tower::ServiceBuilder::new()
                // Phones revalidate (ETag, Last-Modified); a CDN may cache versioned files longer.
                .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
                .service(files),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see docs/protocol.md".into(), None) })
        .layer(DefaultBodyLimit::max(wire::MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn error(status: StatusCode, code: &str, message: String, index: Option<usize>) -> Response {
    (status, Json(ApiError { error: code.into(), message, index })).into_response()
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    let publisher = state.publisher.clone();
    let read = move || publisher.storage.lock().unwrap_or_else(|e| e.into_inner()).latest_version();
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(version)) => Json(serde_json::json!({ "status": "ok", "version": version })).into_response(),
        _ => error(StatusCode::SERVICE_UNAVAILABLE, "unhealthy", "the database cannot be read".into(), None),
    }
}

/// One report, checked. `Err` is (code, message).
fn validate(item: &ReportItem) -> Result<Report, (&'static str, String)> {
    let k = &item.key;
    if !(8..=64).contains(&k.len()) || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(("bad_key", "idempotency keys are 8 to 64 letters, digits, - or _".into()));
    }
    if !item.number.trim_start().starts_with('+') {
        return Err(("invalid_number", format!("{:?} is not in international form (+ and country code)", short(&item.number))));
    }
    let n = match parse(&item.number, Region::US) {
        Caller::Number(n) => n,
        Caller::Hidden => return Err(("invalid_number", "the number is empty".into())),
        Caller::Malformed(m) => return Err(("invalid_number", format!("{:?} {m}", short(&item.number)))),
    };
    if item.spam && (n.traits.emergency || n.number_type == NumberType::Emergency || crate::storage::is_emergency(n.e164.as_u64())) {
        return Err(("emergency_number", format!("{} is an emergency number and is never listed", n.e164)));
    }
    let category = if item.spam {
        let c: Category = item.category.as_deref().unwrap_or("unknown").parse().map_err(|_| {
            ("unknown_category", format!("unknown category {:?}; known: {}", short(item.category.as_deref().unwrap_or("")), reportable()))
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
    Ok(Report { key: k.clone(), number: n.e164.as_u64(), spam: item.spam, category, comment: comment.map(String::from) })
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn reportable() -> String {
    Category::ALL.iter().filter(|c| c.is_reportable()).map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

async fn reports(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let msg = format!("the body is larger than {} bytes; send smaller batches", wire::MAX_BODY_BYTES);
            return error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", msg, None);
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_body", e.body_text(), None),
    };
    let batch: ReportBatch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_json", format!("the body is not a report batch: {e}"), None),
    };
    let d = &batch.device;
    if d.len() != 32 || !d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return error(StatusCode::BAD_REQUEST, "bad_device", "device ids are 32 lowercase hex digits".into(), None);
    }
    if batch.reports.is_empty() {
        return error(StatusCode::BAD_REQUEST, "empty_batch", "the batch has no reports".into(), None);
    }
    if batch.reports.len() > wire::MAX_BATCH {
        let msg = format!("{} reports in one batch; at most {}", batch.reports.len(), wire::MAX_BATCH);
        return error(StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large", msg, None);
    }
    if let Err(wait) = state.limiter.take(d, batch.reports.len() as u32) {
        tracing::warn!(device = %d, reports = batch.reports.len(), "rate limited");
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many reports from this device; retry in {wait} s"), None);
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return r;
    }
    let mut valid = Vec::with_capacity(batch.reports.len());
    for (i, item) in batch.reports.iter().enumerate() {
        match validate(item) {
            Ok(r) => valid.push(r),
            Err((code, msg)) => return error(StatusCode::UNPROCESSABLE_ENTITY, code, format!("report {i}: {msg}"), Some(i)),
        }
    }
    let publisher = state.publisher.clone();
    let device = batch.device.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut s = publisher.storage.lock().unwrap_or_else(|e| e.into_inner());
        s.record(&device, &valid, now())
    })
    .await;
    match outcome {
        Ok(Ok((accepted, duplicates))) => {
            tracing::info!(device = %d, accepted, duplicates, "reports recorded");
            Json(ReportAck { accepted, duplicates }).into_response()
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "recording reports failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "the reports could not be stored; retry later".into(), None)
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; retry later".into(), None),
    }
}

async fn lookup(State(state): State<Arc<AppState>>, Path(prefix): Path<String>) -> Response {
    let bucket = match (prefix.len() == 4).then(|| u16::from_str_radix(&prefix, 16).ok()).flatten() {
        Some(b) => b,
        None => return error(StatusCode::BAD_REQUEST, "bad_prefix", "the prefix is 4 hex digits (16 bits of the lookup hash)".into(), None),
    };
    let publisher = state.publisher.clone();
    match tokio::task::spawn_blocking(move || publisher.bucket(bucket, now())).await {
        Ok(Ok(bytes)) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "lookup failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "the lookup failed; retry later".into(), None)
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; retry later".into(), None),
    }
}
