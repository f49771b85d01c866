//! The public page at `/`: look a number up (its state, category and a coarse summary of
//! the evidence; never who reported it or what they wrote), dispute a listing, and see a
//! dispute's state by its id. Server-rendered HTML (templates in `server/templates/`,
//! auto-escaped by minijinja; every string in `page_text.rs`), plain forms that work
//! without JavaScript, and the API's budgets per origin network: a look-up costs what a
//! private lookup does, a dispute what `POST /v1/disputes` does.

use crate::api::origin_of;
use crate::disputes::{self, Dispute, Filed, State as DisputeState};
use crate::page_text::{field_error, Text, EN};
use crate::state::Shared;
use crate::storage::NumberRecord;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::{context, Environment, Value};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

/// The page's routes, merged into the API's router (`api::router`).
pub fn routes() -> Router<Arc<Shared>> {
    let form_limit = axum::extract::DefaultBodyLimit::max(disputes::MAX_BODY_BYTES);
    Router::new()
        .route("/", get(index))
        .route("/page.css", get(css))
        .route("/lookup", get(lookup))
        .route("/dispute", get(dispute_status).post(file).layer(form_limit))
}

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../templates/base.html")),
            ("forms.html", include_str!("../templates/forms.html")),
            ("index.html", include_str!("../templates/index.html")),
            ("lookup.html", include_str!("../templates/lookup.html")),
            ("dispute.html", include_str!("../templates/dispute.html")),
        ] {
            env.add_template(name, source).expect("the page's templates parse (tested)");
        }
        env
    })
}

/// The page's language: English until a second table exists (`page_text.rs`).
fn text() -> &'static Text {
    &EN
}

/// A rendered page with headers that keep it self-contained: no scripts, no framing,
/// forms only to this server.
fn html(status: StatusCode, template: &str, ctx: Value) -> Response {
    let body = match templates().get_template(template).and_then(|t| t.render(ctx)) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, template, "rendering the page failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, text().error_storage).into_response();
        }
    };
    let mut r = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The dispute form's values to show again, and what was wrong with them.
#[derive(Deserialize, Default, serde::Serialize)]
pub struct DisputeForm {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub reason: String,
}

fn start(status: StatusCode, error: Option<&str>, form: &DisputeForm, field: Option<(&str, &str)>) -> Response {
    let (error_field, error_message) = field.unwrap_or(("", ""));
    let dispute = context! {
        number => form.number, role => form.role, contact => form.contact, reason => form.reason,
        error_field, error_message,
    };
    html(status, "index.html", context! { t => text(), error, number => "", dispute })
}

async fn index() -> Response {
    start(StatusCode::OK, None, &DisputeForm::default(), None)
}

async fn css() -> Response {
    let mut r =
        ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../templates/page.css")).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    r
}

fn rate_limited(wait: u64) -> Response {
    let mut r = start(StatusCode::TOO_MANY_REQUESTS, Some(text().error_rate_limited), &DisputeForm::default(), None);
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    r
}

fn unavailable() -> Response {
    start(StatusCode::SERVICE_UNAVAILABLE, Some(text().error_storage), &DisputeForm::default(), None)
}

#[derive(Deserialize)]
struct NumberQuery {
    #[serde(default)]
    number: String,
}

async fn lookup(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<NumberQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let raw = query.map(|q| q.0.number).unwrap_or_default();
    let number = match disputes::parse_number(&raw) {
        Ok(n) => n,
        Err((code, _)) => {
            return start(StatusCode::UNPROCESSABLE_ENTITY, Some(field_error(code)), &DisputeForm::default(), None)
        }
    };
    let origin = origin_of(&state, peer, &headers);
    if let Err(wait) = state.limits().lookups.take(&origin, 1) {
        return rate_limited(wait);
    }
    let st = state.clone();
    let record = match tokio::task::spawn_blocking(move || st.number_record(number)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "page lookup failed");
            return unavailable();
        }
        Err(_) => return unavailable(),
    };
    html(StatusCode::OK, "lookup.html", summary(number, &record, crate::now()))
}

/// What the page says about a number: its state, category, and the evidence in coarse
/// bands (independent networks, how recent), never a vote, a device or a comment.
pub fn summary(number: u64, r: &NumberRecord, now: i64) -> Value {
    let t = text();
    let held = r.disputes.iter().any(|d| d.held);
    let cleared = r.disputes.first().is_some_and(|d| d.state == DisputeState::Cleared);
    let (state_code, state) = match &r.published {
        _ if held && r.published.is_some() => ("held", t.state_held),
        Some(p) if p.disputed => ("held", t.state_held),
        Some(p) if p.range => ("range", t.state_range),
        Some(_) => ("listed", t.state_listed),
        None if cleared => ("cleared", t.state_cleared),
        None => ("not_listed", t.state_not_listed),
    };
    let spam: BTreeSet<i64> = r.votes.iter().filter(|v| v.spam).map(|v| v.origin).collect();
    let not_spam: BTreeSet<i64> = r.votes.iter().filter(|v| !v.spam).map(|v| v.origin).collect();
    let last = r.votes.iter().filter(|v| v.spam).map(|v| v.at).max();
    let last_report = match last.map(|at| (now - at).max(0) / 86_400) {
        None => t.recent_never,
        Some(0..=6) => t.recent_week,
        Some(7..=29) => t.recent_month,
        Some(30..=365) => t.recent_year,
        Some(_) => t.recent_older,
    };
    let category = r.published.map(|p| p.listing.category.label());
    context! {
        t, number => format!("+{number}"), state_code, state, category,
        reporters => band(spam.len()), not_spam => band(not_spam.len()), last_report,
        disputable => r.published.is_some() && !r.disputes.iter().any(|d| d.state == DisputeState::Open),
    }
}

