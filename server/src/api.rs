//! The HTTP API: reports in, private lookups out, the published files as static files,
//! and a health check. Every error is JSON (`wire::ApiError`) with a stable code.

use crate::request::{self, Refusal};
use crate::state::{Recorded, Shared};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringfence_core::wire::{self, ApiError, ReportAck};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub fn router(state: Arc<Shared>) -> Router {
    let files = ServeDir::new(state.files());
    let timeout = state.request_timeout();
    Router::new()
        .route("/health", get(health))
        .route("/v1/reports", post(reports))
        .route("/v1/lookup/{prefix}", get(lookup))
        .route("/v1/disputes", post(file_dispute))
        .route("/v1/disputes/{id}", get(dispute_status))
        .merge(crate::page::routes())
        .nest_service(
            "/v1/data",
            tower::ServiceBuilder::new()
                // Phones revalidate (ETag, Last-Modified); a CDN may cache versioned files longer.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
                .service(files),
        )
        .fallback(|| async {
            error(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see docs/protocol.md".into(), None)
        })
        .layer(middleware::from_fn(move |req: Request, next: Next| deadline(timeout, req, next)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A request that is not answered within `timeout` (a client trickling its body, say)
/// gets a JSON 408 and its connection closed.
async fn deadline(timeout: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let msg = format!("the request was not complete within {} s", timeout.as_secs_f64());
            let mut r = error(StatusCode::REQUEST_TIMEOUT, "request_timeout", msg, None);
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            r
        }
    }
}

pub(crate) fn refused(r: Refusal) -> Response {
    error(r.status, r.code, r.message, r.index)
}

pub(crate) fn too_many(code: &str, message: String, wait: u64) -> Response {
    let mut r = error(StatusCode::TOO_MANY_REQUESTS, code, message, None);
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    r
}

pub(crate) fn error(status: StatusCode, code: &str, message: String, index: Option<usize>) -> Response {
    (status, Json(ApiError { error: code.into(), message, index, signature: None })).into_response()
}

async fn health(State(state): State<Arc<Shared>>) -> Response {
    let read = move || state.latest_version();
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(version)) => Json(serde_json::json!({ "status": "ok", "version": version })).into_response(),
        _ => error(StatusCode::SERVICE_UNAVAILABLE, "unhealthy", "the database cannot be read".into(), None),
    }
}

/// The client's network, from the peer address and, behind a trusted proxy,
/// `X-Forwarded-For`.
pub(crate) fn origin_of(state: &Shared, peer: SocketAddr, headers: &HeaderMap) -> crate::origin::Origin {
    let forwarded: Vec<&[u8]> = headers.get_all("x-forwarded-for").iter().map(HeaderValue::as_bytes).collect();
    state.origin_of(peer.ip(), &forwarded)
}

async fn reports(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = match json_body(req, wire::MAX_BODY_BYTES, "; send smaller batches").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (batch, digest) = match request::parse_batch(&body, crate::now()) {
        Ok(b) => b,
        Err(r) => return refused(r),
    };
    let origin = origin_of(&state, peer, &parts.headers);
    let device = batch.device.clone();
    let d = &device;
    let n = batch.reports.len() as u32;
    let limits = state.limits();
    if let Err(wait) = limits.device.take(d, n) {
        tracing::debug!(device = %d, reports = n, "rate limited (device)");
        return too_many("rate_limited", format!("too many reports from this device; retry in {wait} s"), wait);
    }
    if let Err(wait) = limits.origin.take(&origin, n) {
        limits.device.refund(d, n);
        tracing::debug!(device = %d, reports = n, "rate limited (network)");
        return too_many("rate_limited", format!("too many reports from this network; retry in {wait} s"), wait);
    }
    let st = state.clone();
    // Reading up to 500 numbers against the numbering plan is CPU work: off the async
    // threads, with the storage write.
    let outcome = tokio::task::spawn_blocking(move || match request::validate_all(&batch.reports) {
        Ok(valid) => st.record(&batch.device, &batch.nonce, origin, &valid, crate::now()).map(Ok),
        Err(r) => Ok(Err(r)),
    })
    .await;
    match outcome {
        Ok(Ok(Ok(Recorded::Counted(accepted, duplicates)))) => {
            // Never the device id or the numbers at INFO (docs/protocol.md, "Privacy").
            tracing::info!(accepted, duplicates, "reports recorded");
            Json(wire::sign_ack(&digest, ReportAck { accepted, duplicates }, state.key())).into_response()
        }
        Ok(Ok(Err(r))) => {
            // A report refused for good: signed, so that only the server can make the
            // phone drop it from its outbox.
            let signature = r.index.map(|i| wire::sign_rejection(&digest, i, r.code, state.key()));
            let body = ApiError { error: r.code.into(), message: r.message, index: r.index, signature };
            (r.status, Json(body)).into_response()
        }
        Ok(Ok(Ok(Recorded::Replayed))) => {
            limits.device.refund(d, n);
            limits.origin.refund(&origin, n);
            let msg = "this signed request was sent before (its nonce); sign every request afresh".to_string();
            error(StatusCode::CONFLICT, "replayed", msg, None)
        }
        Ok(Ok(Ok(Recorded::NewDeviceRefused(wait)))) => {
            limits.device.refund(d, n);
            limits.origin.refund(&origin, n);
            tracing::debug!(device = %d, "new device refused: too many from its network");
            let msg = format!("too many new devices from this network; retry in {wait} s");
            too_many("too_many_new_devices", msg, wait)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "recording reports failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage",
                "the reports could not be stored; retry later".into(),
                None,
            )
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; retry later".into(), None),
    }
}

