//! Uploading the report outbox: batches signed by the device key, each request with a
//! new nonce, and a report marked uploaded only after the server's signed answer for
//! exactly that batch (an acknowledgement, or a rejection naming one report).

use super::device::random;
use super::fetch::{failure, Expect, Fetcher};
use super::transport::Method;
use super::SyncProgress;
use crate::reports::Report;
use crate::store::now;
use crate::wire::{self, ApiError, ReportBatch, ReportItem, SignedAck, VerifyingKey};
use crate::{Error, Result, Screener};

/// What an upload did.
#[derive(Default)]
pub(super) struct Uploaded {
    pub uploaded: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

fn items(batch: &[Report]) -> Vec<ReportItem> {
    batch
        .iter()
        .map(|r| ReportItem {
            key: r.idempotency_key.clone(),
            number: r.number.to_string(),
            spam: r.spam,
            category: r.spam.then(|| r.category.as_str().to_string()),
            comment: r.comment.clone(),
            at: r.created_at,
        })
        .collect()
}

fn bad(what: &str, why: impl std::fmt::Display) -> Error {
    Error::BadResponse { what: what.into(), why: why.to_string() }
}

impl Screener {
    pub(super) fn upload(
        &mut self,
        f: &Fetcher,
        server_key: &VerifyingKey,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<Uploaded> {
        let mut done = Uploaded::default();
        let total: u64 =
            self.store()
                .conn()
                .query_row("SELECT count(*) FROM reports WHERE uploaded_at IS NULL", [], |r| r.get::<_, i64>(0))?
                as u64;
        if total == 0 {
            return Ok(done);
        }
        let key = self.device_key()?;
        let device = wire::device_id(&key.verifying_key());
        let url = f.config.url("v1/reports");
        let batch_size = f.config.batch_size.clamp(1, wire::MAX_BATCH as u32);
        loop {
            f.cancel.check()?;
            let batch: Vec<Report> = self.pending_reports(batch_size)?;
            if batch.is_empty() {
                return Ok(done);
            }
            let reports = items(&batch);
            // Each try is signed afresh (a new nonce: the server refuses one it has seen);
            // the answer must name the digest of the try it answers.
            let mut digest = String::new();
            let mut nonce_error = None;
            let mut body = || {
                let nonce = match random::<16>() {
                    Ok(b) => wire::hex(&b),
                    Err(e) => {
                        nonce_error = Some(e);
                        return Vec::new();
                    }
                };
                let b = ReportBatch { device: device.clone(), at: now(), nonce, reports: reports.clone() };
                let signed = wire::sign_batch(&b, &key);
                digest = wire::batch_digest(&signed.batch);
                serde_json::to_vec(&signed).expect("a signed batch serialises")
            };
            let a = f.request(
                &url,
                Method::Post,
                &mut body,
                f.config.max_small_bytes,
                Expect::Json,
                "the upload answer",
                &mut |_| {},
            )?;
            if let Some(e) = nonce_error {
                return Err(e);
            }
            match a.status {
                200 => {
                    let ack: SignedAck = serde_json::from_slice(&a.body).map_err(|e| bad("upload answer", e))?;
                    let ack = wire::verify_ack(&ack, &digest, server_key)
                        .map_err(|e| bad("upload answer", format!("{e}; the reports stay queued")))?;
                    let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
                    self.mark_reports_uploaded(&ids)?;
                    done.uploaded += ids.len() as u64;
                    done.duplicates += u64::from(ack.duplicates).min(ids.len() as u64);
                }
                422 => {
                    // The server names, signed, the report it will never accept: take it
                    // out of the outbox (its local effect stays) so the others can go.
                    let err: Option<ApiError> = serde_json::from_slice(&a.body).ok();
                    let named = err.as_ref().and_then(|e| {
                        let i = e.index?;
                        let sig = e.signature.as_deref()?;
                        wire::verify_rejection(&digest, i, &e.error, sig, server_key).ok()?;
                        batch.get(i)
                    });
                    match named {
                        Some(r) => {
                            self.mark_reports_uploaded(&[r.id])?;
                            done.rejected += 1;
                        }
                        None => return Err(failure(&url, &a)),
                    }
                }
                _ => return Err(failure(&url, &a)),
            }
            progress(SyncProgress::Uploading { sent: done.uploaded + done.rejected, total });
        }
    }
}