/// A count of networks as a coarse band.
fn band(n: usize) -> &'static str {
    let t = text();
    match n {
        0 => t.band_none,
        1..=2 => t.band_few,
        3..=9 => t.band_some,
        10..=99 => t.band_many,
        _ => t.band_very_many,
    }
}

async fn file(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<DisputeForm>, FormRejection>,
) -> Response {
    let form = form.map(|f| f.0).unwrap_or_default();
    let d = match disputes::validate(&form.number, &form.role, &form.contact, &form.reason) {
        Ok(d) => d,
        Err((code, _)) => {
            let field = match code {
                "invalid_number" => "number",
                "bad_role" => "role",
                "bad_contact" => "contact",
                _ => "reason",
            };
            return start(StatusCode::UNPROCESSABLE_ENTITY, None, &form, Some((field, field_error(code))));
        }
    };
    let origin = origin_of(&state, peer, &headers);
    if let Err(wait) = state.limits().disputes.take(&origin, 1) {
        return rate_limited(wait);
    }
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.file_dispute(&d, origin, crate::now())).await {
        Ok(Ok(Filed::New(d))) => {
            tracing::info!(held = d.held, "dispute filed through the page");
            Redirect::to(&format!("/dispute?id={}&filed=new", d.id)).into_response()
        }
        Ok(Ok(Filed::Existing(d))) => {
            state.limits().disputes.refund(&origin, 1);
            Redirect::to(&format!("/dispute?id={}&filed=existing", d.id)).into_response()
        }
        Ok(Ok(Filed::NotListed)) => {
            state.limits().disputes.refund(&origin, 1);
            start(StatusCode::UNPROCESSABLE_ENTITY, Some(text().error_not_listed), &form, None)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "filing a dispute through the page failed");
            unavailable()
        }
        Err(_) => unavailable(),
    }
}

#[derive(Deserialize)]
struct IdQuery {
    #[serde(default)]
    id: String,
    #[serde(default)]
    filed: String,
}

async fn dispute_status(
    State(state): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<IdQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else { return index().await };
    let Some(id) = disputes::normalise_id(&q.id) else {
        return start(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field_error("bad_dispute_id")),
            &DisputeForm::default(),
            None,
        );
    };
    let origin = origin_of(&state, peer, &headers);
    if let Err(wait) = state.limits().lookups.take(&origin, 1) {
        return rate_limited(wait);
    }
    let st = state.clone();
    let lookup = id.clone();
    let found = match tokio::task::spawn_blocking(move || st.dispute(&lookup)).await {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "page dispute lookup failed");
            return unavailable();
        }
        Err(_) => return unavailable(),
    };
    let message = match q.filed.as_str() {
        "new" => Some(text().dispute_filed),
        "existing" => Some(text().dispute_existing),
        _ => None,
    };
    let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    html(status, "dispute.html", status_context(&id, found.as_ref(), message))
}

fn status_context(id: &str, d: Option<&Dispute>, message: Option<&str>) -> Value {
    let t = text();
    let Some(d) = d else { return context! { t, id, found => false, message } };
    let (state_code, state) = match (d.state, d.held) {
        (DisputeState::Open, true) => ("open_held", t.dispute_state_open_held),
        (DisputeState::Open, false) => ("open", t.dispute_state_open),
        (DisputeState::Upheld, _) => ("upheld", t.dispute_state_upheld),
        (DisputeState::Cleared, _) => ("cleared", t.dispute_state_cleared),
    };
    context! {
        t, id, found => true, message, number => format!("+{}", d.number), state_code, state,
        filed => disputes::utc(d.created_at), resolved => d.resolved_at.map(disputes::utc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_escapes() {
        let form = DisputeForm { reason: "<script>alert(1)</script>".into(), ..DisputeForm::default() };
        let dispute = context! { number => form.number, role => "", contact => "", reason => form.reason,
        error_field => "reason", error_message => "x" };
        let page = templates()
            .get_template("index.html")
            .unwrap()
            .render(context! { t => text(), error => None::<&str>, number => "", dispute })
            .unwrap();
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"), "escaped");
        // Every input has a label that names it.
        for id in ["number", "dispute-number", "role-owner", "role-user", "contact", "reason", "dispute-id"] {
            assert!(page.contains(&format!("<label for=\"{id}\"")), "a label for {id}");
            assert!(page.contains(&format!("id=\"{id}\"")), "an input {id}");
        }
        let record = NumberRecord { published: None, votes: vec![], disputes: vec![] };
        let page = templates().get_template("lookup.html").unwrap().render(summary(15551234567, &record, 0)).unwrap();
        assert!(page.contains("data-state=\"not_listed\""), "{page}");
        let page = templates().get_template("dispute.html").unwrap().render(status_context("x", None, None)).unwrap();
        assert!(page.contains(text().no_such_dispute));
    }
}