/// A POST's JSON body, read up to `limit` bytes: a 415 without a JSON content type, a 413
/// (with `advice`) over the limit, a 400 if it cannot be read.
async fn json_body(
    req: Request,
    limit: usize,
    advice: &str,
) -> Result<(axum::http::request::Parts, axum::body::Bytes), Response> {
    let (parts, body) = req.into_parts();
    request::check_content_type(parts.headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes)).map_err(refused)?;
    match axum::body::to_bytes(Body::new(body), limit).await {
        Ok(b) => Ok((parts, b)),
        Err(e) if is_length_limit(&e) => {
            let msg = format!("the body is larger than {limit} bytes{advice}");
            Err(error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", msg, None))
        }
        Err(e) => Err(error(StatusCode::BAD_REQUEST, "bad_body", format!("the body could not be read: {e}"), None)),
    }
}

/// Whether a body read stopped at the size limit (rather than the client going away).
fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

async fn lookup(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(prefix): Path<String>,
) -> Response {
    let bucket = match request::parse_prefix(&prefix) {
        Ok(b) => b,
        Err(r) => return refused(r),
    };
    let origin = origin_of(&state, peer, &headers);
    if let Err(wait) = state.limits().lookups.take(&origin, 1) {
        tracing::debug!("rate limited (lookups)");
        return too_many("rate_limited", format!("too many lookups from this network; retry in {wait} s"), wait);
    }
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.bucket(bucket, crate::now())).await {
        Ok(Ok(bytes)) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "lookup failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "the lookup failed; retry later".into(), None)
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; retry later".into(), None),
    }
}

/// `POST /v1/disputes`: the same discipline as reports (JSON only, size-capped, every
/// refusal a JSON 4xx with a stable code), budgeted per origin network.
async fn file_dispute(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = match json_body(req, crate::disputes::MAX_BODY_BYTES, "").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let dispute = match crate::disputes::parse_request(&body) {
        Ok(d) => d,
        Err(r) => return refused(r),
    };
    let origin = origin_of(&state, peer, &parts.headers);
    if let Err(wait) = state.limits().disputes.take(&origin, 1) {
        return too_many("rate_limited", format!("too many disputes from this network; retry in {wait} s"), wait);
    }
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.file_dispute(&dispute, origin, crate::now())).await {
        Ok(Ok(crate::disputes::Filed::New(d))) => {
            tracing::info!(held = d.held, "dispute filed");
            (StatusCode::CREATED, Json(d.status())).into_response()
        }
        Ok(Ok(crate::disputes::Filed::Existing(d))) => {
            state.limits().disputes.refund(&origin, 1);
            Json(d.status()).into_response()
        }
        Ok(Ok(crate::disputes::Filed::NotListed)) => {
            state.limits().disputes.refund(&origin, 1);
            let msg = "the number is not listed: there is nothing to dispute".to_string();
            error(StatusCode::UNPROCESSABLE_ENTITY, "not_listed", msg, None)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "filing a dispute failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage",
                "the dispute could not be stored; retry later".into(),
                None,
            )
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; retry later".into(), None),
    }
}

/// `GET /v1/disputes/{id}`: a dispute's state (never its contact or reason), budgeted
/// with the lookups.
async fn dispute_status(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = crate::disputes::normalise_id(&id) else {
        let msg = "dispute ids are 10 letters and digits".to_string();
        return error(StatusCode::BAD_REQUEST, "bad_dispute_id", msg, None);
    };
    let origin = origin_of(&state, peer, &headers);
    if let Err(wait) = state.limits().lookups.take(&origin, 1) {
        return too_many("rate_limited", format!("too many lookups from this network; retry in {wait} s"), wait);
    }
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.dispute(&id)).await {
        Ok(Ok(Some(d))) => Json(d.status()).into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "not_found", "no such dispute".into(), None),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading a dispute failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage",
                "the dispute could not be read; retry later".into(),
                None,
            )
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; retry later".into(), None),
    }
}
